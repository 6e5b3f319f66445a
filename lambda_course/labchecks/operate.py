"""Lab 9 (deploy and operate): a SAM stack with an HTTP API, a queue and its DLQ, an alarm, and a canary.

Everything is graded by what the sandbox holds and does: the stack's status, a request through the HTTP API, a
message through the queue, the queue's redrive policy, the execution role's policies, the alarm's metric and
dimensions, cfn-lint's findings, and the gradual deployment that the alarm stops and rolls back. Checks return
nothing and raise CheckFailed with what went wrong and what to try.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import boto3
import requests
from botocore.exceptions import ClientError

from iampolicy import Request, evaluate
from lambda_course import sandbox
from lambda_course.checks import CheckFailed
from lambda_course.stacks import lint_template
from localaws.deployments import appspec

ACCOUNT, REGION = "123456789012", "us-east-1"
STACK = "lab9-orders"
FUNCTION = "lab9-orders"
ALIAS = "live"
PATH = "/orders"
CANARY = "Canary10Percent5Minutes"
# The lab's rule for a redrive policy, not an AWS limit: a message gets a second chance, and a poison one reaches
# the dead-letter queue after a handful of tries rather than circling for hours.
FEWEST_RECEIVES, MOST_RECEIVES = 2, 10
# The AWS managed policies SAM attaches to a function's role by itself: basic logging, and for an SQS event the
# queue-reading policy. The learner's own statements are judged; these are not theirs to remove.
SAM_MANAGED = {"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
               "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"}

HANDLER_V1 = '''import json


def handler(event, context):
    """Take an order over HTTP, or a batch of orders from the queue."""
    if "Records" in event:
        for record in event["Records"]:
            order = json.loads(record["body"])
            print(f"processed order {order['order_id']}")
        return {"batchItemFailures": []}
    order = json.loads(event.get("body") or "{}")
    return {"statusCode": 200, "body": json.dumps({"accepted": order.get("order_id"), "version": "1"})}
'''

# Version 2 adds coupons, and forgets that most orders come without one: those raise KeyError.
HANDLER_V2 = '''import json


def handler(event, context):
    """Take an order over HTTP, or a batch of orders from the queue, now with a coupon discount."""
    if "Records" in event:
        for record in event["Records"]:
            order = json.loads(record["body"])
            print(f"processed order {order['order_id']}")
        return {"batchItemFailures": []}
    order = json.loads(event.get("body") or "{}")
    price = order.get("total", 0) * (100 - order["coupon"]["percent"]) / 100
    return {"statusCode": 200, "body": json.dumps({"accepted": order.get("order_id"), "price": price,
                                                   "version": "2"})}
'''


# --- the alarm -----------------------------------------------------------------------------------------------


def check_stack_alarm(stack: str = STACK, function_name: str = FUNCTION) -> None:
    """The stack holds an alarm on AWS/Lambda Errors of the function (or its live alias) that goes off on an error."""
    names = [r["PhysicalResourceId"] for r in _resources(stack) if r["ResourceType"] == "AWS::CloudWatch::Alarm"]
    if not names:
        raise CheckFailed(f"The stack {stack!r} holds no AWS::CloudWatch::Alarm: add one to the template, on the "
                          "function's errors, and name it in the DeploymentPreference's Alarms.")
    problems = []
    for name in names:
        try:
            check_metric_alarm(name, function_name)
            return
        except CheckFailed as problem:  # this alarm does not do; another of the stack's may
            problems.append(str(problem))
    raise CheckFailed(problems[0] if len(problems) == 1 else "None of the stack's alarms does:\n  " +
                      "\n  ".join(problems))


def check_metric_alarm(alarm_name: str, function_name: str = FUNCTION) -> None:
    """The alarm watches AWS/Lambda Errors of the function (or its live alias), and goes off on an error."""
    found = boto3.client("cloudwatch").describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    if not found:
        raise CheckFailed(f"There is no metric alarm named {alarm_name!r}.")
    alarm = found[0]
    watched = (alarm.get("Namespace"), alarm.get("MetricName"))
    if watched != ("AWS/Lambda", "Errors"):
        raise CheckFailed(f"The alarm {alarm_name!r} watches {watched[1]!r} in {watched[0]!r}; a bad version shows "
                          "up in Lambda's Errors metric (namespace AWS/Lambda), which counts invocations that failed.")
    _check_dimensions({d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}, function_name)
    _check_sensitivity(alarm)


def _check_dimensions(dimensions: dict[str, str], function_name: str) -> None:
    """FunctionName is the function, and Resource, if given, is the function or its live alias."""
    if dimensions.get("FunctionName") != function_name:
        raise CheckFailed(f"The alarm's dimensions are {dimensions or 'none'}: set FunctionName to "
                          f"{function_name!r}, or it watches some other function's errors (or no metric at all).")
    allowed = {"FunctionName", "Resource"}
    resource = dimensions.get("Resource", function_name)
    if set(dimensions) - allowed or resource not in (function_name, f"{function_name}:{ALIAS}"):
        raise CheckFailed(f"The alarm's dimensions are {dimensions}. Lambda publishes Errors by FunctionName, and "
                          f"by FunctionName with Resource {function_name}:{ALIAS} for the alias; any other "
                          "combination names a metric no invocation of the alias updates.")


def _check_sensitivity(alarm: dict[str, Any]) -> None:
    """The alarm adds up errors per minute and goes off at the first error, so a canary is stopped in time."""
    if alarm.get("Statistic") not in ("Sum", "Maximum") or alarm.get("ExtendedStatistic"):
        raise CheckFailed(f"The alarm uses the statistic {alarm.get('Statistic') or alarm.get('ExtendedStatistic')!r};"
                          " use Sum, the number of failed invocations in each period.")
    if int(alarm.get("Period", 0)) > 60 or int(alarm.get("EvaluationPeriods", 0)) > 2:
        raise CheckFailed(f"The alarm needs {alarm.get('EvaluationPeriods')} period(s) of {alarm.get('Period')} s "
                          "to go off: a five-minute canary would be over first. Use a period of 60 seconds and one "
                          "or two evaluation periods.")
    operator, threshold = alarm.get("ComparisonOperator"), float(alarm.get("Threshold", 0))
    if not ((operator == "GreaterThanOrEqualToThreshold" and 0 < threshold <= 1)
            or (operator == "GreaterThanThreshold" and 0 <= threshold < 1)):
        raise CheckFailed(f"The alarm goes off when Errors is {operator} {threshold:g}; a canary takes a tenth of "
                          "the traffic, so it should go off at the first error (GreaterThanOrEqualToThreshold 1).")


# --- the template --------------------------------------------------------------------------------------------


def _template(template: Any) -> dict[str, Any]:
    """The template as a dict, or CheckFailed saying what it should be."""
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise CheckFailed(f"service_template(code) should return a template as a dict with Resources, not "
                          f"{str(template)[:80]!r}.")
    return template


def check_template_lints(template: Any) -> None:
    """cfn-lint finds no error in the template (warnings are allowed)."""
    errors = [line for line in lint_template(_template(template)) if line.startswith("error")]
    if errors:
        raise CheckFailed("cfn-lint finds errors in the template:\n  " + "\n  ".join(errors[:5]))


def _functions(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The Properties of each AWS::Serverless::Function in the template."""
    return [r.get("Properties", {}) for r in template["Resources"].values()
            if isinstance(r, dict) and r.get("Type") == "AWS::Serverless::Function"]


