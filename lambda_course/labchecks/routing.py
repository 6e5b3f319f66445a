"""Lab 8 (EventBridge vs SQS): event patterns for an order stream, a partial-batch SQS consumer, and choices.

Patterns are graded with the sandbox's EventBridge matcher against a set of order events, then by publishing
those events to the sandbox's bus and reading the target queues. The consumer is graded by sending good and
poison messages through a real event source mapping. The EventBridge-or-SQS choices are graded by service and
constraint by constraint, each with the deciding reason explained.

This module holds what the notebook shows and uses: the visible events, the scenarios' descriptions, the
vocabulary of reasons and the helpers that create queues and tables. What decides a grade (which rules should
deliver each event, the hidden events, each scenario's service, reason and why) is the answer key
`lambda_course/answers/routing.toml`, which the checks read when they run, in the grader; a learner's code cannot read
it while the lab is graded, and there those checks raise AnswerKeysUnavailable.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lambda_course import answerkeys
from lambda_course.checks import CheckFailed
from localaws import eventbridge

SOURCE = "shop"
EU_COUNTRIES = ("AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL", "PL", "PT")
FRAUD_THRESHOLD = 1000
FULFILLED_TABLE = "fulfilled-orders"
MAX_RECEIVES = 2


# --- the order stream and where each event should go ---------------------------------------------------------


def order(kind: str, order_id: str, source: str = SOURCE, **detail: Any) -> dict[str, Any]:
    """An order event as EventBridge delivers it: source, detail-type and a detail with the order's fields."""
    return {"source": source, "detail-type": kind, "detail": {"order_id": order_id, **detail}}


# The rules of part A, each named after the queue it delivers to; which events each should deliver is in the
# answer key.
RULES = ("fraud-review", "eu-fulfilment", "payment-ops")
SERVICES = ("sqs", "eventbridge")
ANSWER_KEY = "routing"  # lambda_course/answers/routing.toml

VISIBLE_EVENTS = [
    order("OrderPlaced", "o-01", total=2500, country="US"),
    order("OrderPlaced", "o-02", total=40, country="DE"),
    order("OrderPlaced", "o-03", total=1200, country="FR"),
    order("OrderCancelled", "o-04", total=80, country="IE", reason="payment-declined"),
    order("OrderCancelled", "o-05", total=80, country="US", reason="customer-request"),
]


@dataclass(frozen=True)
class RoutingKey:
    """Lab 8's answer key: the rules that should deliver each event, the hidden events, each scenario's answer."""

    routes: dict[str, tuple[str, ...]]  # order id -> the rules that should deliver that event
    hidden_events: list[dict[str, Any]]  # every event the hidden tests publish: the visible ones, then more
    scenarios: dict[str, dict[str, str]]  # scenario id -> {"service", "reason", "why"}

    def delivers(self, rule: str, event: Mapping[str, Any]) -> bool:
        """True when `rule` should deliver `event`."""
        return rule in self.routes[event["detail"]["order_id"]]


def answer_key() -> RoutingKey:
    """The answer key, read now and checked; AnswerKeysUnavailable where only the grader can read it."""
    raw = answerkeys.load(ANSWER_KEY)
    extra = [{"source": e["source"], "detail-type": e["detail-type"], "detail": dict(e["detail"])}
             for e in raw.get("hidden_events", [])]
    key = RoutingKey({order_id: tuple(rules) for order_id, rules in raw.get("routes", {}).items()},
                     VISIBLE_EVENTS + extra, {s: dict(answer) for s, answer in raw.get("scenarios", {}).items()})
    problems = _key_problems(key)
    if problems:
        raise ValueError("Lab 8's answer key is not valid:\n  " + "\n  ".join(problems))
    return key


def _key_problems(key: RoutingKey) -> list[str]:
    """What is wrong with the answer key: an event without routes, an unknown rule, a scenario out of step."""
    ids = [e["detail"]["order_id"] for e in key.hidden_events]
    problems = [f"event {i} has no entry under [routes]" for i in ids if i not in key.routes]
    problems += [f"order id {i} is used by more than one event" for i in sorted({i for i in ids if ids.count(i) > 1})]
    problems += [f"[routes] names {i}, which is no event" for i in key.routes if i not in ids]
    problems += [f"routes.{i}: unknown rule {r!r}" for i, rules in key.routes.items() for r in rules if r not in RULES]
    if set(key.scenarios) != set(SCENARIOS):
        problems.append(f"[scenarios] should answer exactly {sorted(SCENARIOS)}, not {sorted(key.scenarios)}")
    for scenario_id, answer in key.scenarios.items():
        if answer.get("service") not in SERVICES or answer.get("reason") not in REASONS or not answer.get("why"):
            problems.append(f"scenarios.{scenario_id} needs a service ({', '.join(SERVICES)}), a reason from "
                            "REASONS and a why")
        elif answer["reason"] not in WEIGH.get(scenario_id, ()):
            problems.append(f"scenarios.{scenario_id}: its reason {answer['reason']!r} is not among the constraints "
                            "WEIGH shows with it")
    return problems


