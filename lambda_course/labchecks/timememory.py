"""Lab 4 (time and memory): a batch job that resumes from a checkpoint, and a memory size chosen from measurements.

Part A grades a handler that processes a job's items, saves its progress in DynamoDB and stops before its
timeout, so that a job longer than one invocation finishes over several with every item done exactly once.
Part B grades measured durations against the course's model, costs against `lambda_course.model.invocation_cost`, and
the memory size chosen under a latency target against the learner's own measurements.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from lambda_course.checks import CheckFailed
from lambda_course.contexts import Context
from localaws.facts import value

CHECKPOINT_TABLE = "job-checkpoints"
RESULTS_TABLE = "job-results"
SECONDS_PER_ITEM = 0.1  # what the lab's process_item takes per item
# The burn handler of part B: CPU work of one full vCPU for CPU_SECONDS, then WAIT_SECONDS of waiting.
CPU_SECONDS = 0.08
WAIT_SECONDS = 0.02
# A measured duration may exceed the model by this factor plus this many milliseconds (a busy machine).
SLOWER_FACTOR, SLOWER_MS = 3.0, 300.0
FASTER_FACTOR = 0.6  # nor be faster than this share of the model: the CPU share caps the speed


def memory_sizes() -> list[int]:
    """The sizes part B measures: the smallest allowed, three powers of two, and one full vCPU."""
    return [int(value("memory_min_mb")), 256, 512, 1024, int(value("memory_per_vcpu_mb"))]


# --- part A: tables, a local context, and the job's record ------------------------------------------------


def create_tables() -> None:
    """Create the checkpoint table (key job_id) and the results table (keys job_id, item) if missing."""
    import boto3  # boto3 loads at first use: start-up time

    dynamodb = boto3.client("dynamodb")
    existing = dynamodb.list_tables()["TableNames"]
    schemas = {CHECKPOINT_TABLE: [("job_id", "HASH")], RESULTS_TABLE: [("job_id", "HASH"), ("item", "RANGE")]}
    for name, keys in schemas.items():
        if name in existing:
            continue
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in keys],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key, _ in keys],
            BillingMode="PAY_PER_REQUEST",
        )


LocalContext = Context  # a context whose remaining time counts down from the timeout it is given, in ms


def new_job(count: int) -> dict[str, Any]:
    """A job event with a fresh id and `count` items named item-000, item-001, ..."""
    return {"job_id": f"job-{uuid.uuid4().hex[:8]}", "items": [f"item-{i:03d}" for i in range(count)]}


def times_done(job_id: str) -> dict[str, int]:
    """How many times each item of a job was recorded in the results table."""
    import boto3  # boto3 loads at first use: start-up time

    pages = boto3.client("dynamodb").get_paginator("query").paginate(
        TableName=RESULTS_TABLE,
        KeyConditionExpression="job_id = :job",
        ExpressionAttributeValues={":job": {"S": job_id}},
    )
    return {row["item"]["S"]: int(row.get("times_done", {}).get("N", "0")) for page in pages for row in page["Items"]}


def _check_every_item_once(job: Mapping[str, Any], runs: int) -> None:
    """Assert each item of the job was recorded exactly once: none lost, none done twice."""
    done = times_done(job["job_id"])
    lost = [item for item in job["items"] if done.get(item, 0) == 0]
    twice = sorted(item for item, times in done.items() if times > 1)
    if lost:
        raise CheckFailed(
            f"After {runs} invocation(s) said the job was done, {len(lost)} of its {len(job['items'])} items "
            f"were never processed (for example {', '.join(lost[:3])}). Call process_item for each item, "
            "and save next_index in the checkpoint only for items you have finished."
        )
    if twice:
        raise CheckFailed(
            f"{len(twice)} item(s) were processed more than once (for example {', '.join(twice[:3])}). "
            "Start each invocation from the index saved in the checkpoint, and save it after every item."
        )


def _read_progress(payload: Any, where: str) -> bool:
    """The `done` flag of a handler's answer, with a message when the answer has the wrong shape."""
    if not isinstance(payload, dict) or not isinstance(payload.get("done"), bool):
        raise CheckFailed(
            f"{where} returned {payload!r}; the handler should return a dict such as "
            '{"done": False, "next_index": 12}, with "done" True or False.'
        )
    return payload["done"]


# --- part A: the checks -----------------------------------------------------------------------------------


