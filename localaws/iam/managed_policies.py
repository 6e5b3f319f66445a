"""AWS managed policies in the sandbox's IAM, so that an execution role can attach the ones Lambda's guides name.

moto carries a copy of AWS's managed policies but loads it only when MOTO_IAM_LOAD_MANAGED_POLICIES is set, and
then loads all of them (about 1,600) into every account; without it, attaching
`arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole` fails with NoSuchEntity. The sandbox replaces
`IAMBackend._init_aws_policies` (declared in localaws.seams) so that every account's IAM holds the policies of
`localaws/data/managed_policies.json`: Lambda's execution-role policies and X-Ray's daemon policy, each with the
default version, the path, the dates and the document the AWS Managed Policy Reference shows (its page is kept
beside each one). They sit at their real ARNs, attach with AttachRolePolicy, read with GetPolicy and
GetPolicyVersion, and bind a role's calls like any other attached policy: localaws.iam.identity evaluates the
default version of every policy attached to a role. When moto is told to load its own copy, these replace its
entries of the same name. Only the default version of each is held, not the older ones.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from moto.iam.models import AWSManagedPolicy

from localaws import seams

TARGET = "moto.iam.models:IAMBackend._init_aws_policies"
DATA = "data/managed_policies.json"


@cache
def entries() -> dict[str, dict[str, Any]]:
    """The course's AWS managed policies by name, as the data file records them (read once)."""
    raw = json.loads(resources.files("localaws").joinpath(DATA).read_text())
    policies: dict[str, dict[str, Any]] = raw["policies"]
    return policies


def arn(name: str, partition: str = "aws") -> str:
    """The ARN AWS gives the managed policy `name`: account `aws`, then the policy's path."""
    return f"arn:{partition}:iam::aws:policy{entries()[name]['Path']}{name}"


def _policy(name: str, entry: dict[str, Any], account_id: str, region: str) -> Any:
    """One account's copy of a managed policy, built the way moto builds its own AWS managed policies."""
    # moto's CloudFormation base class declares methods its AWS managed policies never define; moto builds them so too.
    return AWSManagedPolicy(  # type: ignore[abstract]
        name, account_id=account_id, region=region, default_version_id=entry["DefaultVersionId"],
        description=entry["Description"], document=json.dumps(entry["Document"]), path=entry["Path"],
        create_date=datetime.fromisoformat(entry["CreateDate"]),
        update_date=datetime.fromisoformat(entry["UpdateDate"]))


def _init_aws_policies(self: Any) -> list[Any]:
    """Replacement for IAMBackend._init_aws_policies: moto's list (empty unless asked for) with the course's in it."""
    ours = [_policy(name, entry, self.account_id, self.region_name) for name, entry in entries().items()]
    names = {policy.name for policy in ours}
    kept = [policy for policy in seams.original(TARGET)(self) if policy.name not in names]
    return kept + ours


def install() -> None:
    """Have every IAM backend moto creates from now on hold the course's AWS managed policies (idempotent).

    The sandbox installs it when it starts, before any account's IAM exists; `sb.reset()` rebuilds the backends,
    which then hold the policies again.
    """
    seams.verify()
    if not seams.is_patched(TARGET):
        seams.patch(TARGET, _init_aws_policies)


__all__ = ["TARGET", "arn", "entries", "install"]
