"""The AWS side of the hybrid build: an internal load balancer in front of a stand-in, and a look at an API.

`load_balancer_for` plays the part of the AWS Load Balancer Controller, which creates an internal Application
Load Balancer for a Kubernetes service: it creates one in the sandbox and tells the API Gateway data plane
that the listener's ARN leads to the stand-in's loopback URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError, ParamValidationError

from localaws.standin import StandInAddress, StandInService


@dataclass(frozen=True)
class LoadBalancer:
    """What a VPC link and a private integration need: the listener ARN, the subnets and security group."""

    listener_arn: str
    load_balancer_arn: str
    subnet_ids: tuple[str, ...]
    security_group_id: str


@dataclass(frozen=True)
class RouteTarget:
    """One route of an HTTP API and the integration it runs."""

    route_key: str
    integration_type: str
    uri: str
    connection_type: str
    connection_id: str


def start_standin(name: str, data: dict[str, Any] | None = None) -> StandInService | StandInAddress:
    """Run a stand-in for a service's pods where the sandbox's data plane reaches it; it answers with JSON."""
    from localaws import sandbox  # the sandbox loads at first use: start-up time

    return sandbox.start_standin(name, data)


def load_balancer_for(service: StandInService | StandInAddress, name: str = "eks-ingress") -> LoadBalancer:
    """Create an internal ALB with a listener for `service` and map the listener's ARN to its URL."""
    from localaws import sandbox  # the sandbox loads at first use: start-up time

    ec2, elb = boto3.client("ec2"), boto3.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(("us-east-1a", "us-east-1b"), start=1)
    )
    group = ec2.create_security_group(GroupName=f"{name}-sg", Description="internal ALB", VpcId=vpc)
    group = group["GroupId"]
    lb = elb.create_load_balancer(
        Name=name, Subnets=list(subnets), SecurityGroups=[group], Scheme="internal", Type="application"
    )["LoadBalancers"][0]
    pods = elb.create_target_group(
        Name=f"{name}-pods", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": pods["TargetGroupArn"]}],
    )["Listeners"][0]
    sandbox.register_private_target(listener["ListenerArn"], service.url)  # the listener leads to the stand-in
    return LoadBalancer(listener["ListenerArn"], lb["LoadBalancerArn"], subnets, group)


def route_targets(api_id: str) -> list[RouteTarget]:
    """Every route of an HTTP API with its integration's type, URI and connection."""
    client = boto3.client("apigatewayv2")
    integrations = {i["IntegrationId"]: i for i in client.get_integrations(ApiId=api_id).get("Items", [])}
    targets = []
    for route in client.get_routes(ApiId=api_id).get("Items", []):
        integration = integrations.get(route.get("Target", "").removeprefix("integrations/"), {})
        targets.append(
            RouteTarget(
                route["RouteKey"],
                integration.get("IntegrationType", ""),
                integration.get("IntegrationUri", ""),
                integration.get("ConnectionType", "INTERNET"),
                integration.get("ConnectionId", ""),
            )
        )
    return targets


def route_for(api_id: str, path: str, method: str = "GET") -> RouteTarget | None:
    """The route of an HTTP API that serves `method path` on its $default stage, as API Gateway chooses it."""
    from localaws.apigateway import select_route  # the data plane (werkzeug) loads at first use: start-up time

    found = select_route(((r.route_key, r) for r in route_targets(api_id)), method, path)
    return found[0] if found else None


def vpc_link_subnets(link_id: str) -> tuple[str, ...] | None:
    """The subnets of the VPC link `link_id`, or None when there is no such link."""
    client = boto3.client("apigatewayv2")
    try:
        return tuple(client.get_vpc_link(VpcLinkId=link_id).get("SubnetIds", []))
    except client.exceptions.NotFoundException:
        return None


def listener_network(listener_arn: str) -> tuple[str, tuple[str, ...]] | None:
    """(VPC id, subnet ids) of the load balancer behind a listener, or None when there is no such listener."""
    elb = boto3.client("elbv2")
    try:
        listener = elb.describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]
        lb = elb.describe_load_balancers(LoadBalancerArns=[listener["LoadBalancerArn"]])["LoadBalancers"][0]
    except (ClientError, ParamValidationError):  # ListenerNotFound, or a validation error for another kind of ARN
        return None
    return lb["VpcId"], tuple(zone["SubnetId"] for zone in lb.get("AvailabilityZones", []))


def subnets_vpc(subnet_ids: list[str]) -> set[str]:
    """The VPCs the given subnets belong to (empty when there are none, or one of them does not exist)."""
    if not subnet_ids:
        return set()  # describe_subnets with no ids would describe every subnet of the account
    try:
        subnets = boto3.client("ec2").describe_subnets(SubnetIds=list(subnet_ids))["Subnets"]
    except (ClientError, ParamValidationError):  # InvalidSubnetID.NotFound, or an id that is not a string
        return set()
    return {subnet["VpcId"] for subnet in subnets}
