"""BudgetManager: the budget is never exceeded, over any sequence of decisions."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alwild.stream import BudgetManager

caps = st.one_of(st.none(), st.integers(0, 30))


def naive_fits(granted, times, t, now, share, window, max_total, per_hour, per_day):
    """Independent re-computation: would a label at decision t fit every cap?"""
    horizon = min(t + 1, window)
    in_window = sum(granted[t + 1 - horizon : t])
    if in_window + 1 > share * horizon + 1e-9:
        return False
    if max_total is not None and sum(granted) + 1 > max_total:
        return False
    given_times = [ts for ts, g in zip(times, granted, strict=True) if g]
    if per_hour is not None and sum(ts > now - 3600 for ts in given_times) + 1 > per_hour:
        return False
    return per_day is None or sum(ts > now - 86400 for ts in given_times) + 1 <= per_day


@settings(max_examples=150, deadline=None)
@given(
    share=st.one_of(st.sampled_from([0.1, 0.5, 1.0]), st.floats(0.01, 1.0)),
    window=st.integers(1, 25),
    max_total=caps,
    per_hour=caps,
    per_day=caps,
    steps=st.lists(
        st.tuples(
            st.booleans() | st.just(True),
            st.sampled_from([0.0, 600.0, 3600.0, 86400.0]) | st.floats(0, 5000),
        ),
        min_size=10,
        max_size=120,
    ),
)
def test_budget_never_exceeded_and_never_refuses_a_fitting_label(
    share, window, max_total, per_hour, per_day, steps
):
    b = BudgetManager(share, window, max_total, per_hour, per_day)
    granted, times, now = [], [], 0.0
    for t, (wants, dt) in enumerate(steps):
        now += dt
        expected = wants and naive_fits(
            granted, times, t, now, share, window, max_total, per_hour, per_day
        )
        assert b.available(now) == naive_fits(
            granted, times, t, now, share, window, max_total, per_hour, per_day
        )
        assert b.allow(wants, now) == expected
        granted.append(expected)
        times.append(now)
        horizon = min(t + 1, window)
        assert sum(granted[t + 1 - horizon :]) <= share * horizon + 1e-9
        assert b.spent == sum(granted) and b.seen == t + 1
        assert b.spent_in_window == sum(granted[-window:])
    if max_total is not None:
        assert b.spent <= max_total and b.remaining == max_total - b.spent
    stamps = np.array([ts for ts, g in zip(times, granted, strict=True) if g])
    for ts in stamps:  # every sliding hour / day, ending at a grant, stays within its cap
        if per_hour is not None:
            assert np.sum((stamps > ts - 3600) & (stamps <= ts)) <= per_hour
        if per_day is not None:
            assert np.sum((stamps > ts - 86400) & (stamps <= ts)) <= per_day


def test_share_is_spent_at_the_promised_rate_not_early():
    b = BudgetManager(share=0.1, window=100)
    decisions = [b.allow(True, now=0.0) for _ in range(1000)]
    assert sum(decisions[:9]) == 0  # the first label fits only after 10 items
    assert sum(decisions) == 100
    assert b.used_share == pytest.approx(0.1)


def test_unused_budget_is_carried_within_the_window_only():
    b = BudgetManager(share=0.5, window=10)
    for _ in range(10):
        b.allow(False, now=0.0)
    burst = [b.allow(True, now=0.0) for _ in range(10)]
    assert sum(burst) == 5  # a full window later, the quiet half-window is forgotten


@pytest.mark.parametrize("share", [0, -0.1, 1.5, math.nan, "lots"])
def test_share_outside_unit_interval_is_a_clear_error(share):
    with pytest.raises(ValueError, match="share must be"):
        BudgetManager(share=share)


@pytest.mark.parametrize("kw", [{"window": 0}, {"max_total": -1}, {"max_per_hour": 2.5}])
def test_bad_caps_are_clear_errors(kw):
    with pytest.raises(ValueError):
        BudgetManager(0.1, **kw)


def test_time_going_backwards_is_an_error():
    b = BudgetManager(1.0)
    b.allow(True, now=100.0)
    with pytest.raises(ValueError, match="backwards"):
        b.allow(True, now=50.0)


def test_default_clock_is_used_when_now_is_omitted():
    b = BudgetManager(1.0, max_per_hour=2)
    assert [b.allow(True) for _ in range(3)] == [True, True, False]