def hidden_events() -> list[dict[str, Any]]:
    """Every event the hidden tests publish (from the answer key)."""
    return answer_key().hidden_events


def expected_ids(rule: str, events: list[dict[str, Any]], key: RoutingKey | None = None) -> list[str]:
    """The order ids that `rule` should deliver, in the order the events come (from the answer key)."""
    key = key or answer_key()
    return [e["detail"]["order_id"] for e in events if key.delivers(rule, e)]


def describe(event: Mapping[str, Any]) -> str:
    """One line naming an event's source, type and detail, for messages."""
    return f"{event['detail-type']} from {event['source']!r} with detail {json.dumps(event['detail'])}"


# --- part A: patterns -------------------------------------------------------------------------------------


def check_pattern(rule: str, pattern: Any, hidden: bool = False) -> None:
    """Check a pattern is valid and matches exactly the events `rule` should get (the visible or full set)."""
    if rule not in RULES:
        raise CheckFailed(f"There is no rule called {rule!r}; the rules are {', '.join(RULES)}.")
    key = answer_key()
    _check_valid(rule, pattern)
    events = key.hidden_events if hidden else VISIBLE_EVENTS
    should = [e for e in events if key.delivers(rule, e) and not eventbridge.matches(pattern, e)]
    should_not = [e for e in events if not key.delivers(rule, e) and eventbridge.matches(pattern, e)]
    problems = [f"- it misses {describe(e)}" for e in should[:2]]
    problems += [f"- it matches {describe(e)}, which it should not" for e in should_not[:2]]
    if problems:
        raise CheckFailed(f"The {rule} pattern routes {len(should) + len(should_not)} event(s) wrongly:\n"
                          + "\n".join(problems))


def _check_valid(rule: str, pattern: Any) -> None:
    """Assert the pattern is a dict EventBridge would accept, quoting the service's reason when not."""
    if not isinstance(pattern, dict) or not pattern:
        raise CheckFailed(f"The {rule} pattern should be a non-empty dict, not {pattern!r}.")
    try:
        eventbridge.validate_pattern(pattern)
    except eventbridge.InvalidEventPattern as problem:
        raise CheckFailed(f"EventBridge would refuse the {rule} pattern: {problem}") from None


@dataclass(frozen=True)
class TargetQueue:
    """A queue a rule delivers to: its name, URL and ARN."""

    name: str
    url: str
    arn: str


def create_queue(name: str, **attributes: str) -> TargetQueue:
    """Create (or find) a standard queue; return its name, URL and ARN."""
    import boto3  # boto3 loads at first use: start-up time

    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return TargetQueue(name, url, arn)


def create_target_queues() -> dict[str, TargetQueue]:
    """One queue per rule, named after it, with a policy letting EventBridge send to it."""
    import boto3  # boto3 loads at first use: start-up time

    queues = {rule: create_queue(rule) for rule in RULES}
    for queue in queues.values():
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": queue.arn}]}
        boto3.client("sqs").set_queue_attributes(QueueUrl=queue.url, Attributes={"Policy": json.dumps(policy)})
    return queues


def _drain(url: str) -> list[str]:
    """Receive and delete every message waiting in a queue; return their bodies."""
    import boto3  # boto3 loads at first use: start-up time

    sqs, bodies = boto3.client("sqs"), list[str]()
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return bodies
        for message in got:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def publish(events: list[dict[str, Any]], run: str) -> None:
    """Put the events on the default bus, each detail tagged with `run` so this check finds its own."""
    import boto3  # boto3 loads at first use: start-up time

    entries = [{"Source": e["source"], "DetailType": e["detail-type"],
                "Detail": json.dumps({**e["detail"], "run": run})} for e in events]
    client = boto3.client("events")
    for start in range(0, len(entries), 10):
        failed = client.put_events(Entries=entries[start:start + 10])["FailedEntryCount"]
        if failed:
            raise CheckFailed(f"EventBridge refused {failed} of the test events; is the sandbox running?")


