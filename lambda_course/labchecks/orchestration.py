"""Lab 10 (orchestration): an order saga as a Step Functions state machine, then as one durable function.

The lab's given code is the shop (`orchestration_shop.SHOP`): reserve, charge and ship, and the compensations
release and refund, each counting what it did in the orders table. The checks place orders of their own, with
order ids nobody used before, run them to their end on the sandbox clock, and judge what the sandbox holds: the
execution's status, error and history, the durable execution's status, result and history, the stock left and
each order's counters. They return nothing and raise CheckFailed with what went wrong and what to try.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3

from lambda_course import deploy, sandbox
from lambda_course.checks import CheckFailed
from lambda_course.labchecks.orchestration_shop import ORDERS_TABLE, SHOP, STOCK_TABLE

MACHINE = "lab10-orders"
DURABLE = "lab10-order-durable"
STEPS = ("reserve", "charge", "ship", "release", "refund")
FUNCTIONS = {step: f"lab10-{step}" for step in STEPS}
# The state machine's role: Step Functions assumes it and invokes each Task's function as it
# (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html).
ROLE_NAME = "lab10-order-workflow"
WORKFLOW_ROLE = f"arn:aws:iam::123456789012:role/{ROLE_NAME}"
CANCELLED = "OrderCancelled"
TRANSIENT, DECLINED = "PaymentServiceBusy", "PaymentDeclined"
# The lab's own stock and order sizes: each check stocks a product of its own, so orders never share stock.
STOCK, QTY = 5, 2
# How long (real seconds) a check waits for one order, and how far it moves the clock while the order waits.
ORDER_TIMEOUT, SFN_STEP, DURABLE_STEP = 90.0, 5.0, 300.0
WAITING_FOR_CLOCK = {"LambdaFunctionFailed", "LambdaFunctionTimedOut", "TaskFailed", "TaskTimedOut",
                     "WaitStateEntered"}
INVOKE_INTEGRATION = "arn:aws:states:::lambda:invoke"  # Step Functions' optimised integration with Lambda
DURABLE_WAITING = {"WaitStarted", "StepFailed", "InvocationCompleted"}
# A durable function is invoked through a version, an alias or $LATEST, never its bare name
# (https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html).
LATEST = "$LATEST"
COUNTERS = ("reserved", "payment_attempts", "charged", "shipped", "released", "refunded")


# --- the given set-up ------------------------------------------------------------------------------------------


def setup() -> dict[str, str]:
    """Create the stock and orders tables and deploy the shop's five functions; their ARNs by step."""
    _tables()
    arns = {step: str(deploy.deploy_function(FUNCTIONS[step], {"shop.py": SHOP}, handler=f"shop.{step}_handler",
                                             timeout=10)["FunctionArn"]) for step in STEPS}
    _workflow_role(sorted(arns.values()))
    return arns


def _workflow_role(function_arns: list[str]) -> None:
    """The role Step Functions may assume, allowed to invoke the shop's functions and nothing else."""
    iam = boto3.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "states.amazonaws.com"}}]}
    invoke = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                                      "Resource": function_arns}]}
    try:
        iam.get_role(RoleName=ROLE_NAME)
    except iam.exceptions.NoSuchEntityException:
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="invoke-the-shop", PolicyDocument=json.dumps(invoke))


def _tables() -> None:
    """The stock table (by sku) and the orders table (by order id), made once."""
    client = boto3.client("dynamodb")
    existing = set(client.list_tables()["TableNames"])
    for name, key in ((STOCK_TABLE, "sku"), (ORDERS_TABLE, "order_id")):
        if name not in existing:
            client.create_table(TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                                BillingMode="PAY_PER_REQUEST")


def stock_up(sku: str, left: int = STOCK) -> None:
    """Set how many of `sku` are in stock."""
    boto3.resource("dynamodb").Table(STOCK_TABLE).put_item(Item={"sku": sku, "left": left})


