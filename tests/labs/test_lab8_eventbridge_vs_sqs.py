"""Lab 8 graded end to end (solution, stub, a consumer that raises on a bad order), and its check functions."""

from __future__ import annotations

import json

import labtesting
import nbformat
import pytest
from lab_contract import LabContract, autograded_points, with_sources

from lambda_course.checks import CheckFailed
from lambda_course.labchecks import routing
from lambda_course.labs import lab
from localaws.eventbridge.patterns import matches

# One worker grades this module's batch once; split across workers, each would grade it again.
pytestmark = pytest.mark.xdist_group("lab8_eventbridge_vs_sqs")

FAN_OUT_FOR_THE_RATE_LIMIT = '''
choices = {
    "payment-rate-limit": {"service": "sqs", "constraints": ["fan-out-to-many"]},
    "new-teams-subscribe": {"service": "eventbridge", "constraints": ["fan-out-to-many"]},
    "route-by-country": {"service": "eventbridge", "constraints": ["content-based-routing"]},
    "ledger-in-order": {"service": "sqs", "constraints": ["ordering-per-key"]},
    "resize-with-retries": {"service": "sqs", "constraints": ["per-message-retry"]},
    "instance-stopped": {"service": "eventbridge", "constraints": ["aws-or-saas-source"]},
}
'''
RAISING_CONSUMER = '''
def consumer_handler(event, context):
    """Fulfil each order; the first bad one fails the whole batch."""
    for record in event["Records"]:
        fulfil(json.loads(record["body"]))
    return {"batchItemFailures": []}
'''


class TestGrading(LabContract):
    LAB, POINTS = lab("lab8-eventbridge-vs-sqs"), 16
    RELEASED_TEXT_OMITS = ('"prefix": "payment-"', '["buffer-for-slow-consumer"]', "Rubric")

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: the solution, except a consumer that lets a bad order's error escape; dee: the right services, with
        the rate limit's constraint swapped for fan-out."""
        return {"cy": with_sources(labtesting.solution(cls.LAB), {"q5-answer": RAISING_CONSUMER}),
                "dee": with_sources(labtesting.solution(cls.LAB), {"q7-answer": FAN_OUT_FOR_THE_RATE_LIMIT})}

    def test_a_wrong_constraint_costs_its_two_calls_only_and_says_why(self, batch):
        assert batch.score("dee", "q7-tests-fan-out-to-many") == 0
        assert batch.score("dee", "q7-tests-buffer-for-slow-consumer") == 0
        assert batch.score("dee", "q7-tests-service") == 1
        assert batch.score("dee") == autograded_points(self.LAB) - 1
        page = batch.feedback("dee")
        assert "does not bear on this scenario, but you named it" in page and "but you left it out" in page

    def test_a_consumer_that_raises_loses_part_b_and_says_why(self, batch):
        assert batch.score("cy", "q5-tests") == 0 and batch.score("cy", "q6-tests") == 0
        assert batch.score("cy") == autograded_points(self.LAB) - 4
        page = batch.feedback("cy")
        assert "whole batch" in page and "batchItemFailures" in page


# --- the check functions ------------------------------------------------------------------------------------

RIGHT = {
    "fraud-review": {"source": ["shop"], "detail-type": ["OrderPlaced"],
                     "detail": {"total": [{"numeric": [">=", routing.FRAUD_THRESHOLD]}]}},
    "eu-fulfilment": {"source": ["shop"], "detail-type": ["OrderPlaced"],
                      "detail": {"country": list(routing.EU_COUNTRIES)}},
    "payment-ops": {"source": ["shop"], "detail-type": ["OrderCancelled"],
                    "detail": {"reason": [{"prefix": "payment-"}]}},
}


def _placed(event):
    """An order placed in the shop itself."""
    return event["source"] == routing.SOURCE and event["detail-type"] == "OrderPlaced"


