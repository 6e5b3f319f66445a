"""Traffic shapes: their averages and scaling, checked by hand."""

import pytest

from lambda_course.model import Prices, Workload, concurrency, diurnal, per_month, series, spike, steady


def test_diurnal_day_averages_peak_and_trough():
    """A cosine day from 20 to 200 req/s averages (20 + 200) / 2 = 110 req/s and peaks at 200 at 14:00."""
    day = diurnal(peak_rps=200, trough_rps=20, step_s=60)
    assert len(day.rps) == 24 * 60
    assert day.mean == pytest.approx(110)
    assert day.peak == pytest.approx(200) and day.rps[14 * 60] == pytest.approx(200)


def test_spike_shape_and_scaling_to_a_mean():
    """100 s at 1 req/s with 10 s at 91: mean (90 x 1 + 10 x 91) / 100 = 10; at mean 20 the spike is 182."""
    shape = spike(1, 91, at_s=50, length_s=10, total_s=100, step_s=1)
    assert shape.mean == pytest.approx(10)
    scaled = Workload(shape).at_mean_rate(20)
    assert scaled.rate.mean == pytest.approx(20) and scaled.rate.peak == pytest.approx(182)


def test_concurrency_is_rate_times_duration():
    """Little's law: 50 req/s x 0.3 s = 15 requests in flight."""
    assert Workload(steady(50), duration_ms=300).concurrency[0] == pytest.approx(15)


def test_invalid_inputs_are_refused():
    """Negative rates, unknown API types and zero durations are refused."""
    with pytest.raises(ValueError):
        series([1, -1], step_s=1)
    with pytest.raises(ValueError):
        Workload(steady(1), api="websocket")
    with pytest.raises(ValueError):
        Workload(steady(1), duration_ms=0)


def test_littles_law_for_numbers_and_arrays():
    """300 req/s x 0.2 s = 60 in flight; element by element for arrays; negative inputs are refused."""
    assert concurrency(300, 0.2) == pytest.approx(60)
    assert list(concurrency([10, 20], 0.5)) == [5, 10]
    with pytest.raises(ValueError):
        concurrency(-1, 1)


def test_per_month_spreads_requests_over_the_billing_month():
    """2,628,000 requests over 730 h x 3,600 s is exactly one request per second."""
    rate = per_month(2_628_000)
    assert rate.mean == pytest.approx(1.0)
    assert rate.mean * Prices.from_facts().seconds_per_month == pytest.approx(2_628_000)