def check_template_shape(template: Any) -> None:
    """One SAM function with the lab's name, an HttpApi and an SQS event, the live alias, an alarm and the canary."""
    found = _functions(_template(template))
    if len(found) != 1:
        raise CheckFailed(f"The template should have one AWS::Serverless::Function; it has {len(found)}.")
    fn = found[0]
    if fn.get("FunctionName") != FUNCTION:
        raise CheckFailed(f"Set the function's FunctionName to {FUNCTION!r}: the tests find it by that name.")
    kinds = sorted(e.get("Type", "?") for e in (fn.get("Events") or {}).values() if isinstance(e, dict))
    if "HttpApi" not in kinds or "SQS" not in kinds:
        raise CheckFailed(f"The function's Events are {kinds or 'none'}; it needs an HttpApi event and an SQS event.")
    if fn.get("AutoPublishAlias") != ALIAS:
        raise CheckFailed(f"Set AutoPublishAlias to {ALIAS!r}, so each change of code publishes a version and the "
                          "alias moves to it.")
    alarms = [name for name, r in template["Resources"].items()
              if isinstance(r, dict) and r.get("Type") == "AWS::CloudWatch::Alarm"]
    if not alarms:
        raise CheckFailed("The template has no AWS::CloudWatch::Alarm resource: add the alarm on the function's "
                          "errors to it.")
    preference = fn.get("DeploymentPreference") or {}
    listed = preference.get("Alarms") or []
    if preference.get("Type") != CANARY or not any(a in listed for a in [{"Ref": name} for name in alarms]):
        raise CheckFailed(f"The DeploymentPreference is {preference or 'missing'}; it should have Type {CANARY} and "
                          "list your alarm under Alarms ({\"Ref\": <its logical name>}), so the alarm can stop the "
                          "canary.")


