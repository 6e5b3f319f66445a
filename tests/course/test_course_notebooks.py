"""Every chapter runs headless from top to bottom in a fresh kernel, as a newcomer would run it, and says true things.

Each chapter is its own test, marked `notebook` and without an xdist group, so `pytest -n 2 --dist loadgroup`
spreads the chapters over both workers. Each kernel starts its own sandbox, so chapters do not share state.

Running without an error is not enough: a chapter's prose states what its demos show ("the second call is
warm", "one order reaches each queue"). CLAIMS holds those statements as assertions, run in the same kernel in a
cell appended to an in-memory copy of the chapter, so a demo that stops showing its lesson fails here.
"""

import nbformat
import pytest

from lambda_course.chapters.catalog import CHAPTERS
from lambda_course.chapters.running import COURSE, errors, run_chapter

CLAIMS = {
    "00-start-here": """
assert first.cold and not second.cold, "the first call should be a cold start and the second a warm one"
""",
    "01-what-lambda-is": """
assert [c.cold for c in calls] == [True, False, False, False, False], "INIT once, then four warm calls"
assert [c.payload["handled_by_this_environment"] for c in calls] == [1, 2, 3, 4, 5], "one environment kept state"
""",
    "02-serverless-family": """
indexed = {row["key"]["S"]: int(row["words"]["N"]) for row in rows}
assert indexed == {key: len(text.split()) for key, text in files.items()}, f"one row per upload: {indexed}"
assert row_count == len(files) + 1, f"the extra upload should add one row, found {row_count}"
""",
    "03-cold-starts": """
assert [init > 0 for _, init, _ in rows] == [True, False, False] * 2, f"cold once per deployment: {rows}"
assert import_times["heavy"] > import_times["light"], f"the SDK import should lengthen INIT: {import_times}"
assert measured[-1][1] > measured[0][1], f"more code to import should lengthen INIT: {measured}"
""",
    "04-container-images": """
assert json.loads(first.result) == {"total": 12}, first.result
assert (first.outcome, second.outcome) == ("response", "error") and b"no numbers to add" in second.result
assert json.loads(invocation.result) == {"greeting": "hello image", "function": "by-hand"}, invocation.result
assert failed.payload["errorType"] == "Runtime.ImportModuleError", "a library not shipped must not import"
assert "requests" in deploy.invoke("needs-requests").payload, "the same library in a layer must import"
""",
    "05-scaling-lambda-vs-fargate": """
assert len(set(waves[0])) == 4, f"four requests in flight need four environments: {waves[0]}"
assert set(waves[1]) == set(waves[0]), f"the second wave should reuse the first wave's environments: {waves}"
throttled = outcomes.count("THROTTLED")
assert 1 <= throttled < len(outcomes), f"reserved concurrency 2 should throttle some of 6 calls: {outcomes}"
""",
    "06-memory-and-cpu": """
by_size = dict(measured)
assert measured[0][1] > 2 * by_size[512], f"CPU-bound work should be far slower at the smallest size: {by_size}"
assert careful.function_error is None and 0 < careful.payload["done"] < len(work["items"]), careful.payload
assert careless.function_error and "timed out" in json.dumps(careless.payload).lower(), careless.payload
priced = {memory: invocation_cost(memory, seconds * 1000) for memory, seconds in measured}
assert cheapest_measured[0] == min(priced, key=lambda m: (priced[m], m)), f"the cheapest row is {cheapest_measured}"
""",
    "07-securing-functions": """
assert deploy.invoke("orders-api", {"table": "orders"}).payload == "read orders: allowed"
assert "AccessDenied" in deploy.invoke("orders-api", {"table": "customers"}).payload
assert [read["fetched_now"] for read in reads] == [True, False, False], f"fetched on first use, then cached: {reads}"
""",
    "08-eventbridge-vs-sqs": """
ids = {queue: [order["order_id"] for order in orders] for queue, orders in received.items()}
assert ids == {"warehouse": ["A-17"], "fraud-checks": ["A-17"]}, f"exactly one order should reach each queue: {ids}"
assert sum(b["batch_size"] for b in batches) == 12, f"every queued image should be processed once: {batches}"
assert dead_ids == ["poison"] and sorted(queue_done) == ["o-1", "o-2", "o-4", "o-5"], (dead_ids, queue_done)
assert blocked_done == ["o-1", "o-2"], f"the poison record should hold its shard: {blocked_done}"
assert ages[-1][1] >= 60 * 60_000 > ages[0][1], f"IteratorAge should grow past an hour: {ages}"
assert stream_done == ["o-1", "o-2", "o-4", "o-5"], f"the rest of the shard, in order, once given up: {stream_done}"
assert note["KinesisBatchInfo"]["batchSize"] == 1, f"bisection should isolate the poison record: {note}"
""",
    "09-serverless-vs-kubernetes": """
assert order.status_code == 201 and order.json()["served_by"] == "lambda", order.text
assert report.status_code == 200 and report.json()["served_by"] == "container service", report.text
""",
    "10-challenges": """
assert sorted({r["customer"] for r in warnings}) == ["c0", "c3", "c6"], warnings
assert sum(line.startswith("START") for line in function_log_lines("thumbnailer")) == 2, "no recursive loop"
assert "errorMessage" in deliveries[0][0] and deliveries[0][1] == [], "a failed attempt must leave no record"
assert deliveries[1][0]["charged"] and not deliveries[2][0]["charged"], deliveries
assert [row["state"] for row in deliveries[2][1]] == ["COMPLETED"], deliveries
assert pt_log["level"] == "INFO" and pt_log["service"] == "checkout" and pt_log["cold_start"] is True, pt_log
assert pt_emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Shop" and "CheckoutLatency" in pt_emf, pt_emf
assert [(worked, statuses) for _, worked, statuses in pt_deliveries] == [
    (True, []), (True, ["COMPLETED"]), (False, ["COMPLETED"]), (True, ["COMPLETED"])], pt_deliveries
assert left_in_queue == {"pack-by-hand": (0, 1), "pack-powertools": (0, 1)}, left_in_queue
""",
    "12-deploy-and-operate": """
assert first.json() == {"stored": "A-1", "code": "v1"}, first.text
assert stack_status == "UPDATE_ROLLBACK_COMPLETE", f"the broken update should be rolled back: {stack_status}"
assert after_rollback.json() == {"stored": "A-4", "code": "v2"}, f"v2 should still answer: {after_rollback.text}"
assert set(split) == {"1", "2"} and sum(split.values()) == N and split["1"] > split["2"], split
fired = next(i for i, m in enumerate(bad_moments) if m.alarm == "ALARM")
assert bad.status == "Stopped" and 1 <= fired < 5, f"the alarm should stop the canary before its second step: {fired}"
assert sum(m.calls.get("2 error", 0) for m in bad_moments[:fired]) > 0, "the broken version should have failed first"
assert [(m.version, m.new_weight) for m in bad_moments[fired:]] == [("1", 0.0)] * len(bad_moments[fired:]), \\
    f"the alias should be back on version 1 alone: {bad_moments[fired:]}"
assert good.status == "Succeeded" and (good_moments[-1].version, good_moments[-1].new_weight) == (fixed, 1.0)
read_back = {v: (sum(published[f"invocations_v{v}"].values()), sum(published[f"errors_v{v}"].values())) for v in ran}
assert {v for v, (_, failed) in read_back.items() if failed} == {"2"}, f"errors only on version 2: {read_back}"
assert set(ran) == {"1", "2", fixed} and all(calls > 0 for calls, _ in read_back.values()), read_back
assert read_back["2"][1] == read_back["2"][0] == sum(m.calls.get("2 error", 0) for m in bad_moments), read_back
assert max(published["alarm_errors"].values()) >= threshold, "the alarm's series should reach its threshold"
assert {a["AlarmName"] for a in described} == {ALARM, "checkout-throttles", "checkout-near-timeout"}, described
assert kept_levels == ["WARNING", "ERROR"], f"at WARN only the warning and the error stay: {kept}"
""",
    "13-orchestration": """
assert good.status == "SUCCEEDED", f"the good order should complete: {good}"
assert (declined.status, declined.error) == ("FAILED", "OrderCancelled"), declined
assert states_entered(declined_history) == ["ReserveStock", "ChargePayment", "ReleaseStock", "OrderCancelled"]
assert states_entered(undeliverable_history)[-3:] == ["RefundPayment", "ReleaseStock", "OrderCancelled"]
charges = [a for a in attempts(declined_history) if a.state == "ChargePayment"]
assert [a.error for a in charges] == ["PaymentServiceBusy", "PaymentServiceBusy", "PaymentDeclined"], charges
assert charges[1].start - charges[0].end >= 5 and charges[2].start - charges[1].end >= 10, "back-off in history"
assert stock_left == 8 and ledger["A-3"]["refunded"] == 20 and "charged" not in ledger["A-2"], (stock_left, ledger)
assert durable["Status"] == "SUCCEEDED" and json.loads(durable["Result"])["shipment"] == {"tracking": "TRK-D-1"}
assert handler_starts == 3 and runs == {"reserve": 1, "charge": 2, "ship": 1}, (handler_starts, runs)
""",
    "14-testing-handlers": """
assert unit_run.passed and queue_run.passed and moto_run.passed and powertools_run.passed, unit_run.output[-800:]
assert denied_run.exit_code == 1 and "dynamodb:PutItem" in denied_run.output, "moto passed, the sandbox must refuse"
assert allowed_run.passed, f"with PutItem granted the deployed test should pass: {allowed_run.output[-800:]}"
assert stored_by_trigger == ["west-4"], "the queue's good reading should be stored through the trigger"
assert left == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1"}, \\
    f"only the reported message should stay in the queue, in flight: {left}"
kills = {o.tests: (o.passes_on_original, o.killed) for o in outcomes}
every = tuple(m.id for m in MUTANTS)
assert kills["asserts nothing"] == (True, ()) and kills["weak"] == (True, ("error-answered-200",)), kills
assert kills["misread threshold"] == (False, every[1:]) and kills["strong"] == (True, every), kills
""",
}


def test_claims_are_checked_for_catalogued_chapters_only():
    assert set(CLAIMS) <= {slug for _, slug, _ in CHAPTERS}


def test_every_catalogued_chapter_exists_and_nothing_else():
    assert sorted(p.stem for p in COURSE.glob("*.ipynb")) == [slug for _, slug, _ in CHAPTERS]


@pytest.mark.parametrize("slug", [slug for _, slug, _ in CHAPTERS])
def test_chapter_is_committed_without_outputs(slug):
    nb = nbformat.read(COURSE / f"{slug}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{slug}: clear outputs before saving"


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("slug", [slug for _, slug, _ in CHAPTERS])
def test_chapter_runs_top_to_bottom(slug):
    claims = "import json\n" + CLAIMS[slug].strip() if slug in CLAIMS else None
    nb = run_chapter(slug, extra=claims)
    assert not errors(nb), "\n".join(errors(nb))
    shown = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert shown, f"{slug} produced no output at all"