def check_stops_in_time(handler: Callable[[dict, Any], Any], items: int = 12, timeout_ms: int = 1000) -> None:
    """Run the handler here with a 1 s context: it must return before the deadline and resume where it stopped."""
    job = new_job(items)
    runs = 0
    done = False
    while not done:
        if runs == 6:
            raise CheckFailed(f"After {runs} calls the handler still had not said done=True for {items} items.")
        context = LocalContext(timeout_ms)
        try:
            payload = handler({**job, "items": list(job["items"])}, context)
        except Exception as error:  # learner code may raise anything; each failure fails the check, never passes it
            raise CheckFailed(
                f"Your handler raised {type(error).__name__}: {error}. Has the setup cell created the tables, "
                "and does the handler read the checkpoint with get_item?"
            ) from None
        runs += 1
        late_ms = -((context.deadline - time.monotonic()) * 1000)
        if late_ms > 0:
            raise CheckFailed(
                f"Call {runs} returned {late_ms:.0f} ms after its deadline: on Lambda it would have been "
                "stopped by the timeout. Before each item, compare context.get_remaining_time_in_millis() "
                "with SAFETY_MS and stop when less time is left."
            )
        done = _read_progress(payload, f"Call {runs}")
        if runs == 1 and done and items * SECONDS_PER_ITEM > timeout_ms / 1000:
            raise CheckFailed(
                f"The first call said done=True, but {items} items take longer than one second: it should "
                "have stopped early and said done=False."
            )
    _check_every_item_once(job, runs)


def check_job_finishes(function_name: str, items: int = 24, max_invocations: int = 8) -> None:
    """Invoke the deployed function with the same job until it says done, then check every item was done once."""
    from botocore.exceptions import BotoCoreError, ClientError  # botocore loads at first use: start-up time

    from lambda_course.deploy import invoke  # imports boto3: start-up time

    timeout_s = _check_timeout_setting(function_name)
    job = new_job(items)
    for runs in range(1, max_invocations + 1):
        try:
            invocation = invoke(function_name, job)
        except (ClientError, BotoCoreError) as error:  # AWS's answer (no such function), or no sandbox to reach
            raise CheckFailed(f"Invoking {function_name!r} failed: {type(error).__name__}: {error}") from None
        if invocation.function_error:
            raise CheckFailed(_failed_invocation(runs, invocation))
        if _read_progress(invocation.payload, f"Invocation {runs}"):
            if runs == 1 and items * SECONDS_PER_ITEM > timeout_s:
                raise CheckFailed("The first invocation said done=True although the job is longer than it.")
            _check_every_item_once(job, runs)
            return
    raise CheckFailed(
        f"After {max_invocations} invocations the job of {items} items was still not done. Each invocation "
        "should start from the checkpoint's next_index, not from the beginning."
    )


def _check_timeout_setting(function_name: str) -> int:
    """Assert the function is deployed with a timeout short enough for the job to need several invocations."""
    import boto3  # boto3 loads at first use: start-up time

    client = boto3.client("lambda")
    try:
        timeout = client.get_function_configuration(FunctionName=function_name)["Timeout"]
    except client.exceptions.ResourceNotFoundException:
        raise CheckFailed(f"There is no function called {function_name!r}: run your deploy cell first.") from None
    if timeout > 2:
        raise CheckFailed(
            f"{function_name!r} has a {timeout} s timeout; deploy it with timeout=TIMEOUT_S (2 s) so that "
            "the job cannot finish in one invocation."
        )
    return timeout


def _failed_invocation(runs: int, invocation: Any) -> str:
    """Explain an invocation that failed: cut off by its timeout, or an error in the handler."""
    payload = invocation.payload if isinstance(invocation.payload, dict) else {}
    message = str(payload.get("errorMessage", invocation.payload))
    if "timed out" in message.lower():
        return (
            f"Invocation {runs} was stopped by the timeout ({message.split('Error: ')[-1]}), so whatever it "
            "had not saved is lost. Check get_remaining_time_in_millis() before each item and return when it "
            "is below SAFETY_MS."
        )
    tail = "\n".join(line for line in invocation.log.splitlines()[-5:] if line.strip())
    return f"Invocation {runs} failed with {payload.get('errorType', 'an error')}: {message}\n{tail}"


# --- part B: measurements, costs and the choice -----------------------------------------------------------


def model_duration_ms(memory_mb: int) -> float:
    """What the course's model expects the burn handler to take at this memory size, in milliseconds."""
    from lambda_course.model import run_seconds  # imports numpy and matplotlib: start-up time

    return run_seconds(memory_mb, CPU_SECONDS, WAIT_SECONDS) * 1000


def _sizes_dict(values: Any, what: str) -> dict[int, float]:
    """A dict of memory size to a positive number for every size of part B, or a message saying what is off."""
    sizes = memory_sizes()
    if not isinstance(values, Mapping):
        raise CheckFailed(f"{what} should be a dict of memory size (MB) to a number, not {type(values).__name__}.")
    missing = [size for size in sizes if size not in values]
    if missing or len(values) != len(sizes):
        raise CheckFailed(f"{what} should have exactly the sizes {sizes} as keys; it has {sorted(values)}.")
    bad = [size for size in sizes if not isinstance(values[size], int | float) or isinstance(values[size], bool)
           or not values[size] > 0]
    if bad:
        raise CheckFailed(f"{what} should hold positive numbers; look at the value for {bad[0]} MB.")
    return {size: float(values[size]) for size in sizes}