def stock_left(sku: str) -> int:
    """How many of `sku` are in stock now."""
    item = boto3.resource("dynamodb").Table(STOCK_TABLE).get_item(Key={"sku": sku}).get("Item") or {}
    return int(item.get("left", 0))


def counters(order_id: str) -> dict[str, int]:
    """How many times each step ran for an order (0 for a step that never ran)."""
    item = boto3.resource("dynamodb").Table(ORDERS_TABLE).get_item(Key={"order_id": order_id}).get("Item") or {}
    return {name: int(item.get(name, Decimal(0))) for name in COUNTERS}


def order(order_id: str, **changes: Any) -> dict[str, Any]:
    """A good order for `order_id` (its own product, in stock), with `changes` applied."""
    good = {"order_id": order_id, "sku": f"sku-{order_id}", "qty": QTY, "amount": 40, "card": "valid",
            "address": "1 Harbour Street", "busy_attempts": 0}
    return good | changes


def deploy_durable(source: str) -> str:
    """Deploy `source` as the durable function's app.py, with shop.py beside it; return the function's ARN."""
    client = boto3.client("lambda")
    package = deploy.zip_source({"app.py": source, "shop.py": SHOP})
    try:
        arn = client.update_function_code(FunctionName=DURABLE, ZipFile=package)["FunctionArn"]
    except client.exceptions.ResourceNotFoundException:
        arn = client.create_function(
            FunctionName=DURABLE, Runtime="python3.13", Handler="app.handler", Role=deploy.ensure_role(),
            Timeout=30, Code={"ZipFile": package},
            DurableConfig={"ExecutionTimeout": 86400, "RetentionPeriodInDays": 1})["FunctionArn"]
    client.get_waiter("function_updated_v2").wait(FunctionName=DURABLE)
    return str(arn)


# --- running orders on the sandbox clock -------------------------------------------------------------------------


def _running() -> Any:
    """The sandbox this process uses (the grader's view of it while a lab is graded)."""
    running = sandbox.current()
    if running is None:
        raise CheckFailed("The sandbox is not running: run the setup cell first.")
    return running


def _machine_arn(name: str) -> str:
    """The ARN of the state machine called `name`, or CheckFailed saying how to create it."""
    machines = boto3.client("stepfunctions").list_state_machines()["stateMachines"]
    found = [m["stateMachineArn"] for m in machines if m["name"] == name]
    if not found:
        raise CheckFailed(f"There is no state machine named {name!r}. Create it with create_state_machine(name="
                          f"MACHINE, definition=json.dumps(order_workflow(ARNS)), roleArn=WORKFLOW_ROLE).")
    return str(found[0])


def run_order(name: str, placed: dict[str, Any], move_clock: Callable[[float], None]) -> dict[str, Any]:
    """Start an execution of the machine `name` for `placed`, run it to its end; describe_execution + history."""
    sfn = boto3.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=_machine_arn(name), name=_unique(placed["order_id"]),
                              input=json.dumps(placed))["executionArn"]
    deadline = time.monotonic() + ORDER_TIMEOUT
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise CheckFailed(f"The execution for order {placed['order_id']} was still running after "
                              f"{ORDER_TIMEOUT:g} s. Look at its history for the state it is stuck in.")
        events = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=1)["events"]
        if events and events[0]["type"] in WAITING_FOR_CLOCK:
            move_clock(SFN_STEP)
        time.sleep(0.1)
    history = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
    return {**described, "events": [event for page in history for event in page["events"]]}