def _number(value):
    """A JSON number (a string or a boolean is not one)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


# Each rule as question 1 to 3 words it, in plain Python and independent of any pattern: the answer key's routes
# must agree with them.
AS_WORDED = {
    "fraud-review": lambda e: (_placed(e) and _number(e["detail"].get("total"))
                               and e["detail"]["total"] >= routing.FRAUD_THRESHOLD),
    "eu-fulfilment": lambda e: _placed(e) and e["detail"].get("country") in routing.EU_COUNTRIES,
    "payment-ops": lambda e: (e["source"] == routing.SOURCE and e["detail-type"] == "OrderCancelled"
                              and isinstance(e["detail"].get("reason"), str)
                              and e["detail"]["reason"].startswith("payment-")),
}


def test_the_answer_keys_routes_follow_the_rules_as_the_questions_word_them():
    key = routing.answer_key()
    assert set(AS_WORDED) == set(routing.RULES) == set(RIGHT)
    assert key.hidden_events[: len(routing.VISIBLE_EVENTS)] == routing.VISIBLE_EVENTS
    for event in key.hidden_events:
        want = {rule for rule, applies in AS_WORDED.items() if applies(event)}
        assert set(key.routes[event["detail"]["order_id"]]) == want, event


@pytest.mark.parametrize("rule", list(RIGHT))
def test_the_hidden_events_agree_with_the_real_matcher_for_a_right_pattern(rule):
    routing.check_pattern(rule, RIGHT[rule], hidden=True)
    assert routing.expected_ids(rule, routing.hidden_events())  # every rule has events to deliver


@pytest.mark.parametrize("rule", list(RIGHT))
def test_the_hidden_events_have_traps_the_visible_ones_lack(rule):
    trap_kinds = {"fraud-review": [{"numeric": [">", routing.FRAUD_THRESHOLD]}],
                  "eu-fulfilment": list(routing.EU_COUNTRIES)}
    pattern = json.loads(json.dumps(RIGHT[rule]))
    if rule == "fraud-review":
        pattern["detail"]["total"] = trap_kinds[rule]  # strictly greater: misses exactly the threshold
    elif rule == "eu-fulfilment":
        del pattern["source"]  # also takes a test shop's look-alike events
    else:
        pattern["detail"]["reason"] = [{"equals-ignore-case": "payment-declined"}]
    routing.check_pattern(rule, pattern)
    with pytest.raises(CheckFailed, match="wrongly"):
        routing.check_pattern(rule, pattern, hidden=True)


def test_a_pattern_the_service_refuses_is_explained():
    with pytest.raises(CheckFailed, match="would refuse"):
        routing.check_pattern("payment-ops", {"detail": {"reason": {"prefix": "payment-"}}})


def test_a_string_total_is_not_a_big_order_for_either_the_rule_or_the_matcher():
    key = routing.answer_key()
    string_total = next(e for e in key.hidden_events if isinstance(e["detail"].get("total"), str))
    assert not key.delivers("fraud-review", string_total)
    assert not matches(RIGHT["fraud-review"], string_total)


def test_choices_feedback_names_the_deciding_reason():
    key = routing.answer_key().scenarios
    right = {s: {"service": v["service"], "constraints": [v["reason"]]} for s, v in key.items()}
    routing.check_choices(right, "service")
    for constraint in {word for words in routing.WEIGH.values() for word in words}:
        routing.check_constraint_calls(right, constraint)
    wrong = {**right, "payment-rate-limit": {"service": "eventbridge", "constraints": ["content-based-routing"]}}
    with pytest.raises(CheckFailed, match="buffer-for-slow-consumer") as raised:
        routing.check_choices(wrong, "service")
    assert "1 of 6" in str(raised.value)
    with pytest.raises(CheckFailed, match="shows"):
        routing.check_choices_form({**right, "ledger-in-order": {"service": "sqs", "constraints": ["cheap"]}})
    with pytest.raises(CheckFailed, match="shows"):
        routing.check_choices_form({**right, "ledger-in-order": {"service": "sqs", "constraints": []}})


def test_each_constraint_is_graded_on_its_own_with_a_note_per_scenario():
    key = routing.answer_key().scenarios
    right = {s: {"service": v["service"], "constraints": [v["reason"]]} for s, v in key.items()}
    swapped = {**right, "payment-rate-limit": {"service": "sqs", "constraints": ["fan-out-to-many"]}}
    calls = routing.constraint_calls(swapped, "fan-out-to-many")
    assert {s: ok for s, (ok, _) in calls.items()} == {
        "payment-rate-limit": False, "new-teams-subscribe": True, "resize-with-retries": True}
    assert "does not bear on this scenario, but you named it" in calls["payment-rate-limit"][1]
    missed = routing.constraint_calls(swapped, "buffer-for-slow-consumer")
    assert not missed["payment-rate-limit"][0] and "but you left it out" in missed["payment-rate-limit"][1]
    assert key["payment-rate-limit"]["why"] in missed["payment-rate-limit"][1]
    routing.check_constraint_calls(swapped, "content-based-routing")  # untouched constraints still pass
    with pytest.raises(CheckFailed, match="payment-rate-limit: wrong"):
        routing.check_constraint_calls(swapped, "fan-out-to-many")


def test_every_scenarios_deciding_constraint_is_among_those_it_shows():
    key = routing.answer_key().scenarios
    assert set(routing.WEIGH) == set(routing.SCENARIOS)
    assert all(key[s]["reason"] in shown and len(set(shown)) == len(shown) == 3 for s, shown in routing.WEIGH.items())


def test_the_local_consumer_check_tells_a_raising_handler_from_a_reporting_one(sb):
    routing.create_fulfilled_table()

    def reporting(event, context):
        failures = []
        for record in event["Records"]:
            body = json.loads(record["body"])
            try:
                quantity = body["quantity"]
                if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
                    raise ValueError(quantity)
                import boto3

                boto3.client("dynamodb").update_item(
                    TableName=routing.FULFILLED_TABLE, Key={"order_id": {"S": body["order_id"]}},
                    UpdateExpression="ADD times :one", ExpressionAttributeValues={":one": {"N": "1"}})
            except ValueError:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    routing.check_consumer_locally(reporting)

    def raising(event, context):
        raise ValueError("bad quantity")

    with pytest.raises(CheckFailed, match="whole batch"):
        routing.check_consumer_locally(raising)

    def reporting_all(event, context):
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}

    with pytest.raises(CheckFailed, match="did not fail"):
        routing.check_consumer_locally(reporting_all)
