"""CreateEventSourceMapping for a stream: refused when the function's execution role cannot read the stream.

Lambda reads a stream as the function's execution role, so it checks the role when the mapping is created and
answers InvalidParameterValueException: "Cannot access stream ARN. Please ensure the role can perform the
GetRecords, GetShardIterator, DescribeStream, and ListShards Actions on your stream in IAM." (ListStreams in
place of ListShards for DynamoDB Streams). The actions are those of AWS's managed policies
AWSLambdaKinesisExecutionRole and AWSLambdaDynamoDBExecutionRole
(https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, with-ddb.html: "Execution role permissions").
The role's policies are evaluated with the sandbox's IAM evaluator; a role that cannot be read is refused too.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import lambda_backends
from moto.iam.exceptions import NotFoundException

from iampolicy.evaluator import evaluate
from iampolicy.models import Request
from localaws import settings
from localaws.iam.identity import role_policies

ACTIONS = {
    "kinesis": ("GetRecords", "GetShardIterator", "DescribeStream", "ListShards"),
    "dynamodb": ("GetRecords", "GetShardIterator", "DescribeStream", "ListStreams"),
}


def _stream_service(arn: str) -> str | None:
    """"kinesis" or "dynamodb" for a stream ARN, None for any other source (an SQS queue, say)."""
    parts = arn.split(":", 5)  # a DynamoDB stream's label (a timestamp) has colons of its own
    if len(parts) != 6:
        return None
    if parts[2] == "kinesis" or (parts[2] == "dynamodb" and "/stream/" in parts[5]):
        return parts[2]
    return None


def message(arn: str, service: str) -> str:
    """Lambda's words for a role that cannot read the stream."""
    first, last = ACTIONS[service][:-1], ACTIONS[service][-1]
    return (f"Cannot access stream {arn}. Please ensure the role can perform the {', '.join(first)}, and {last} "
            "Actions on your stream in IAM.")


def missing_actions(role_arn: str, function_name: str, stream_arn: str, service: str) -> list[str]:
    """The stream-reading actions the role's policies do not allow on the stream (all of them if it is gone)."""
    account, role_name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    try:
        identity, boundary = role_policies(account, "aws", role_name)
    except NotFoundException:  # no such role: nothing is allowed
        return [f"{service}:{action}" for action in ACTIONS[service]]
    session = f"arn:aws:sts::{account}:assumed-role/{role_name}/{function_name}"
    missing = []
    for action in ACTIONS[service]:
        request = Request(principal=session, action=f"{service}:{action}", resource=stream_arn,
                          session_issuer=role_arn)
        if not evaluate(request, identity, permission_boundaries=boundary).allowed:
            missing.append(f"{service}:{action}")
    return missing


def refusal(spec: dict[str, Any]) -> InvalidParameterValueException | None:
    """The error CreateEventSourceMapping answers for this spec, or None (not a stream, or the role may read it)."""
    arn = str(spec.get("EventSourceArn") or "")
    service = _stream_service(arn)
    if service is None or not settings.active().enforce_iam:
        return None
    backend = lambda_backends[spec["AccountId"]][spec["RegionName"]]
    fn = backend.get_function(spec.get("FunctionArn") or spec["FunctionName"])
    if missing_actions(str(fn.role), str(fn.function_name), arn, service):
        return InvalidParameterValueException(message(arn, service))
    return None