def run_durable(placed: dict[str, Any], move_clock: Callable[[float], None]) -> dict[str, Any]:
    """Start the durable function for `placed` and run it to its end; get_durable_execution + history types."""
    client = boto3.client("lambda")
    try:
        started = client.invoke(FunctionName=DURABLE, Qualifier=LATEST, InvocationType="Event",
                                Payload=json.dumps(placed))
    except client.exceptions.ResourceNotFoundException:
        raise CheckFailed(f"There is no function {DURABLE!r}: deploy your handler with "
                          "orchestration.deploy_durable(DURABLE_ORDER).") from None
    arn = started.get("DurableExecutionArn")
    if not arn:
        raise CheckFailed(f"Invoking {DURABLE!r} started no durable execution: deploy it with deploy_durable.")
    deadline = time.monotonic() + ORDER_TIMEOUT
    while (described := client.get_durable_execution(DurableExecutionArn=arn))["Status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise CheckFailed(f"The durable execution for order {placed['order_id']} was still running after "
                              f"{ORDER_TIMEOUT:g} s; its history shows the step or wait it is stuck in.")
        kinds = _durable_types(arn)
        if kinds and kinds[-1] in DURABLE_WAITING:
            move_clock(DURABLE_STEP)
        time.sleep(0.2)
    return {**described, "events": _durable_history(arn)}


def _durable_history(arn: str) -> list[dict[str, Any]]:
    """The durable execution's history events, oldest first."""
    client = boto3.client("lambda")
    return list(client.get_durable_execution_history(DurableExecutionArn=arn)["Events"])


def _durable_types(arn: str) -> list[str]:
    return [str(event["EventType"]) for event in _durable_history(arn)]


def _grader_clock(seconds: float) -> None:
    """The checks' way to let time pass: the sandbox's clock, which the grader may move."""
    _running().clock.advance(seconds)


def _own_clock(seconds: float) -> None:
    """A notebook's way to let time pass: the clock when it may move it; else the real time the sleep takes."""
    try:
        _running().clock.advance(seconds)
    except PermissionError:  # a graded notebook may not move the clock; its sandbox's clock still runs in real time
        time.sleep(0.5)


def place(name: str, placed: dict[str, Any]) -> None:
    """Place one order through the state machine `name`, to its end; print the states it went through."""
    result = run_order(name, placed, _own_clock)
    entered = [e["stateEnteredEventDetails"]["name"] for e in result["events"] if e["type"].endswith("StateEntered")]
    print(f"order {placed['order_id']}: {result['status']} {result.get('error') or ''}")
    print("  states:", " -> ".join(entered))


def try_durable(placed: dict[str, Any]) -> None:
    """Run one order through the durable function, moving the clock if allowed; print what happened."""
    try:
        _running().clock.advance(0)
    except PermissionError:  # while graded the clock is the grader's: the tests run the orders themselves
        print("While the lab is graded, the tests run orders through your durable function themselves.")
        return
    result = run_durable(placed, _grader_clock)
    print(f"order {placed['order_id']}: {result['Status']} {result.get('Result') or result.get('Error') or ''}")
    print("  history:", ", ".join(f"{e['EventType']} {e.get('Name') or ''}".strip() for e in result["events"]))
    print("  side effects:", {k: v for k, v in counters(placed["order_id"]).items() if v})


# --- Part A: the definition --------------------------------------------------------------------------------------


def _states(definition: Any) -> dict[str, dict[str, Any]]:
    """The definition's states, or CheckFailed saying what a definition looks like."""
    if not isinstance(definition, dict) or not isinstance(definition.get("States"), dict) \
            or definition.get("StartAt") not in definition["States"]:
        raise CheckFailed(f"order_workflow(ARNS) should return a definition: a dict with StartAt and States, "
                          f"StartAt naming one of the States. It returned {str(definition)[:100]!r}.")
    return {name: state for name, state in definition["States"].items() if isinstance(state, dict)}


def _task_for(states: dict[str, dict[str, Any]], arn: str) -> dict[str, Any] | None:
    """The Task state calling the function `arn`: its Resource, or the lambda:invoke integration's FunctionName."""
    return next((s for s in states.values() if s.get("Type") == "Task" and calls(s, arn)), None)


