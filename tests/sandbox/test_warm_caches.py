"""A grading fork server warms moto's caches before it forks sandboxes; the sandboxes it forks must still hold
the AWS managed policies an execution role attaches.

https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html (an AWS managed
policy every account can attach, at arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole)
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json

    import boto3

    from localaws.sandbox.warm import warm_caches

    warm_caches()  # as the fork server does, before any sandbox starts
    from localaws import sandbox

    sandbox.start()
    iam = boto3.client("iam")
    iam.create_role(RoleName="warm", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    iam.attach_role_policy(RoleName="warm",
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    print(json.dumps([p["PolicyName"] for p in iam.list_attached_role_policies(RoleName="warm")["AttachedPolicies"]]))
""")


def test_a_sandbox_started_after_warming_the_caches_attaches_aws_managed_policies():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == '["AWSLambdaBasicExecutionRole"]'