def received_ids(url: str, run: str) -> list[str]:
    """The order ids of this run's events found in a queue (EventBridge sends the whole event as the body)."""
    found = []
    for body in _drain(url):
        try:
            detail = json.loads(body)["detail"]
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(detail, dict) and detail.get("run") == run:
            found.append(detail["order_id"])
    return found


def check_routing_in_sandbox(queues: Mapping[str, TargetQueue], hidden: bool = False) -> None:
    """Publish the order events to the sandbox's bus and check each queue got exactly its rule's orders."""
    from localaws import sandbox  # the sandbox loads at first use: start-up time

    key = answer_key()
    running = sandbox.current()
    if running is None:
        raise CheckFailed("The sandbox is not running: run the setup cell first.")
    events = key.hidden_events if hidden else VISIBLE_EVENTS
    for queue in queues.values():
        _drain(queue.url)
    run = uuid.uuid4().hex[:8]
    publish(events, run)
    running.wait_idle(timeout=10)
    for rule, queue in queues.items():
        got, want = sorted(received_ids(queue.url, run)), sorted(expected_ids(rule, events, key))
        if got != want:
            raise CheckFailed(_routing_message(rule, queue, got, want))


def _routing_message(rule: str, queue: TargetQueue, got: list[str], want: list[str]) -> str:
    """Explain what a queue received against what its rule should have sent it."""
    import boto3  # boto3 loads at first use: start-up time

    rules = boto3.client("events").list_rule_names_by_target(TargetArn=queue.arn)["RuleNames"]
    if not rules:
        return (f"No rule sends events to the {queue.name!r} queue. Create the rule with put_rule, then "
                f"put_targets(Rule=..., Targets=[{{'Id': ..., 'Arn': queues[{rule!r}].arn}}]).")
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    doubled = sorted({i for i in got if got.count(i) > 1})
    parts = [f"missing {', '.join(missing)}" if missing else "", f"unexpected {', '.join(extra)}" if extra else "",
             f"received more than once {', '.join(doubled)}" if doubled else ""]
    return (f"The {queue.name!r} queue (rule(s) {', '.join(rules)}) should have received orders "
            f"{want or 'none'} but got {got or 'none'}: {'; '.join(p for p in parts if p)}. Check the rule's "
            "EventPattern is your pattern (json.dumps of it) and that only one rule targets this queue.")


# --- part B: the SQS consumer -----------------------------------------------------------------------------


def create_fulfilled_table() -> None:
    """The table that counts how often each order was fulfilled (key order_id), created if missing."""
    import boto3  # boto3 loads at first use: start-up time

    dynamodb = boto3.client("dynamodb")
    if FULFILLED_TABLE in dynamodb.list_tables()["TableNames"]:
        return
    dynamodb.create_table(TableName=FULFILLED_TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}])


def times_fulfilled(order_ids: list[str]) -> dict[str, int]:
    """How many times each order was fulfilled, 0 for one never fulfilled."""
    import boto3  # boto3 loads at first use: start-up time

    dynamodb = boto3.client("dynamodb")
    counts = {}
    for order_id in order_ids:
        item = dynamodb.get_item(TableName=FULFILLED_TABLE, Key={"order_id": {"S": order_id}}).get("Item", {})
        counts[order_id] = int(item.get("times", {}).get("N", "0"))
    return counts


def work_orders(run: str, good: int = 4, poison: int = 2) -> tuple[list[dict[str, Any]], list[str]]:
    """Good orders and poison ones (a quantity that is not a positive whole number), mixed; and the poison ids."""
    orders = [{"order_id": f"{run}-g{i}", "sku": "MUG-1", "quantity": i + 1} for i in range(good)]
    bad_quantities: list[object] = ["two", -1, 0, None]
    poisoned = [{"order_id": f"{run}-p{i}", "sku": "MUG-1", "quantity": bad_quantities[i % 4]}
                for i in range(poison)]
    mixed = orders[:1] + poisoned[:1] + orders[1:] + poisoned[1:]
    return mixed, [f"{run}-p{i}" for i in range(poison)]


def sqs_event(orders: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, str]]:
    """An SQS event as Lambda delivers one batch, and each order id's messageId."""
    records, ids = [], {}
    for body in orders:
        message_id = str(uuid.uuid4())
        ids[body["order_id"]] = message_id
        records.append({
            "messageId": message_id, "receiptHandle": f"handle-{message_id}", "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders", "awsRegion": "us-east-1",
        })
    return {"Records": records}, ids