def calls(state: dict[str, Any], arn: str) -> bool:
    """Whether a Task state invokes the function `arn`, directly by its ARN or through the optimised integration
    (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html)."""
    if state.get("Resource") == arn:
        return True
    parameters = state.get("Parameters")
    named = parameters.get("FunctionName") if isinstance(parameters, dict) else None
    return state.get("Resource") == INVOKE_INTEGRATION and _names_function(named, arn)


def _names_function(name: Any, arn: str) -> bool:
    """Whether a FunctionName (a name, an ARN, either with :$LATEST) names the function `arn`."""
    return isinstance(name, str) and name.removesuffix(f":{LATEST}") in (arn, arn.rsplit(":", 1)[-1])


def _check_retry(charge: dict[str, Any]) -> None:
    """The charge retries the busy card service, with back-off, and nothing else."""
    retriers = [r for r in charge.get("Retry") or [] if isinstance(r, dict)]
    broad = [r["ErrorEquals"] for r in retriers if {"States.ALL", DECLINED} & set(r.get("ErrorEquals") or [])]
    if broad:
        raise CheckFailed(f"The charge retries {broad[0]}: a declined card stays declined, and asking the bank again "
                          f"only delays the refusal. Retry {TRANSIENT} alone.")
    busy = [r for r in retriers if TRANSIENT in (r.get("ErrorEquals") or [])]
    if not busy:
        raise CheckFailed(f"The charge's Task has no Retry for {TRANSIENT}: add a retrier whose ErrorEquals lists "
                          f"{TRANSIENT!r}, so a busy card service is asked again a little later.")
    retrier = busy[0]
    if retrier.get("MaxAttempts", 3) < 2 or float(retrier.get("BackoffRate", 2.0)) <= 1:
        raise CheckFailed(f"The retrier {retrier} should try at least twice more (MaxAttempts 2 or more) and wait "
                          "longer each time (BackoffRate above 1), so a busy service gets room to recover.")


def check_workflow_shape(definition: Any, arns: dict[str, str]) -> None:
    """Each step is a Task calling its function; the charge retries the busy service; failures end in a Fail."""
    states = _states(definition)
    tasks = {step: _task_for(states, arns[step]) for step in STEPS}
    missing = [FUNCTIONS[step] for step, state in tasks.items() if state is None]
    if missing:
        raise CheckFailed(f"No Task state calls {', '.join(missing)}: give each step a Task whose Resource is "
                          f"its function's ARN (ARNS[...]), or {INVOKE_INTEGRATION} with Parameters naming the "
                          "function's ARN as FunctionName.")
    _check_retry(tasks["charge"] or {})
    uncaught = [FUNCTIONS[step] for step in ("charge", "ship") if not (tasks[step] or {}).get("Catch")]
    if uncaught:
        raise CheckFailed(f"The Task state(s) calling {', '.join(uncaught)} have no Catch: a failure there must "
                          "run the compensations for the steps before it.")
    fails = [s for s in states.values() if s.get("Type") == "Fail" and s.get("Error") == CANCELLED]
    if not fails:
        raise CheckFailed(f"Add a Fail state with Error {CANCELLED!r}: an order that could not be completed "
                          "ends there, after its compensations.")


# --- Part A: orders through the state machine --------------------------------------------------------------------


def _unique(base: str) -> str:
    """An order id nobody used before, starting with `base`."""
    return f"{base}-{uuid.uuid4().hex[:6]}"


def _placed(base: str, **changes: Any) -> dict[str, Any]:
    """A fresh order with its own product in stock."""
    placed = order(_unique(base), **changes)
    stock_up(placed["sku"])
    return placed


def _describe(result: dict[str, Any]) -> str:
    """How an execution ended and the states it went through, for a message."""
    entered = [e["stateEnteredEventDetails"]["name"] for e in result["events"] if e["type"].endswith("StateEntered")]
    error = f" with {result.get('error')}" if result.get("error") else ""
    return f"{result['status']}{error} (states: {' -> '.join(entered) or 'none'})"


