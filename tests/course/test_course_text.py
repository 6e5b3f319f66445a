"""Facts written into prose: numbers, prices and durations come out the way people write them."""

import pytest

from lambda_course.chapters.text import duration, fmt, money, number, say
from localaws.facts import value


@pytest.mark.parametrize(("raw", "text"), [(1769, "1,769"), (0.0000166667, "0.0000166667"), (3.35, "3.35"),
                                           (10240.0, "10,240"), (0.2, "0.2"), (1000000, "1,000,000")])
def test_number_uses_separators_and_no_exponent(raw, text):
    assert number(raw) == text


@pytest.mark.parametrize(("raw", "text"), [(0.2, "$0.20"), (0.0000041667, "$0.0000041667"), (1, "$1.00"),
                                           (1234.5, "$1,234.50")])
def test_money_keeps_cents_and_small_digits(raw, text):
    assert money(raw) == text


@pytest.mark.parametrize(("seconds", "text"), [(60, "1 minute"), (120, "2 minutes"), (7200, "2 hours"),
                                               (90, "90 s"), (2.5, "2.5 s")])
def test_duration_picks_the_largest_whole_unit(seconds, text):
    assert duration(seconds) == text


def test_say_fills_fact_fields_with_each_format():
    text = say("{memory_per_vcpu_mb} | {memory_per_vcpu_mb:n} | {price_gb_second_x86:$} | {timeout_max_s:time}")
    parts = text.split(" | ")
    assert parts[0] == f"{number(value('memory_per_vcpu_mb'))} MB"
    assert parts[1] == number(value("memory_per_vcpu_mb"))
    assert parts[2].startswith("$0.0000")
    assert parts[3] == duration(value("timeout_max_s"))


def test_say_prefers_given_values_and_keeps_python_formats():
    assert say("{n:.1f} and {timeout_default_s:n}", n=2.345) == f"2.3 and {value('timeout_default_s')}"


def test_prices_and_percentages_read_naturally():
    assert fmt("price_requests_per_million").startswith("$")
    assert "per million requests" in fmt("price_requests_per_million")
    assert fmt("cold_start_share_percent").startswith(f"{value('cold_start_share_percent')}%")


def test_unknown_key_or_format_fails_loudly():
    with pytest.raises(KeyError):
        say("{no_such_fact}")
    with pytest.raises(ValueError):
        fmt("timeout_max_s", "weird")
