"""The hybrid build end to end: real HTTP through the sandbox's HTTP API to a Lambda function and, through a
VPC link and an internal load balancer, to a stand-in for pods on an EKS cluster."""

from __future__ import annotations

import uuid

import boto3
import pytest
import requests

from lambda_course.architecture import load_balancer_for, route_targets, running_standin, start_standin
from lambda_course.checks import CheckFailed
from lambda_course.deploy import deploy_function
from lambda_course.labchecks import architecture as architecture_checks

WEBHOOK = """
import json

def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    return {"statusCode": 202, "headers": {"content-type": "application/json"},
            "body": json.dumps({"accepted": body.get("id"), "by": "lambda"})}
"""


@pytest.fixture(scope="module")
def catalog():
    service = start_standin(f"catalog-{uuid.uuid4().hex[:6]}", data={"items": 3})
    yield service
    service.stop()


@pytest.fixture(scope="module")
def webhook(sb) -> dict:
    return deploy_function(f"webhook-{uuid.uuid4().hex[:8]}", WEBHOOK)


@pytest.fixture(autouse=True)
def default_checks(sb):
    """Each test sees the sandbox's default: API Gateway needs the function policy's grant."""
    sb.set_enforce_resource_policies(None)


def build_api(webhook: dict, cluster_uri: str, vpc_link: tuple[str, list[str]] | None, *, grant: bool = True,
              decoy: dict | None = None) -> str:
    """An HTTP API with a Lambda route and a catalogue route (through a VPC link when one is given); `decoy`
    adds an unused route `GET /decoy` with those integration settings."""
    gateway = boto3.client("apigatewayv2")
    api = gateway.create_api(Name=f"shop-{uuid.uuid4().hex[:6]}", ProtocolType="HTTP")["ApiId"]
    if grant:
        boto3.client("lambda").add_permission(
            FunctionName=webhook["FunctionName"], StatementId=f"api-{api}", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:us-east-1:123456789012:{api}/*")
    if decoy:
        unused = gateway.create_integration(ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                            PayloadFormatVersion="1.0", **decoy)["IntegrationId"]
        gateway.create_route(ApiId=api, RouteKey="GET /decoy", Target=f"integrations/{unused}")
    to_lambda = gateway.create_integration(
        ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=webhook["FunctionArn"],
        PayloadFormatVersion="2.0",
    )["IntegrationId"]
    gateway.create_route(ApiId=api, RouteKey="POST /webhooks/payment", Target=f"integrations/{to_lambda}")
    extra = {}
    if vpc_link:
        name, subnets = vpc_link
        link = gateway.create_vpc_link(Name=name, SubnetIds=subnets)["VpcLinkId"]
        extra = {"ConnectionType": "VPC_LINK", "ConnectionId": link}
    to_cluster = gateway.create_integration(
        ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", IntegrationUri=cluster_uri,
        PayloadFormatVersion="1.0", **extra,
    )["IntegrationId"]
    gateway.create_route(ApiId=api, RouteKey="ANY /catalog/{proxy+}", Target=f"integrations/{to_cluster}")
    gateway.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    return api


@pytest.fixture(scope="module")
def ingress(sb, catalog):
    return load_balancer_for(catalog, name=f"ingress-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def hybrid(sb, catalog, webhook, ingress) -> str:
    boto3.client("eks").create_cluster(
        name="shop", roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": list(ingress.subnet_ids)},
    )
    return build_api(webhook, ingress.listener_arn, ("eks-link", list(ingress.subnet_ids)))


def test_the_standin_answers_json_and_records_requests():
    with start_standin("echo-test", data={"version": 2}) as service:
        answer = requests.post(f"{service.url}/carts/9?x=1", data="hi", headers={"x-course-probe": "p-1"}, timeout=5)
        assert answer.status_code == 200 and answer.headers["x-served-by"] == "echo-test-pod"
        assert answer.json() == {"service": "echo-test", "served_by": "echo-test-pod", "method": "POST",
                                 "path": "/carts/9", "query": "x=1", "probe": "p-1", "version": 2}
        assert [(r.method, r.path, r.body) for r in service.received] == [("POST", "/carts/9", "hi")]
    assert running_standin("echo-test") is None


def test_starting_a_standin_again_replaces_the_old_one():
    first = start_standin("twice")
    second = start_standin("twice")
    try:
        assert running_standin("twice") is second and first.url != second.url
        with pytest.raises(requests.ConnectionError):
            requests.get(first.url, timeout=2)
    finally:
        second.stop()


def test_the_webhook_route_reaches_lambda_through_the_api(sb, hybrid, webhook):
    answer = requests.post(f"{sb.api_url(hybrid)}/webhooks/payment", json={"id": "evt_3"}, timeout=30)
    assert answer.status_code == 202 and answer.json() == {"accepted": "evt_3", "by": "lambda"}
    expected = {"accepted": "evt_4", "by": "lambda"}
    architecture_checks.check_api_route_to_lambda(hybrid, "/webhooks/payment", webhook["FunctionName"],
                                                  body={"id": "evt_4"}, status=202, json_body=expected)


def test_the_catalog_route_reaches_the_pods_through_the_vpc_link(sb, hybrid, catalog):
    before = len(catalog.received)
    answer = requests.get(f"{sb.api_url(hybrid)}/catalog/items", timeout=30)
    assert answer.status_code == 200 and answer.json()["service"] == catalog.name
    assert answer.json()["items"] == 3 and len(catalog.received) == before + 1
    posted = architecture_checks.check_api_route_to_standin(hybrid, "/catalog/carts/1", catalog, method="POST")
    assert posted["method"] == "POST"
    kinds = {r.route_key: (r.integration_type, r.connection_type) for r in route_targets(hybrid)}
    assert kinds["ANY /catalog/{proxy+}"] == ("HTTP_PROXY", "VPC_LINK")
    assert architecture_checks.check_eks_cluster("shop")["status"] == "ACTIVE"
    assert architecture_checks.check_eks_cluster("shop", api_id=hybrid, path="/catalog/items")["name"] == "shop"


def test_a_route_to_the_pods_by_plain_url_is_refused_with_a_message(sb, catalog, webhook):
    direct = build_api(webhook, catalog.url, vpc_link=None)
    with pytest.raises(CheckFailed, match="not through a VPC link"):
        architecture_checks.check_api_route_to_standin(direct, "/catalog/items", catalog)


def test_a_plain_url_route_beside_an_unused_vpc_link_route_is_refused(sb, catalog, webhook):
    """The route that serves the request must be the private one; a decoy route elsewhere earns nothing."""
    decoy = {"IntegrationUri": catalog.url, "ConnectionType": "VPC_LINK", "ConnectionId": "bogus"}
    fooled = build_api(webhook, catalog.url, vpc_link=None, decoy=decoy)
    with pytest.raises(CheckFailed, match=r"not through a VPC link \(the route 'ANY /catalog/\{proxy\+\}'"):
        architecture_checks.check_api_route_to_standin(fooled, "/catalog/items", catalog)


def test_a_vpc_link_in_other_subnets_is_refused(sb, catalog, webhook, ingress):
    elsewhere = build_api(webhook, ingress.listener_arn, ("stray-link", ["subnet-elsewhere"]))
    with pytest.raises(CheckFailed, match=r"SubnetIds=list\(ingress.subnet_ids\)"):
        architecture_checks.check_api_route_to_standin(elsewhere, "/catalog/items", catalog)


def test_the_gateway_refuses_a_listener_arn_without_a_vpc_link(sb, webhook, ingress):
    """API Gateway answers 500 for a load balancer it could only reach through a VPC link."""
    unlinked = build_api(webhook, ingress.listener_arn, vpc_link=None)
    answer = requests.get(f"{sb.api_url(unlinked)}/catalog/items", timeout=30)
    assert answer.status_code == 500 and answer.json() == {"message": "Internal Server Error"}
    assert "VPC link" in answer.headers["x-sandbox-reason"]


def test_a_cluster_outside_the_load_balancers_vpc_is_refused(sb, hybrid):
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.99.1.0/24")["Subnet"]["SubnetId"]
    boto3.client("eks").create_cluster(name=f"far-{uuid.uuid4().hex[:6]}", roleArn="arn:aws:iam::123456789012:role/eks",
                                       resourcesVpcConfig={"subnetIds": [subnet]})
    far = boto3.client("eks").list_clusters()["clusters"]
    name = next(n for n in far if n.startswith("far-"))
    with pytest.raises(CheckFailed, match=f"not in the load balancer's VPC.*in {vpc}"):
        architecture_checks.check_eks_cluster(name, api_id=hybrid, path="/catalog/items")


def test_a_webhook_without_the_lambda_permission_is_explained(sb, catalog, webhook, ingress):
    closed = build_api(webhook, ingress.listener_arn, ("eks-link", list(ingress.subnet_ids)), grant=False)
    answer = requests.post(f"{sb.api_url(closed)}/webhooks/payment", json={"id": "evt_5"}, timeout=30)
    assert answer.status_code == 500 and answer.json() == {"message": "Internal Server Error"}
    with pytest.raises(CheckFailed, match="may not invoke .*add_permission"):
        architecture_checks.check_api_route_to_lambda(closed, "/webhooks/payment", webhook["FunctionName"],
                                                      body={"id": "x"})


def test_a_missing_route_or_function_is_explained(sb, hybrid, catalog):
    with pytest.raises(CheckFailed, match=r"answered 404.*POST /webhooks/payment -> AWS_PROXY"):
        architecture_checks.check_api_route_to_standin(hybrid, "/shop/items", catalog)
    with pytest.raises(CheckFailed, match="No route of the API invokes 'other-fn'"):
        architecture_checks.check_api_route_to_lambda(hybrid, "/webhooks/payment", "other-fn", body={"id": "x"})
    with pytest.raises(CheckFailed, match="no EKS cluster called 'nope'|There is no EKS cluster"):
        architecture_checks.check_eks_cluster("nope")


def test_answer_form_check_names_the_vocabulary():
    with pytest.raises(CheckFailed, match="not in the vocabulary"):
        architecture_checks.check_answer_form({"choice": "lambda", "constraints": ["cheap"]})
    with pytest.raises(CheckFailed, match="Scenario batch-40-minutes: 1 of 2"):
        architecture_checks.check_scenario("batch-40-minutes", {"choice": "lambda", "constraints": ["15-minute-limit"]})