def check_consumer_locally(handler: Callable[[dict, Any], Any]) -> None:
    """Call the handler with one mixed batch: it must fulfil the good orders and report only the poison ones."""
    orders, poison = work_orders(uuid.uuid4().hex[:8])
    event, ids = sqs_event(orders)
    try:
        answer = handler(event, None)
    except Exception as error:  # learner code may raise anything; each failure fails the check, never passes it
        raise CheckFailed(
            f"The handler raised {type(error).__name__}: {error}. When one message of a batch fails, raising "
            "makes Lambda retry the whole batch, good messages included. Catch the error for that record and "
            "add its messageId to batchItemFailures instead."
        ) from None
    _check_batch_response(answer, {ids[p] for p in poison}, ids)
    done = times_fulfilled([o["order_id"] for o in orders])
    skipped = [i for i, n in done.items() if n == 0 and i not in poison]
    if skipped:
        raise CheckFailed(f"Good orders {', '.join(skipped)} were not fulfilled: call fulfil for every record, "
                          "even after one has failed.")


def _check_batch_response(answer: Any, poison_ids: set[str], ids: Mapping[str, str]) -> None:
    """Assert the answer is {"batchItemFailures": [{"itemIdentifier": id}, ...]} naming exactly `poison_ids`."""
    shape = 'a dict {"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}'
    if not isinstance(answer, dict) or not isinstance(answer.get("batchItemFailures"), list):
        raise CheckFailed(f"The handler returned {answer!r}; it should return {shape}.")
    try:
        reported = {entry["itemIdentifier"] for entry in answer["batchItemFailures"]}
    except (TypeError, KeyError):
        raise CheckFailed(f"Each entry of batchItemFailures should be {{'itemIdentifier': <messageId>}}; "
                          f"got {answer['batchItemFailures']!r}.") from None
    by_message = {message: order_id for order_id, message in ids.items()}
    if reported - poison_ids:
        names = ", ".join(by_message.get(r, repr(r)) for r in sorted(reported - poison_ids))
        raise CheckFailed(f"batchItemFailures names {names}, which did not fail (or is not a messageId of the "
                          "batch): those would be processed again.")
    if poison_ids - reported:
        names = ", ".join(by_message[r] for r in sorted(poison_ids - reported))
        raise CheckFailed(f"The failed order(s) {names} are missing from batchItemFailures, so Lambda would "
                          "delete them as if they had succeeded. Report each failed record's messageId.")


def check_consumer_in_sandbox(queue: TargetQueue, dead: TargetQueue, function_name: str) -> None:
    """Send a mixed batch through the mapping: good orders done once, poison in the DLQ, the queue empty."""
    import boto3  # boto3 loads at first use: start-up time

    _check_wiring(queue, dead, function_name)
    for url in (queue.url, dead.url):
        _drain(url)
    run = uuid.uuid4().hex[:8]
    orders, poison = work_orders(run, good=6, poison=2)
    boto3.client("sqs").send_message_batch(QueueUrl=queue.url, Entries=[
        {"Id": str(i), "MessageBody": json.dumps(o)} for i, o in enumerate(orders)])
    in_dlq = _wait_for_dead_letters(queue, dead, len(poison), run)
    good = [o["order_id"] for o in orders if o["order_id"] not in poison]
    done = times_fulfilled(good)
    if sorted(in_dlq) != sorted(poison):
        wrong = sorted(set(in_dlq) - set(poison))
        raise CheckFailed(
            f"The dead-letter queue should hold only the poison orders {sorted(poison)}, but holds "
            f"{sorted(in_dlq) or 'nothing'}." + (f" Good orders {wrong} were retried until they were moved "
                                                   "there: report only the failed records." if wrong else ""))
    repeated = sorted(i for i in good if done[i] > 1)
    lost = sorted(i for i in good if done[i] == 0)
    if repeated or lost:
        raise CheckFailed(f"Each good order should be fulfilled exactly once; {repeated or 'none'} were fulfilled "
                          f"more than once and {lost or 'none'} never. A failure in the batch must not send "
                          "its good messages round again.")