# --- the deployed stack --------------------------------------------------------------------------------------


def _resources(stack: str) -> list[dict[str, Any]]:
    """The stack's resources, or CheckFailed when there is no such stack."""
    client = boto3.client("cloudformation")
    try:
        return list(client.describe_stack_resources(StackName=stack)["StackResources"])
    except ClientError as error:
        raise CheckFailed(f"There is no stack {stack!r} ({error.response['Error'].get('Message')}). Deploy it "
                          "with deploy_stack(STACK, template).") from None


def check_stack_deployed(stack: str = STACK, function_name: str = FUNCTION) -> None:
    """The stack is complete, holds the function, and the live alias exists."""
    client = boto3.client("cloudformation")
    try:
        status = client.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except ClientError:
        raise CheckFailed(f"There is no stack {stack!r}: deploy it with deploy_stack(STACK, template).") from None
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise CheckFailed(f"The stack {stack!r} is {status}; deploy_stack's error says which resource failed.")
    names = {r["PhysicalResourceId"] for r in _resources(stack) if r["ResourceType"] == "AWS::Lambda::Function"}
    if function_name not in names:
        raise CheckFailed(f"The stack holds the function(s) {sorted(names) or 'none'}, not {function_name!r}.")
    try:
        boto3.client("lambda").get_alias(FunctionName=function_name, Name=ALIAS)
    except ClientError:
        raise CheckFailed(f"The function has no alias {ALIAS!r}: set AutoPublishAlias.") from None


def api_url(stack: str = STACK) -> str:
    """The base URL of the stack's HTTP API in the sandbox."""
    apis = [r["PhysicalResourceId"] for r in _resources(stack) if r["ResourceType"] == "AWS::ApiGatewayV2::Api"]
    if len(apis) != 1:
        raise CheckFailed(f"The stack should hold one HTTP API; it holds {len(apis)}. Give the function an HttpApi "
                          "event.")
    return str(_running().api_url(apis[0]))


def _running() -> Any:
    """The sandbox this process uses (the grader's view of it while a lab is graded)."""
    running = sandbox.current()
    if running is None:
        raise CheckFailed("The sandbox is not running: run the setup cell first.")
    return running


def check_http(stack: str = STACK, order_id: str = "o-100") -> None:
    """A POST of an order to the API's /orders answers 200 with the order accepted."""
    url = api_url(stack) + PATH
    answer = requests.post(url, json={"order_id": order_id, "total": 30}, timeout=30)
    try:
        body = answer.json()
    except ValueError:
        body = answer.text
    if answer.status_code != 200 or not isinstance(body, dict) or body.get("accepted") != order_id:
        raise CheckFailed(f"POST {PATH} with order {order_id!r} answered {answer.status_code} {str(body)[:120]!r}; "
                          f"it should answer 200 with the order accepted. The HttpApi event needs Path {PATH} and "
                          "Method post.")