def _expect_counts(placed: dict[str, Any], expected: dict[str, int], what: str) -> None:
    """The order's counters are `expected` (steps not named: any), and its stock is back or taken as it should."""
    seen = counters(placed["order_id"])
    wrong = {step: seen[step] for step, count in expected.items() if seen[step] != count}
    if wrong:
        told = ", ".join(f"{step} ran {seen[step]} time(s), expected {expected[step]}" for step in wrong)
        raise CheckFailed(f"Order {placed['order_id']} ({what}): {told}.")
    left, taken = stock_left(placed["sku"]), placed["qty"] if expected.get("shipped") else 0
    if left != STOCK - taken:
        raise CheckFailed(f"Order {placed['order_id']} ({what}): {left} left in stock of {STOCK}; expected "
                          f"{STOCK - taken}. A reservation that is not released stays taken for ever.")


def check_happy_order(name: str = MACHINE, base: str = "good") -> None:
    """A good order succeeds: reserved, charged and shipped once each."""
    placed = _placed(base)
    result = run_order(name, placed, _grader_clock)
    if result["status"] != "SUCCEEDED":
        raise CheckFailed(f"A good order ended {_describe(result)}; it should succeed. If a function failed with "
                          "KeyError, its input lost the order's fields: give each Task a ResultPath such as "
                          "\"$.payment\", so its result is added to the order instead of replacing it.")
    _expect_counts(placed, {"reserved": 1, "charged": 1, "shipped": 1, "released": 0, "refunded": 0}, "a good one")


def _charge_attempts(events: list[dict[str, Any]], charge_arn: str) -> list[str | None]:
    """Each run of the charge function in a history, oldest first: None for a success, else its error.

    A Task naming the function's ARN leaves LambdaFunction* events; one using the lambda:invoke integration leaves
    Task* events whose parameters name the function.
    """
    outcomes: list[str | None] = []
    charging = False
    for event in events:
        kind = event["type"]
        if kind in ("LambdaFunctionScheduled", "TaskScheduled"):
            charging = _scheduled_function(event, charge_arn)
        elif charging and kind in ("LambdaFunctionSucceeded", "TaskSucceeded"):
            outcomes.append(None)
        elif charging and kind in ("LambdaFunctionFailed", "LambdaFunctionTimedOut", "TaskFailed", "TaskTimedOut"):
            details: dict[str, Any] = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            outcomes.append(details.get("error"))
    return outcomes


def _scheduled_function(event: dict[str, Any], arn: str) -> bool:
    """Whether a LambdaFunctionScheduled or TaskScheduled event starts a run of the function `arn`."""
    if event["type"] == "LambdaFunctionScheduled":
        return bool(event["lambdaFunctionScheduledEventDetails"]["resource"] == arn)
    details = event.get("taskScheduledEventDetails") or {}
    if details.get("resourceType") != "lambda" or details.get("resource") != "invoke":
        return False
    try:
        parameters = json.loads(details.get("parameters") or "{}")
    except ValueError:
        return False  # not the parameters of an invoke: no run of the charge
    return isinstance(parameters, dict) and _names_function(parameters.get("FunctionName"), arn)


def _function_arn(step: str) -> str:
    """The ARN of the shop's function for `step`, or CheckFailed when it is not deployed."""
    client = boto3.client("lambda")
    try:
        return str(client.get_function_configuration(FunctionName=FUNCTIONS[step])["FunctionArn"])
    except client.exceptions.ResourceNotFoundException:
        raise CheckFailed(f"The function {FUNCTIONS[step]!r} is not deployed: run the setup cell.") from None


def function_arns() -> dict[str, str]:
    """The shop's functions' ARNs by step, as the sandbox holds them."""
    return {step: _function_arn(step) for step in STEPS}


