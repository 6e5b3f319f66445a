"""Map, Parallel, Choice, Wait and Pass states, with Lambda tasks running the real handlers.

Pages: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-states.html,
https://docs.aws.amazon.com/step-functions/latest/dg/state-map.html,
https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html,
https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html,
https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import boto3
from sfn_support import function, history, machine, seconds_between, start, types

PRICE = "def handler(event, context):\n    return {'sku': event['sku'], 'total': event['qty'] * 5}\n"


def test_map_runs_the_function_once_per_item_and_keeps_their_order(sb, unique):
    price = function(f"price-{unique}", PRICE)
    arn = start(machine(f"map-{unique}", {
        "StartAt": "PriceEach", "States": {"PriceEach": {
            "Type": "Map", "ItemsPath": "$.lines", "MaxConcurrency": 2, "ResultPath": "$.priced", "End": True,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Price",
                              "States": {"Price": {"Type": "Task", "Resource": price, "End": True}}}}}}),
        {"lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}, {"sku": "c", "qty": 3}]})
    result = sb.wait_for_execution(arn)
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output or "")["priced"] == [
        {"sku": "a", "total": 5}, {"sku": "b", "total": 10}, {"sku": "c", "total": 15}]
    seen = types(arn)
    assert seen.count("LambdaFunctionSucceeded") == 3 and seen.count("MapIterationSucceeded") == 3
    assert "MapStateStarted" in seen and seen[-2] == "MapStateExited"
    started = next(event for event in history(arn) if event["type"] == "MapStateStarted")
    assert started["mapStateStartedEventDetails"]["length"] == 3


def test_a_failing_item_fails_the_map(sb, unique):
    price = function(f"price-{unique}", PRICE)
    arn = start(machine(f"map-fail-{unique}", {
        "StartAt": "PriceEach", "States": {"PriceEach": {
            "Type": "Map", "ItemsPath": "$.lines", "End": True,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Price",
                              "States": {"Price": {"Type": "Task", "Resource": price, "End": True}}}}}}),
        {"lines": [{"sku": "a", "qty": 1}, {"sku": "b"}]})  # no qty: the handler raises KeyError
    result = sb.wait_for_execution(arn)
    assert result.status == "FAILED" and result.error == "KeyError"
    assert "MapIterationFailed" in types(arn)


def test_parallel_runs_every_branch_and_returns_their_outputs_in_branch_order(sb, unique):
    price = function(f"price-{unique}", PRICE)
    label = function(f"label-{unique}", "def handler(event, context):\n    return 'label:' + event['sku']\n")
    arn = start(machine(f"parallel-{unique}", {
        "StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Price", "States": {"Price": {"Type": "Task", "Resource": price, "End": True}}},
            {"StartAt": "Label", "States": {"Label": {"Type": "Task", "Resource": label, "End": True}}}]}}}),
        {"sku": "z", "qty": 4})
    result = sb.wait_for_execution(arn)
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output or "") == [{"sku": "z", "total": 20}, "label:z"]
    assert {"ParallelStateEntered", "ParallelStateSucceeded", "ParallelStateExited"} <= set(types(arn))


def test_a_failing_branch_fails_the_parallel_state(sb, unique):
    price = function(f"price-{unique}", PRICE)
    arn = start(machine(f"parallel-fail-{unique}", {
        "StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Price", "States": {"Price": {"Type": "Task", "Resource": price, "End": True}}},
            {"StartAt": "Stop", "States": {"Stop": {"Type": "Fail", "Error": "Stopped", "Cause": "no"}}}]}}}),
        {"sku": "z", "qty": 4})
    result = sb.wait_for_execution(arn)
    assert result.status == "FAILED" and result.error == "Stopped"
    assert "ParallelStateFailed" in types(arn)


def _choice_machine(unique: str, default: bool) -> str:
    choice = {"Type": "Choice", "Choices": [
        {"Variable": "$.total", "NumericGreaterThan": 100, "Next": "Big"},
        {"And": [{"Variable": "$.total", "NumericLessThanEquals": 100}, {"Variable": "$.vip", "BooleanEquals": True}],
         "Next": "Vip"}]}
    if default:
        choice["Default"] = "Small"
    return machine(f"choice-{unique}-{default}", {"StartAt": "Route", "States": {
        "Route": choice,
        "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.route", "End": True},
        "Vip": {"Type": "Pass", "Result": "vip", "ResultPath": "$.route", "End": True},
        "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.route", "End": True}}})


def test_choice_takes_the_first_matching_rule_or_the_default(sb, unique):
    routed = _choice_machine(unique, default=True)
    for payload, route in (({"total": 250, "vip": True}, "big"), ({"total": 50, "vip": True}, "vip"),
                           ({"total": 50, "vip": False}, "small")):
        result = sb.wait_for_execution(start(routed, payload))
        assert result.status == "SUCCEEDED" and json.loads(result.output or "")["route"] == route


def test_choice_without_a_match_or_default_fails_with_no_choice_matched(sb, unique):
    arn = start(_choice_machine(unique, default=False), {"total": 50, "vip": False})
    result = sb.wait_for_execution(arn)
    assert result.status == "FAILED" and result.error == "States.NoChoiceMatched"
    assert types(arn)[-1] == "ExecutionFailed"


def test_wait_of_an_hour_ends_when_the_clock_moves_an_hour(sb, unique):
    arn = start(machine(f"wait-{unique}", {"StartAt": "Later", "States": {
        "Later": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": {"done": True}, "End": True}}}))
    time.sleep(1)
    assert boto3.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"
    sb.clock.advance(3600)
    result = sb.wait_for_execution(arn, timeout=10)
    assert result.status == "SUCCEEDED" and json.loads(result.output or "") == {"done": True}
    events = {event["type"]: event for event in history(arn)}
    assert seconds_between(events["WaitStateEntered"], events["WaitStateExited"]) >= 3600


def test_wait_until_a_timestamp_counts_from_the_sandbox_clock(sb, unique):
    due = datetime.fromtimestamp(sb.clock.now() + 1800, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    arn = start(machine(f"until-{unique}", {"StartAt": "Until", "States": {
        "Until": {"Type": "Wait", "TimestampPath": "$.due", "End": True}}}), {"due": due})
    time.sleep(1)
    assert boto3.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"
    sb.clock.advance(1800)
    assert sb.wait_for_execution(arn, timeout=10).status == "SUCCEEDED"
