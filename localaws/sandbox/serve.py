"""`lambda-course sandbox`: the sandbox as a standalone server, for the AWS CLI, other notebooks or tests."""

from __future__ import annotations

import signal
import threading

from localaws import sandbox


def serve_forever(port: int | None = None) -> int:
    """Run the sandbox until interrupted (Ctrl-C or SIGTERM); print how to reach it."""
    sb = sandbox.start(port=port)
    print(f"lambda-course sandbox listening on {sb.endpoint_url}", flush=True)
    print("Point clients at it with:", flush=True)
    print(f"  export AWS_ENDPOINT_URL={sb.endpoint_url} AWS_ACCESS_KEY_ID=testing "
          f"AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={sb.region}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    sb.stop()
    print("sandbox stopped", flush=True)
    return 0