def queue_of(function_name: str = FUNCTION) -> str:
    """The ARN of the queue an event source mapping of the function (or one of its aliases) reads."""
    lam = boto3.client("lambda")
    arn = lam.get_function_configuration(FunctionName=function_name)["FunctionArn"]
    mappings = [m for m in lam.list_event_source_mappings()["EventSourceMappings"]
                if m.get("FunctionArn", "").startswith(arn) and ":sqs:" in m.get("EventSourceArn", "")]
    if not mappings:
        raise CheckFailed(f"No SQS queue triggers {function_name!r}: give it an SQS event whose Queue is your "
                          "queue's ARN (!GetAtt Queue.Arn).")
    return str(mappings[0]["EventSourceArn"])


def _queue_url(arn: str) -> str:
    """A queue's URL from its ARN."""
    return str(boto3.client("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"])


def check_queue_processed(function_name: str = FUNCTION, timeout: float = 30.0) -> None:
    """An order sent to the queue is processed by the function: its log says so, and the queue is empty."""
    order_id = f"q-{uuid.uuid4().hex[:8]}"
    url = _queue_url(queue_of(function_name))
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"order_id": order_id}))
    deadline, running = time.monotonic() + timeout, _running()
    while time.monotonic() < deadline:
        running.wait_idle(timeout=5)
        if any(f"processed order {order_id}" in line for line in _log_lines(function_name)):
            return
        time.sleep(0.5)
    raise CheckFailed(f"An order sent to the queue was not processed within {timeout:g} s (no 'processed order "
                      f"{order_id}' in the function's log). Check the SQS event and the role's permission to "
                      "receive from the queue.")