def check_retried(name: str = MACHINE, base: str = "flaky", busy: int = 2) -> None:
    """An order whose payment finds the card service busy `busy` times succeeds after that many retries."""
    placed = _placed(base, busy_attempts=busy)
    result = run_order(name, placed, _grader_clock)
    if result["status"] != "SUCCEEDED":
        raise CheckFailed(f"An order whose card service was busy {busy} time(s) ended {_describe(result)}. Retry "
                          f"{TRANSIENT} on the charge's Task, with MaxAttempts of at least {busy}.")
    attempts = _charge_attempts(result["events"], _function_arn("charge"))
    if attempts != [TRANSIENT] * busy + [None]:
        raise CheckFailed(f"The history shows the charge's attempts as {attempts} (None: succeeded); expected "
                          f"{busy} failure(s) with {TRANSIENT}, then a success.")
    _expect_counts(placed, {"payment_attempts": busy + 1, "charged": 1, "shipped": 1, "released": 0},
                   "a busy card service")


def _expect_cancelled(result: dict[str, Any], what: str) -> None:
    """The execution failed in the OrderCancelled Fail state."""
    if result["status"] != "FAILED" or result.get("error") != CANCELLED:
        raise CheckFailed(f"An order with {what} ended {_describe(result)}; it should run its compensations and "
                          f"then fail with the error {CANCELLED!r} (a Fail state). A Catch needs a ResultPath such "
                          "as \"$.failure\", or the compensation gets only the error instead of the order.")


def check_declined(name: str = MACHINE, base: str = "declined") -> None:
    """A declined card is not retried, the stock is released, nothing is charged, and the order is cancelled."""
    placed = _placed(base, card="declined")
    result = run_order(name, placed, _grader_clock)
    _expect_cancelled(result, "a declined card")
    attempts = _charge_attempts(result["events"], _function_arn("charge"))
    if attempts != [DECLINED]:
        raise CheckFailed(f"The charge ran {len(attempts)} time(s) ({attempts}) for a declined card; it should run "
                          f"once: retry {TRANSIENT} only.")
    _expect_counts(placed, {"reserved": 1, "charged": 0, "released": 1, "refunded": 0, "shipped": 0},
                   "a declined card")


def check_undeliverable(name: str = MACHINE, base: str = "no-address") -> None:
    """An order that cannot be shipped is refunded and its stock released, then cancelled."""
    placed = _placed(base, address="")
    result = run_order(name, placed, _grader_clock)
    _expect_cancelled(result, "no delivery address")
    _expect_counts(placed, {"charged": 1, "refunded": 1, "released": 1, "shipped": 0}, "no delivery address")


def check_out_of_stock(name: str = MACHINE, base: str = "sold-out") -> None:
    """An order for more than is in stock is cancelled with nothing reserved, charged or released."""
    placed = _placed(base, qty=STOCK + 1)
    result = run_order(name, placed, _grader_clock)
    _expect_cancelled(result, "more items than are in stock")
    _expect_counts(placed, {"reserved": 0, "payment_attempts": 0, "released": 0}, "out of stock")


# --- Part B: the durable function --------------------------------------------------------------------------------


def _durable_describe(result: dict[str, Any]) -> str:
    """How a durable execution ended and its history, for a message."""
    error = result.get("Error") or {}
    ended = f"{result['Status']} {error.get('ErrorType', '')} {error.get('ErrorMessage', '')}".strip()
    names = [f"{e['EventType']}{' ' + e['Name'] if e.get('Name') and 'Execution' not in e['EventType'] else ''}"
             for e in result["events"]]
    return f"{ended} (history: {', '.join(names)})"


def _durable_result(result: dict[str, Any]) -> Any:
    """The durable execution's result, decoded (None when it has none or it is not JSON)."""
    try:
        return json.loads(result.get("Result") or "null")
    except ValueError:
        return None


