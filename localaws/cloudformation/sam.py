"""The AWS::Serverless-2016-10-31 transform, expanded by AWS's own SAM translator (aws-sam-translator).

CloudFormation runs the SAM transform before anything else: AWS::Serverless::Function becomes a function, its
role (with the policy templates such as SQSPollerPolicy and DynamoDBCrudPolicy filled in), its event sources
(an SQS event source mapping, an HTTP API or REST API with a permission, an EventBridge schedule rule), a version
and alias for AutoPublishAlias, and CodeDeploy resources for DeploymentPreference. The translator needs the ARNs
of AWS managed policies named in Policies; the loader here answers from the sandbox's IAM, which holds the
managed policies the course uses. A template the translator rejects is refused, with its messages.

https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-aws-serverless.html
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.arn_generator import ArnGenerator
from samtranslator.translator.transform import transform

SAM = "AWS::Serverless-2016-10-31"
AWS_POLICY_PREFIX = ":iam::aws:policy/"


def is_sam(template: dict[str, Any]) -> bool:
    """Whether the template asks for the SAM transform (Transform is one name or a list of them)."""
    wanted = template.get("Transform") if isinstance(template, dict) else None
    return wanted == SAM or (isinstance(wanted, list) and SAM in wanted)


class SandboxPolicyLoader:
    """The translator's managed policy loader: AWS managed policy names to ARNs, from the sandbox's IAM."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id, self.partition = account_id, get_partition(region)

    def load(self) -> dict[str, str]:
        """Every AWS managed policy the account's IAM holds, by name."""
        iam = iam_backends[self.account_id][self.partition]
        return {policy.name: arn for arn, policy in iam.managed_policies.items() if AWS_POLICY_PREFIX in arn}


# The translator counts what it expands for AWS's own metrics service and, when no publisher collects the counts,
# warns "There are unpublished metrics" on every transform; the sandbox has nowhere to publish them, and the
# warning would reach every learner whose stack uses SAM.
logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)


def expand(template: dict[str, Any], parameters: dict[str, Any], account_id: str, region: str) -> dict[str, Any]:
    """The template after the SAM transform; a ValidationError with the translator's messages if it fails."""
    ArnGenerator.BOTO_SESSION_REGION_NAME = region  # the translator's ARNs are for the stack's region
    values = dict(parameters)
    values.update({"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": get_partition(region)})
    try:
        expanded = transform(copy.deepcopy(template), values, SandboxPolicyLoader(account_id, region))
    except InvalidDocumentException as error:
        details = " ".join(cause.message for cause in error.causes)
        raise ValidationError(message=f"Transform {SAM} failed with: {error.message} {details}".strip()) from None
    return expanded