def _log_lines(function_name: str) -> list[str]:
    """Every line the function has logged, from its log group (none before it first ran)."""
    logs, lines = boto3.client("logs"), list[str]()
    try:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{function_name}"):
            lines += [event["message"] for event in page["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return lines


def check_dead_letter_queue(function_name: str = FUNCTION) -> None:
    """The function's queue redrives to another queue after a sensible number of receives."""
    arn = queue_of(function_name)
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=_queue_url(arn), AttributeNames=["All"])
    policy = json.loads(attributes["Attributes"].get("RedrivePolicy") or "{}")
    target = policy.get("deadLetterTargetArn")
    if not target or target == arn:
        raise CheckFailed(f"The queue {arn.rsplit(':', 1)[-1]!r} has no dead-letter queue. Add a second queue and "
                          "set RedrivePolicy with deadLetterTargetArn (its Arn) and maxReceiveCount.")
    try:
        _queue_url(target)
    except ClientError:
        raise CheckFailed(f"The redrive policy names {target}, which is no queue.") from None
    receives = int(policy.get("maxReceiveCount", 0))
    if not FEWEST_RECEIVES <= receives <= MOST_RECEIVES:
        raise CheckFailed(f"maxReceiveCount is {receives}: give a message between {FEWEST_RECEIVES} and "
                          f"{MOST_RECEIVES} tries, enough to ride out a passing failure and few enough that a "
                          "poison message reaches the dead-letter queue soon.")


# --- least privilege -----------------------------------------------------------------------------------------


def _role_name(function_name: str) -> str:
    """The name of the function's execution role."""
    arn = boto3.client("lambda").get_function_configuration(FunctionName=function_name)["Role"]
    return str(arn).rsplit("/", 1)[-1]


def role_policies(function_name: str = FUNCTION) -> tuple[list[str], list[dict[str, Any]]]:
    """The function role's attached managed policy ARNs and its inline policy documents."""
    iam, role = boto3.client("iam"), _role_name(function_name)
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
    inline = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        inline.append(json.loads(document) if isinstance(document, str) else dict(document))
    return attached, inline


def _statements(documents: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every statement of the policy documents, a lone statement included."""
    found = []
    for document in documents:
        statements = document.get("Statement", [])
        found += [s for s in (statements if isinstance(statements, list) else [statements]) if isinstance(s, dict)]
    return found


def _listed(value: Any) -> list[str]:
    """An Action or Resource value as a list of strings."""
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def wildcards(documents: Iterable[dict[str, Any]]) -> list[str]:
    """Allow statements that grant every action of a service, or on every resource, or by NotAction/NotResource."""
    found = []
    for statement in _statements(documents):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement or "NotResource" in statement:
            found.append(f"a statement with NotAction or NotResource ({json.dumps(statement)[:100]})")
        found += [f"the action {a!r}" for a in _listed(statement.get("Action", [])) if a == "*" or a.endswith(":*")]
        found += [f"the resource {r!r}" for r in _listed(statement.get("Resource", [])) if r.strip() == "*"]
    return found


def overreach_requests(queue_arn: str, function_name: str) -> dict[str, Request]:
    """Calls the order service never makes, each as a request its role should not be allowed."""
    role = f"arn:aws:sts::{ACCOUNT}:assumed-role/lab9/{function_name}"
    other_queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:payroll"
    cases = {"send to another queue": ("sqs:SendMessage", other_queue),
             "read another queue": ("sqs:ReceiveMessage", other_queue),
             "delete the queue": ("sqs:DeleteQueue", queue_arn),
             "purge the queue": ("sqs:PurgeQueue", queue_arn),
             "read any bucket": ("s3:GetObject", "arn:aws:s3:::payroll/salaries.csv"),
             "drop a table": ("dynamodb:DeleteTable", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"),
             "change its own code": ("lambda:UpdateFunctionCode",
                                     f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"),
             "pass a role": ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin")}
    return {name: Request(principal=role, action=action, resource=resource)
            for name, (action, resource) in cases.items()}


def check_least_privilege(function_name: str = FUNCTION) -> None:
    """The role's own policies name the queue, use no wildcards and allow none of the calls the service never makes."""
    attached, inline = role_policies(function_name)
    extra = sorted(set(attached) - SAM_MANAGED)
    if extra:
        raise CheckFailed(f"The role has the managed policies {extra} attached; a broad managed policy grants far "
                          "more than this function uses. Write the statements it needs (or a SAM policy template) "
                          "instead.")
    broad = wildcards(inline)
    if broad:
        raise CheckFailed("The role's policies use wildcards: " + "; ".join(broad[:4]) + ". Name each action the "
                          "function needs, on the ARN of the queue it reads.")
    queue_arn = queue_of(function_name)
    probes = overreach_requests(queue_arn, function_name)
    allowed = [name for name, request in probes.items() if evaluate(request, identity_policies=inline).allowed]
    if allowed:
        raise CheckFailed("The role's policies allow calls the service never makes: " + ", ".join(allowed) + ".")
    receive = Request(principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/lab9/{function_name}",
                      action="sqs:ReceiveMessage", resource=queue_arn)
    if not evaluate(receive, identity_policies=inline).allowed:
        raise CheckFailed("The role's own policies do not let the function receive from its queue. Add the SAM "
                          "policy template SQSPollerPolicy for the queue's name, or a statement allowing the "
                          "receive, delete and attribute calls on the queue's ARN.")


# --- the canary ----------------------------------------------------------------------------------------------


def deployments(function_name: str = FUNCTION) -> list[dict[str, Any]]:
    """Every CodeDeploy deployment that moved the function's live alias, newest first."""
    client = boto3.client("codedeploy")
    found = []
    for application in client.list_applications()["applications"]:
        for group in client.list_deployment_groups(applicationName=application)["deploymentGroups"]:
            for deployment_id in client.list_deployments(applicationName=application,
                                                         deploymentGroupName=group)["deployments"]:
                info = client.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
                if _spec(info).function == function_name:
                    found.append(dict(info))
    return sorted(found, key=lambda d: str(d.get("createTime", "")), reverse=True)


def shipped(function_name: str = FUNCTION) -> dict[str, Any]:
    """The newest deployment the learner started (not a rollback of one), or CheckFailed."""
    started = [d for d in deployments(function_name) if d.get("creator") != "codeDeployRollback"]
    if not started:
        raise CheckFailed(f"No gradual deployment has moved {function_name}'s alias yet: deploy the stack again with "
                          "version 2's code, so AutoPublishAlias publishes a version and the DeploymentPreference "
                          "shifts the alias to it.")
    return started[0]


def _version_errors(function_name: str, version: str) -> float:
    """How many invocations of `version` failed, by Lambda's Errors metric by ExecutedVersion."""
    end = _running().clock.now() + 60
    answer = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Errors", Statistics=["Sum"], Period=60,
        Dimensions=[{"Name": "FunctionName", "Value": function_name}, {"Name": "Resource", "Value":
                    f"{function_name}:{ALIAS}"}, {"Name": "ExecutedVersion", "Value": version}],
        StartTime=end - 86400, EndTime=end)
    return float(sum(point["Sum"] for point in answer["Datapoints"]))


def check_canary_under_way(function_name: str = FUNCTION) -> None:
    """A canary to a new version started, and the traffic sent reached the new version and failed there."""
    deployment = shipped(function_name)
    if deployment.get("deploymentConfigName") != f"CodeDeployDefault.Lambda{CANARY}":
        raise CheckFailed(f"The deployment used {deployment.get('deploymentConfigName')}; use {CANARY}.")
    target = _spec(deployment).target
    if _version_errors(function_name, target) < 1:
        raise CheckFailed(f"No invocation of version {target} has failed yet. Send enough orders through the API "
                          "(a canary gives the new version only a tenth of them), some without a coupon.")


def _spec(deployment: dict[str, Any]) -> appspec.LambdaAppSpec:
    """The alias move a deployment's AppSpec describes (CodeDeploy refused any AppSpec it could not read)."""
    return appspec.parse(deployment.get("revision", {}).get("appSpecContent", {}).get("content", ""))


def let_time_pass(minutes: float) -> None:
    """Move the sandbox's clock on, so the alarm and the canary's steps due by then happen now.

    While the lab is graded the clock belongs to the grader, whose test moves it; then this only says so.
    """
    try:
        _running().clock.advance(minutes * 60)
    except PermissionError:  # a graded notebook may not move the clock; the test that follows moves it itself
        print(f"While the lab is graded, the test moves the clock on {minutes:g} minutes itself.")


def check_rolled_back(report: Callable[[], Any], function_name: str = FUNCTION, minutes: float = 6.0) -> None:
    """After `minutes`, the alarm stopped the canary and the alias is back on the old version; `report()` says so."""
    deployment = shipped(function_name)
    _running().clock.advance(minutes * 60)
    _running().wait_idle(timeout=10)
    deployment = next(d for d in deployments(function_name) if d["deploymentId"] == deployment["deploymentId"])
    alias = boto3.client("lambda").get_alias(FunctionName=function_name, Name=ALIAS)
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    code = (deployment.get("errorInformation") or {}).get("code")
    if deployment["status"] != "Stopped" or code != "ALARM_ACTIVE":
        raise CheckFailed(f"{minutes:g} minutes on, the deployment is {deployment['status']} ({code or 'no error'}):"
                          " the alarm did not stop it. Check that the alarm goes off on the alias's errors and that "
                          "the DeploymentPreference lists it.")
    current = _spec(deployment).current
    if alias["FunctionVersion"] != current or weights:
        raise CheckFailed(f"The alias is on version {alias['FunctionVersion']} with weights {weights}; after the "
                          f"rollback it should be on version {current} alone.")
    _check_report(report, {"alias_version": current, "status": "Stopped", "error_code": "ALARM_ACTIVE"})


def _check_report(report: Callable[[], Any], expected: dict[str, str]) -> None:
    """The learner's report, called now, says what the sandbox holds."""
    answer = report()  # an error in the learner's report fails the test with that error
    if not isinstance(answer, dict) or {k: answer.get(k) for k in expected} != expected:
        raise CheckFailed(f"rollback_report() returned {answer!r}; once the alarm has rolled the canary back it "
                          f"should return {expected}, read from get_alias and CodeDeploy's get_deployment.")

