"""Checks for lab 6 (architecture): the scenario answers, and the hybrid API built in the sandbox.

The scenario checks grade an answer against the architecture bank's key. The hybrid checks send real HTTP
requests through the sandbox's HTTP API and look at what answered: the Lambda function behind an AWS_PROXY
route, or the stand-in for a cluster's pods behind a VPC link and an internal load balancer.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import boto3
import requests

from lambda_course.architecture import (
    AnswerFormError,
    grade_answer,
    hybrid,
    judge_constraints,
    load_bank,
    read_answer,
    route_targets,
)
from lambda_course.architecture.grading import judge_choice
from lambda_course.checks import CheckFailed, _short, check_equal, parse_json_body


def check_answer_form(answer: Any) -> None:
    """Check an architecture answer is well formed: a known choice and constraints from the vocabulary."""
    if answer is None:
        raise CheckFailed("The answer is None: set the variable to a dict with 'choice' and 'constraints'.")
    try:
        read_answer(answer)
    except AnswerFormError as problem:
        raise CheckFailed(str(problem)) from None


def check_scenario(scenario_id: str, answer: Any, parts: list[str] | None = None) -> None:
    """Check an answer earns every point of a scenario (or of the named parts), explaining what it missed."""
    check_answer_form(answer)
    result = grade_answer(scenario_id, answer)
    wanted = parts or list(result.max_parts)
    missing = [p for p in wanted if not math.isclose(result.parts.get(p, 0), result.max_parts.get(p, 0))]
    if missing:
        raise CheckFailed(f"{result.message}\n(This test grades: {', '.join(wanted)}.)")


def show_scenario(scenario_id: str) -> None:
    """Print a scenario's description and, when it has them, the constraints to weigh with their meaning."""
    scenario = load_bank().scenario(scenario_id)
    print(scenario.description)
    if scenario.weigh:
        vocabulary = load_bank().constraints
        print("\nConstraints to weigh (name those that drive your choice):")
        for word in scenario.weigh:
            print(f"  {word:26} {vocabulary[word].explain}")


def check_choice(scenario_id: str, answer: Any) -> None:
    """Check the answer picks the platform that fits the scenario, explaining why another one does not."""
    check_answer_form(answer)
    right, feedback = judge_choice(scenario_id, answer)
    if not right:
        raise CheckFailed(feedback)


def check_constraint(scenario_id: str, answer: Any, constraint: str) -> None:
    """Check the call on one constraint shown with the scenario: named if it drives the choice, else left out.

    The message, pass or fail, explains only this constraint, so each one's feedback stands on its own.
    """
    check_answer_form(answer)
    verdicts = {v.constraint: v for v in judge_constraints(scenario_id, answer)}
    if constraint not in verdicts:
        raise CheckFailed(f"{constraint!r} is not one of the constraints shown with {scenario_id}.")
    if not verdicts[constraint].right:
        raise CheckFailed(verdicts[constraint].why)


def check_eks_cluster(name: str, *, api_id: str | None = None, path: str = "/", method: str = "GET") -> dict[str, Any]:
    """Check an EKS cluster called `name` exists; with `api_id`, that it sits in the VPC of the load balancer
    that the API's route for `method path` reaches. Return the cluster's description."""
    clusters = boto3.client("eks").list_clusters()["clusters"]
    if name not in clusters:
        raise CheckFailed(
            f"There is no EKS cluster called {name!r} (the sandbox has: {', '.join(clusters) or 'none'}). "
            'Create it with boto3.client("eks").create_cluster(name=..., roleArn=..., '
            "resourcesVpcConfig=...)."
        )
    cluster = boto3.client("eks").describe_cluster(name=name)["cluster"]
    if api_id is not None:
        _check_cluster_behind_route(cluster, api_id, path, method)
    return cluster


def _check_cluster_behind_route(cluster: dict[str, Any], api_id: str, path: str, method: str) -> None:
    """The cluster's subnets are in the VPC of the load balancer the route sends requests to."""
    route = hybrid.route_for(api_id, path, method)
    network = hybrid.listener_network(route.uri) if route is not None else None
    if network is None:
        raise CheckFailed(
            f"No route of the API sends {method} {path} to a load balancer listener: {_routes_summary(api_id)}."
        )
    subnets = cluster.get("resourcesVpcConfig", {}).get("subnetIds", [])
    vpcs = hybrid.subnets_vpc(subnets)
    if vpcs != {network[0]}:
        raise CheckFailed(
            f"The cluster {cluster['name']!r} is not in the load balancer's VPC ({network[0]}): its subnets "
            f"{subnets} are {'in ' + ', '.join(sorted(vpcs)) if vpcs else 'not subnets of the sandbox'}. "
            "Create it with resourcesVpcConfig={'subnetIds': list(ingress.subnet_ids)}, so that the load "
            "balancer reaches its pods."
        )