def _check_wiring(queue: TargetQueue, dead: TargetQueue, function_name: str) -> None:
    """Assert the queue redrives to the DLQ after MAX_RECEIVES and a mapping reports item failures."""
    import boto3  # boto3 loads at first use: start-up time

    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=queue.url, AttributeNames=["RedrivePolicy"])
    policy = json.loads(attributes.get("Attributes", {}).get("RedrivePolicy", "{}"))
    if policy.get("deadLetterTargetArn") != dead.arn or str(policy.get("maxReceiveCount")) != str(MAX_RECEIVES):
        raise CheckFailed(
            f"The {queue.name!r} queue's RedrivePolicy should send a message to {dead.name!r} after "
            f"{MAX_RECEIVES} receives; it is {policy or 'not set'}. Set it with set_queue_attributes.")
    mappings = boto3.client("lambda").list_event_source_mappings(
        EventSourceArn=queue.arn, FunctionName=function_name)["EventSourceMappings"]
    if not mappings:
        raise CheckFailed(f"No event source mapping connects {queue.name!r} to {function_name!r}: create one "
                          "with create_event_source_mapping.")
    if not any("ReportBatchItemFailures" in m.get("FunctionResponseTypes", []) for m in mappings):
        raise CheckFailed("The mapping does not have FunctionResponseTypes=['ReportBatchItemFailures'], so "
                          "Lambda ignores the batchItemFailures your handler returns: a successful call deletes "
                          "the whole batch, poison messages included.")


def _wait_for_dead_letters(queue: TargetQueue, dead: TargetQueue, count: int, run: str,
                           timeout: float = 40.0) -> list[str]:
    """Wait until the source queue is empty and the DLQ holds at least `count` messages; return their ids."""
    import boto3  # boto3 loads at first use: start-up time

    from localaws import sandbox  # the sandbox loads at first use: start-up time

    sqs, deadline = boto3.client("sqs"), time.monotonic() + timeout
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    while time.monotonic() < deadline:
        waiting = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=names)["Attributes"]
        dead_count = sqs.get_queue_attributes(QueueUrl=dead.url, AttributeNames=names[:1])["Attributes"]
        if sum(int(waiting[n]) for n in names) == 0 and int(dead_count[names[0]]) >= count:
            break
        time.sleep(0.2)
    running = sandbox.current()
    if running is not None:
        running.wait_idle(timeout=5)
    bodies = _drain(dead.url)
    return [json.loads(b).get("order_id") for b in bodies if run in b]


# --- part C: EventBridge or SQS -----------------------------------------------------------------------------

REASONS = {
    "buffer-for-slow-consumer": "work must wait until a slow or rate-limited consumer can take it",
    "per-message-retry": "each piece of work is retried on its own until it succeeds, then parked in a DLQ",
    "ordering-per-key": "messages for the same key must be processed in order, once",
    "fan-out-to-many": "several independent consumers each want every event, and more will join",
    "content-based-routing": "different consumers want different events, chosen by fields in the event",
    "aws-or-saas-source": "the events come from AWS services or a SaaS partner, not from your code",
    "schedule": "something must run at set times, with no producer at all",
}

# What each scenario asks, as the notebook shows it; the answers are in the answer key.
SCENARIOS: dict[str, str] = {
    "payment-rate-limit": "Checkout sends every order to a payment provider that accepts 20 calls a second. "
                          "During a sale, orders arrive at 400 a second for ten minutes.",
    "new-teams-subscribe": "Analytics, email and loyalty each want to react to every OrderPlaced event, and two "
                           "more teams plan to join next quarter without any change to the checkout service.",
    "route-by-country": "Orders shipping to the EU go to the Dublin warehouse's system, orders above 1,000 USD "
                        "also go to fraud review, and the rest go nowhere special.",
    "ledger-in-order": "Balance updates for each bank account must be applied in the order they happened, and "
                       "none may be applied twice.",
    "resize-with-retries": "Each uploaded image becomes a resize job. A few images are corrupt: those jobs must "
                           "be retried a couple of times, then set aside for a person to look at, without "
                           "holding up the others.",
    "instance-stopped": "When any EC2 instance in the account stops, a function must tag it and tell the "
                        "owning team.",
}


# The constraints shown with each scenario: the one that decides it, and others that do not bear on it. A learner
# names those that drive the choice; each reason is then graded across every scenario that shows it.
WEIGH: dict[str, tuple[str, ...]] = {
    "payment-rate-limit": ("buffer-for-slow-consumer", "fan-out-to-many", "content-based-routing"),
    "new-teams-subscribe": ("fan-out-to-many", "ordering-per-key", "per-message-retry"),
    "route-by-country": ("content-based-routing", "buffer-for-slow-consumer", "ordering-per-key"),
    "ledger-in-order": ("ordering-per-key", "content-based-routing", "aws-or-saas-source"),
    "resize-with-retries": ("per-message-retry", "fan-out-to-many", "aws-or-saas-source"),
    "instance-stopped": ("aws-or-saas-source", "per-message-retry", "ordering-per-key"),
}


