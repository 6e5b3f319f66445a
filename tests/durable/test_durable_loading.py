"""The durable execution engine (AWS's model, most of a second to import) loads at the first durable call, not
with every sandbox: a sandbox that runs no durable function does not pay for it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_the_engine_loads_at_the_first_durable_call_and_not_at_start():
    code = textwrap.dedent("""
        import sys
        import boto3
        from localaws import sandbox
        sb = sandbox.start()
        from lambda_course.deploy import deploy_function, invoke, zip_source
        deploy_function("plain", zip_source("def handler(event, context):\\n    return 1\\n"))
        assert invoke("plain", {}).payload == 1
        loaded_before = "aws_durable_execution_sdk_python_testing" in sys.modules
        listed = boto3.client("lambda").list_durable_executions_by_function(FunctionName="plain")
        print(loaded_before, "aws_durable_execution_sdk_python_testing" in sys.modules, listed["DurableExecutions"])
        sb.stop()
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split()[-3:] == ["False", "True", "[]"]