def check_measurements(measurements: Any) -> None:
    """Check each measured Duration is one the sandbox could produce for the burn handler at that size."""
    for size, measured in _sizes_dict(measurements, "measurements").items():
        expected = model_duration_ms(size)
        if measured < FASTER_FACTOR * expected:
            raise CheckFailed(
                f"At {size} MB you measured {measured:.1f} ms, but at that size the function's CPU share cannot "
                f"do this work in less than about {expected:.0f} ms. Deploy with memory={size}, and read "
                "invocation.report['Duration'] (in milliseconds, not seconds)."
            )
        if measured > SLOWER_FACTOR * expected + SLOWER_MS:
            raise CheckFailed(
                f"At {size} MB you measured {measured:.1f} ms, far more than the {expected:.0f} ms expected. "
                "Did you keep a cold invocation's Duration, or Init Duration? Invoke once to warm up, then "
                "measure; if the machine was busy, run the cell again."
            )


def check_costs(costs: Any, measurements: Any) -> None:
    """Check each cost per invocation is invocation_cost(memory, measured duration) from the model."""
    from lambda_course.model import invocation_cost  # imports numpy and matplotlib: start-up time

    measured = _sizes_dict(measurements, "measurements")
    for size, cost in _sizes_dict(costs, "costs").items():
        expected = invocation_cost(size, measured[size])
        if not math.isclose(cost, expected, rel_tol=1e-6):
            raise CheckFailed(
                f"At {size} MB the cost should be invocation_cost({size}, {measured[size]}) = {expected:.4e} "
                f"USD, not {cost:.4e}. Pass the duration in milliseconds, as the REPORT line gives it."
            )


def expected_choice(measurements: Any, costs: Any, target_ms: float) -> dict[str, Any]:
    """The cheapest size meeting the target, the sizes too slow, and those fast enough but costlier."""
    measured, cost = _sizes_dict(measurements, "measurements"), _sizes_dict(costs, "costs")
    too_slow = [size for size in measured if measured[size] > target_ms]
    fast_enough = [size for size in measured if size not in too_slow]
    if not fast_enough:
        return {"memory_mb": None, "too_slow": too_slow, "costlier": []}
    best = min(fast_enough, key=lambda size: (cost[size], size))
    return {"memory_mb": best, "too_slow": too_slow, "costlier": [s for s in fast_enough if s != best]}


def check_choice_form(choice: Any) -> None:
    """Check the answer is a dict with memory_mb and the two lists of rejected sizes."""
    if not isinstance(choice, Mapping) or set(choice) != {"memory_mb", "too_slow", "costlier"}:
        raise CheckFailed(
            'memory_choice should be a dict with exactly the keys "memory_mb", "too_slow" and "costlier"; '
            f"it is {choice!r}."
        )
    if choice["memory_mb"] not in memory_sizes():
        raise CheckFailed(f"memory_mb should be one of the sizes you measured, {memory_sizes()}.")
    for key in ("too_slow", "costlier"):
        if not isinstance(choice[key], list | tuple | set) or not set(choice[key]) <= set(memory_sizes()):
            raise CheckFailed(f"{key!r} should be a list of sizes you measured, not {choice[key]!r}.")


def check_memory_choice(choice: Any, measurements: Any, costs: Any, target_ms: float) -> None:
    """Check the chosen size and the reasons given against the learner's own measurements and costs."""
    check_choice_form(choice)
    check_measurements(measurements)
    check_costs(costs, measurements)
    want = expected_choice(measurements, costs, target_ms)
    measured = _sizes_dict(measurements, "measurements")
    if sorted(choice["too_slow"]) != sorted(want["too_slow"]):
        raise CheckFailed(
            f"too_slow should list the sizes whose measured Duration is above {target_ms:g} ms: by your "
            f"measurements those are {sorted(want['too_slow'])}, not {sorted(choice['too_slow'])}."
        )
    if choice["memory_mb"] != want["memory_mb"]:
        picked = choice["memory_mb"]
        reason = (f"it took {measured[picked]:.0f} ms, above the target" if picked in want["too_slow"]
                  else f"{want['memory_mb']} MB also meets the target and costs less per invocation")
        raise CheckFailed(
            f"{picked} MB is not the best choice: {reason}. Among the sizes fast enough, pick the one with the "
            "lowest cost. Waiting time is billed at the full memory size, so more memory than needed costs more."
        )
    if sorted(choice["costlier"]) != sorted(want["costlier"]):
        raise CheckFailed(
            f"costlier should list the other sizes that meet the target but cost more: by your numbers "
            f"{sorted(want['costlier'])}, not {sorted(choice['costlier'])}."
        )
