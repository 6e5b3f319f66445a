"""One alarm evaluation: thresholds, M out of N, TreatMissingData, and the words CloudWatch uses.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html and
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html; the reason texts
follow what CloudWatch writes ("Insufficient Data: 5 datapoints were unknown.", as in the alarm event example of
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-actions-Lambda).
"""

from __future__ import annotations

import json

import pytest

from localaws.cloudwatch.evaluation import ALARM, INSUFFICIENT, OK, Point, Rule, evaluate

NOW = 1_765_000_000.0 // 60 * 60  # a whole minute


def _rule(treat: str = "missing", periods: int = 3, to_alarm: int = 3, operator: str = "GreaterThanOrEqualToThreshold",
          threshold: float = 1.0) -> Rule:
    return Rule("Sum", 60, periods, to_alarm, threshold, operator, treat)


def _points(*values: float | None) -> list[Point]:
    """Newest first, one a minute back from NOW."""
    return [Point(NOW - 60 * (i + 1), v, 1.0 if v is not None else 0.0) for i, v in enumerate(values)]


def test_alarm_when_enough_datapoints_breach():
    verdict = evaluate(_rule(), _points(2, 1, 5), NOW)
    assert verdict.state == ALARM
    assert verdict.reason.startswith("Threshold Crossed: 3 out of the last 3 datapoints [2.0 (")
    assert verdict.reason.endswith("were greater than or equal to the threshold (1.0) (minimum 3 datapoints for "
                                   "OK -> ALARM transition).")


def test_m_out_of_n():
    assert evaluate(_rule(to_alarm=2), _points(0, 3, 3), NOW).state == ALARM
    assert evaluate(_rule(to_alarm=2), _points(0, 0, 3), NOW).state == OK


@pytest.mark.parametrize(("operator", "value", "state"), [
    ("GreaterThanThreshold", 1.0, OK), ("GreaterThanThreshold", 1.5, ALARM),
    ("LessThanThreshold", 1.0, OK), ("LessThanThreshold", 0.5, ALARM),
    ("LessThanOrEqualToThreshold", 1.0, ALARM), ("GreaterThanOrEqualToThreshold", 1.0, ALARM),
])
def test_comparison_operators(operator, value, state):
    assert evaluate(_rule(periods=1, to_alarm=1, operator=operator), _points(value), NOW).state == state


def test_a_single_period_alarm_names_its_one_datapoint():
    verdict = evaluate(_rule(periods=1, to_alarm=1, operator="GreaterThanThreshold"), _points(0.5), NOW)
    assert verdict.state == OK
    assert verdict.reason.startswith("Threshold Crossed: 1 datapoint [0.5 (")
    assert verdict.reason.endswith(")] was not greater than the threshold (1.0).")


@pytest.mark.parametrize(("treat", "state"), [("missing", INSUFFICIENT), ("ignore", None), ("breaching", ALARM),
                                              ("notBreaching", OK)])
def test_treat_missing_data_when_every_datapoint_is_missing(treat, state):
    verdict = evaluate(_rule(treat), _points(None, None, None), NOW)
    assert verdict.state == state  # None: the alarm keeps whatever state it is in


def test_the_words_for_missing_data():
    assert evaluate(_rule("missing"), _points(None, None, None), NOW).reason == \
        "Insufficient Data: 3 datapoints were unknown."
    assert evaluate(_rule("breaching"), _points(None, None, None), NOW).reason == \
        "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as " \
        "[Breaching]."
    assert evaluate(_rule("notBreaching", periods=1, to_alarm=1), _points(None), NOW).reason == \
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as " \
        "[NonBreaching]."


def test_missing_points_count_as_the_treatment_says():
    assert evaluate(_rule("breaching"), _points(2, None, None), NOW).state == ALARM
    assert evaluate(_rule("notBreaching"), _points(2, None, None), NOW).state == OK
    assert evaluate(_rule("missing"), _points(2, None, None), NOW).state == OK  # too few to alarm, some present
    assert evaluate(_rule("missing", to_alarm=1), _points(None, 2, None), NOW).state == ALARM


def test_reason_data_lists_the_evaluated_datapoints():
    data = json.loads(evaluate(_rule(), _points(2, None, 4), NOW).reason_data)
    assert data["version"] == "1.0" and data["statistic"] == "Sum" and data["period"] == 60
    assert data["threshold"] == 1.0 and data["recentDatapoints"] == [4, 2]
    assert [sorted(point) for point in data["evaluatedDatapoints"]] == [
        ["sampleCount", "timestamp", "value"], ["timestamp"], ["sampleCount", "timestamp", "value"]]
    assert data["evaluatedDatapoints"][0]["timestamp"].endswith(":00.000+0000")