def _api_request(api_id: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    """Send a real HTTP request through the sandbox's API Gateway endpoint for `api_id`."""
    from localaws import sandbox  # the sandbox loads at first use: start-up time

    running = sandbox.current()
    if running is None:
        raise CheckFailed("The sandbox is not running. Run the cell that calls sandbox.start(), then this.")
    try:
        base = running.api_url(api_id)
    except LookupError as problem:
        raise CheckFailed(f"{problem} Keep the id create_api returned (its 'ApiId') in api_id.") from None
    session = requests.Session()
    session.trust_env = False
    return session.request(method, base + path, json=body, headers=headers, timeout=30)


def _routes_summary(api_id: str) -> str:
    """The API's routes and what each one runs, for messages."""
    routes = route_targets(api_id)
    if not routes:
        return "the API has no routes yet"
    return "its routes are " + "; ".join(
        f"{r.route_key} -> {r.integration_type or 'no integration'}"
        + (f" via {r.connection_type}" if r.connection_type == "VPC_LINK" else "")
        for r in routes
    )


def _gateway_failure(answer: Any, method: str, path: str, api_id: str) -> str:
    """Explain an answer from API Gateway itself (404, 5xx) rather than from the integration."""
    return (
        f"{method} {path} through the API answered {answer.status_code} with {_short(answer.text, 200)}; "
        f"{_routes_summary(api_id)}. Check the route key, the integration it targets and the $default stage."
    )


def _explain_missing_grant(answer: Any, method: str, path: str, function_name: str, api_id: str) -> None:
    """A 500 because the function's policy does not let API Gateway invoke it gets a message of its own."""
    from localaws import sandbox  # the sandbox loads at first use: start-up time
    from localaws.apigateway import PERMISSION_MARK  # the data plane (werkzeug) loads at first use: start-up time

    if answer.status_code == 500 and answer.headers.get("x-sandbox-reason", "").startswith(PERMISSION_MARK):
        region = sandbox.current().region
        raise CheckFailed(
            f"{method} {path} answered 500 because API Gateway may not invoke {function_name!r}: on AWS a "
            "function's resource-based policy must allow it. Call boto3.client(\"lambda\").add_permission("
            f"FunctionName={function_name!r}, StatementId=\"from-api\", Action=\"lambda:InvokeFunction\", "
            "Principal=\"apigateway.amazonaws.com\", "
            f"SourceArn=f\"arn:aws:execute-api:{region}:123456789012:{{api_id}}/*\") once, then send the "
            f"request again (the API's id is {api_id})."
        )


def check_api_route_to_lambda(
    api_id: str,
    path: str,
    function_name: str,
    *,
    method: str = "POST",
    body: Any = None,
    status: int | None = None,
    json_body: Any = None,
) -> Any:
    """Check a request through the API reaches the named Lambda function; return the parsed JSON answer."""
    answer = _api_request(api_id, method, path, body)
    _explain_missing_grant(answer, method, path, function_name, api_id)
    if answer.status_code == 404 or answer.status_code >= 500:
        raise CheckFailed(_gateway_failure(answer, method, path, api_id))
    lambda_routes = [r for r in route_targets(api_id) if r.integration_type == "AWS_PROXY"]
    if not any(f":function:{function_name}" in r.uri for r in lambda_routes):
        raise CheckFailed(
            f"No route of the API invokes {function_name!r}: {_routes_summary(api_id)}. Use an AWS_PROXY "
            "integration whose IntegrationUri is the function's ARN."
        )
    if status is not None and answer.status_code != status:
        raise CheckFailed(
            f"{method} {path} answered {answer.status_code}, not {status}: {_short(answer.text)}."
        )
    parsed = parse_json_body({"body": answer.text})
    if json_body is not None:
        check_equal(parsed, json_body, f"{method} {path} through the API")
    return parsed


PROBE_HEADER = "x-course-probe"


def check_api_route_to_standin(api_id: str, path: str, service: Any, *, method: str = "GET") -> Any:
    """Check a request through the API reaches the stand-in service through a VPC link; return its JSON.

    The route that serves the request must be the private integration: ConnectionType VPC_LINK, a VPC link
    that exists, in the subnets of the load balancer whose listener is the integration's URI.
    """
    probe = uuid.uuid4().hex  # the stand-in echoes it: proof that this very request reached it
    answer = _api_request(api_id, method, path, headers={PROBE_HEADER: probe})
    if answer.status_code != 200:
        raise CheckFailed(_gateway_failure(answer, method, path, api_id))
    served_by = answer.headers.get("x-served-by")
    try:
        echoed = answer.json().get("probe")
    except ValueError:
        echoed = None
    reached = echoed == probe and served_by == f"{service.name}-pod"
    if not reached:
        raise CheckFailed(
            f"{method} {path} answered 200, but not from the {service.name!r} service: "
            f"{_short(answer.text)}. "
            f"{_routes_summary(api_id)}."
        )
    _check_private_route(api_id, path, method, service.name)
    return answer.json()


def _check_private_route(api_id: str, path: str, method: str, service_name: str) -> None:
    """The route serving `method path` goes through a real VPC link placed in its load balancer's subnets."""
    route = hybrid.route_for(api_id, path, method)
    if route is None or route.connection_type != "VPC_LINK" or not route.uri.startswith("arn:"):
        used = f"the route {route.route_key!r} uses {route.uri or 'no URI'}" if route else "no route serves it"
        raise CheckFailed(
            f"The request reached {service_name!r}, but not through a VPC link ({used}): on AWS the cluster's "
            "pods are private. Use an HTTP_PROXY integration with ConnectionType='VPC_LINK', the VPC "
            "link's id as ConnectionId and the load balancer's listener ARN as IntegrationUri."
        )
    link_subnets = hybrid.vpc_link_subnets(route.connection_id)
    if link_subnets is None:
        raise CheckFailed(
            f"The route {route.route_key!r} names the VPC link {route.connection_id!r}, which does not exist. "
            "Use the VpcLinkId that create_vpc_link returned as the integration's ConnectionId."
        )
    network = hybrid.listener_network(route.uri)
    lb_subnets = set(network[1]) if network else set()
    if not link_subnets or not set(link_subnets) <= lb_subnets:
        raise CheckFailed(
            f"The VPC link {route.connection_id!r} is in the subnets {list(link_subnets)}, but the load balancer "
            f"behind {route.uri} is in {sorted(lb_subnets) or 'no subnets the sandbox knows'}. Create the "
            "link with SubnetIds=list(ingress.subnet_ids), so that it can reach the load balancer."
        )