def show_scenarios() -> None:
    """Print each scenario with the constraints to weigh, then what each constraint means."""
    for scenario_id, description in SCENARIOS.items():
        print(f"{scenario_id}:\n    {description}\n    weigh: {', '.join(WEIGH[scenario_id])}\n")
    print("constraints:")
    for word, meaning in REASONS.items():
        if any(word in shown for shown in WEIGH.values()):
            print(f"    {word:26} {meaning}")


def check_choices_form(choices: Any) -> None:
    """Check every scenario has a service ("sqs" or "eventbridge") and a non-empty list of the constraints it shows."""
    if not isinstance(choices, Mapping) or set(choices) != set(SCENARIOS):
        have = sorted(choices) if isinstance(choices, Mapping) else type(choices).__name__
        raise CheckFailed(f"choices should be a dict with one entry per scenario, {sorted(SCENARIOS)}; "
                          f"it has {have}.")
    for scenario_id, answer in choices.items():
        if not isinstance(answer, Mapping) or answer.get("service") not in SERVICES:
            raise CheckFailed(f'{scenario_id}: set "service" to "sqs" or "eventbridge"; the answer is {answer!r}.')
        named = answer.get("constraints")
        if (not isinstance(named, list | tuple) or not named
                or not all(isinstance(word, str) and word in WEIGH[scenario_id] for word in named)):
            raise CheckFailed(f'{scenario_id}: "constraints" should list the constraints that drive your choice, '
                              f"from those the scenario shows ({', '.join(WEIGH[scenario_id])}); it is {named!r}.")


def check_choices(choices: Any, part: str) -> None:
    """Grade the "service" of every scenario; the message explains each one missed."""
    if part != "service":
        raise ValueError(f'part is "service" (constraints are graded by check_constraint_calls), not {part!r}')
    answers = answer_key().scenarios
    check_choices_form(choices)
    wrong = [scenario_id for scenario_id, right in answers.items() if choices[scenario_id][part] != right[part]]
    if wrong:
        lines = [f"- {s}: the deciding constraint is {answers[s]['reason']} ({REASONS[answers[s]['reason']]}), "
                 f"so {answers[s]['service']}. {answers[s]['why']}" for s in wrong]
        raise CheckFailed(f"{len(wrong)} of {len(SCENARIOS)} scenarios have the wrong {part}:\n" + "\n".join(lines))


def constraint_calls(choices: Any, constraint: str) -> dict[str, tuple[bool, str]]:
    """For each scenario that shows `constraint`: whether the answer's call on it is right, and why.

    Right means named where it decides the scenario and left out where it does not bear on it.
    """
    if constraint not in REASONS:
        raise ValueError(f"{constraint!r} is not one of the constraints ({', '.join(REASONS)})")
    answers = answer_key().scenarios
    check_choices_form(choices)
    calls = {}
    for scenario_id, shown in WEIGH.items():
        if constraint in shown:
            deciding = answers[scenario_id]["reason"] == constraint
            named = constraint in choices[scenario_id]["constraints"]
            calls[scenario_id] = (deciding == named, _call_note(constraint, deciding, named, answers[scenario_id]))
    return calls


def _call_note(constraint: str, deciding: bool, named: bool, answer: Mapping[str, str]) -> str:
    """What a learner reads about one call on one constraint in one scenario."""
    if deciding and named:
        return f"{constraint} drives this choice, as you said."
    if deciding:
        return f"{constraint} drives this choice ({REASONS[constraint]}), but you left it out. {answer['why']}"
    if named:
        return f"{constraint} ({REASONS[constraint]}) does not bear on this scenario, but you named it."
    return f"{constraint} does not bear on this scenario, and you left it out."


def check_constraint_calls(choices: Any, constraint: str) -> None:
    """Check the call on one constraint in every scenario that shows it; the message explains each one."""
    calls = constraint_calls(choices, constraint)
    if not all(right for right, _ in calls.values()):
        lines = [f"- {scenario_id}: {'right' if right else 'wrong'}. {note}"
                 for scenario_id, (right, note) in calls.items()]
        raise CheckFailed(f"Your calls on {constraint}:\n" + "\n".join(lines))