def check_durable_order(base: str = "durable-good", busy: int = 1) -> None:
    """A good order through the durable function succeeds, through steps and a wait, and returns its tracking."""
    placed = _placed(base, busy_attempts=busy)
    result = run_durable(placed, _grader_clock)
    if result["Status"] != "SUCCEEDED":
        raise CheckFailed(f"A good order (its card service busy {busy} time(s)) ended {_durable_describe(result)}. "
                          + _durable_advice(placed))
    types = [e["EventType"] for e in result["events"]]
    if types.count("StepSucceeded") < 3 or "WaitStarted" not in types:
        raise CheckFailed(f"The execution's history is {_durable_describe(result)}: reserve, charge and ship should "
                          "each be a step (context.step), with a wait (context.wait) before shipping.")
    answer = _durable_result(result)
    tracking = "TRK-" + placed["order_id"]
    if not isinstance(answer, dict) or answer.get("tracking") != tracking:
        raise CheckFailed(f"The execution returned {str(answer)[:120]!r}; it should return a dict whose "
                          f"'tracking' is what ship returned ({tracking!r}).")


def _durable_advice(placed: dict[str, Any]) -> str:
    """What to try, judged from what the order's side effects show."""
    seen = counters(placed["order_id"])
    repeated = {step: seen[step] for step in ("reserved", "charged", "shipped") if seen[step] > 1}
    if repeated:
        return (f"Side effects ran more than once ({repeated}): code outside context.step runs again every time "
                "the handler replays. Call reserve, charge and ship only inside steps.")
    if seen["payment_attempts"] <= placed.get("busy_attempts", 0):
        return f"Give the charge's step a retry strategy that retries {TRANSIENT}."
    return "The history shows which step or error stopped it."


def check_durable_once(base: str = "durable-once", busy: int = 1) -> None:
    """However often the handler replays, each side effect of a good order happens exactly once."""
    placed = _placed(base, busy_attempts=busy)
    result = run_durable(placed, _grader_clock)
    replays = [e["EventType"] for e in result["events"]].count("InvocationCompleted")
    seen = counters(placed["order_id"])
    expected = {"reserved": 1, "payment_attempts": busy + 1, "charged": 1, "shipped": 1}
    if result["Status"] != "SUCCEEDED" or replays < 2 or {k: seen[k] for k in expected} != expected:
        raise CheckFailed(f"A good order ended {_durable_describe(result)} after {replays} invocation(s), with the "
                          f"side effects {seen}; it should succeed with {expected}, however many times the handler "
                          "ran (a retry and the wait each end an invocation). " + _durable_advice(placed))


def check_durable_compensated(base: str = "durable-declined", **changes: Any) -> None:
    """An order that fails for good is compensated by steps and the execution fails with OrderCancelled."""
    changes = changes or {"card": "declined"}
    placed = _placed(base, **changes)
    result = run_durable(placed, _grader_clock)
    error_type = str((result.get("Error") or {}).get("ErrorType", ""))
    if result["Status"] != "FAILED" or error_type.rsplit(".", 1)[-1] != CANCELLED:
        raise CheckFailed(f"An order that cannot complete ({changes}) ended {_durable_describe(result)}; after its "
                          f"compensations the handler should raise shop.{CANCELLED}, so the execution fails.")
    shipped_ok = "address" not in changes
    expected = {"reserved": 1, "released": 1, "shipped": 0, "charged": 0 if shipped_ok else 1,
                "refunded": 0 if shipped_ok else 1}
    _expect_counts(placed, expected, f"an order with {changes}")
    if "card" in changes and counters(placed["order_id"])["payment_attempts"] != 1:
        raise CheckFailed(f"The charge ran {counters(placed['order_id'])['payment_attempts']} times for a declined "
                          f"card; retry {TRANSIENT} only (retryable_error_types), so a refusal fails at once.")

