"""A label budget for a stream: a share over a sliding window, a hard total, and
per-hour / per-day caps.

The guarantee, checked before every label is granted (``t`` counts decisions, ``W`` is
``window``)::

    labels among the last min(t, W) decisions  <=  share * min(t, W)
    labels in total                            <=  max_total
    labels in the last hour / day              <=  max_per_hour / max_per_day

Because the share is measured over the decisions seen *so far* (until a full window
has passed), the budget can never be spent early: after 10 items at ``share=0.1`` at
most one label has been granted.

>>> b = BudgetManager(share=0.5, window=4)
>>> [b.allow(True, now=0.0) for _ in range(6)]
[False, True, False, True, False, True]
>>> b.spent, b.seen
(3, 6)
"""

from __future__ import annotations

import math
import time
from collections import deque

from alwild.errors import UserValueError

__all__ = ["BudgetManager"]

_HOUR = 3600.0
_DAY = 86400.0
_EPS = 1e-9


def _check_cap(name: str, value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not float(value).is_integer() or value < 0:
        raise UserValueError(f"{name} must be a non-negative whole number of labels or None, "
                         f"got {value!r}")
    return int(value)


class BudgetManager:
    """Decide, item by item, whether a wanted label fits the budget, and record it.

    ``share`` is the fraction of stream items that may be labelled, in (0, 1];
    ``window`` the number of most recent decisions it is measured over.
    ``max_total``, ``max_per_hour`` and ``max_per_day`` are optional hard caps on
    labels. ``now`` arguments are timestamps in seconds (default ``time.time()``).
    """

    def __init__(
        self,
        share: float = 0.1,
        window: int = 1000,
        max_total: int | None = None,
        max_per_hour: int | None = None,
        max_per_day: int | None = None,
    ) -> None:
        try:
            share = float(share)
        except (TypeError, ValueError):
            raise UserValueError(f"share must be a number in (0, 1], got {share!r}") from None
        if not (0.0 < share <= 1.0):
            raise UserValueError(
                f"share must be in (0, 1] (the fraction of stream items that may be "
                f"labelled, e.g. 0.1 for 10%), got {share}"
            )
        if isinstance(window, bool) or not float(window).is_integer() or window < 1:
            raise UserValueError(f"window must be a positive whole number of items, got {window!r}")
        self.share = share
        self.window = int(window)
        self.max_total = _check_cap("max_total", max_total)
        self.max_per_hour = _check_cap("max_per_hour", max_per_hour)
        self.max_per_day = _check_cap("max_per_day", max_per_day)
        self.seen = 0
        self.spent = 0
        self._recent: deque[bool] = deque(maxlen=self.window)
        self._in_window = 0
        self._hour: deque[float] = deque()
        self._day: deque[float] = deque()
        self._last_now = -math.inf

    def _clock(self, now: float | None) -> float:
        if now is None:
            return max(time.time(), self._last_now)  # a clock stepped back counts as "same time"
        now = float(now)
        if math.isnan(now):
            raise UserValueError("now must be a timestamp in seconds, got NaN")
        if now < self._last_now:
            raise UserValueError(
                f"timestamps must not go backwards: got now={now} after {self._last_now}; "
                "pass the stream's times in order"
            )
        return now

    def _expire(self, now: float) -> None:
        while self._hour and self._hour[0] <= now - _HOUR:
            self._hour.popleft()
        while self._day and self._day[0] <= now - _DAY:
            self._day.popleft()

    def _fits(self, now: float) -> bool:
        """Whether one more label, on the next decision at time ``now``, keeps every cap."""
        horizon = min(self.seen + 1, self.window)
        dropping = 1 if len(self._recent) == self.window and self._recent[0] else 0
        if self._in_window - dropping + 1 > self.share * horizon + _EPS:
            return False
        if self.max_total is not None and self.spent + 1 > self.max_total:
            return False
        self._expire(now)
        if self.max_per_hour is not None and len(self._hour) + 1 > self.max_per_hour:
            return False
        return self.max_per_day is None or len(self._day) + 1 <= self.max_per_day

    def available(self, now: float | None = None) -> bool:
        """Would a label on the next item be granted? Records nothing.

        >>> BudgetManager(share=1.0, max_total=0).available(now=0.0)
        False
        """
        return self._fits(self._clock(now))

    def allow(self, wants_label: bool, now: float | None = None) -> bool:
        """Record one stream item; grant its label if wanted and within budget.

        >>> b = BudgetManager(share=1.0, max_per_hour=1)
        >>> b.allow(True, now=0.0), b.allow(True, now=10.0), b.allow(True, now=3600.0)
        (True, False, True)
        """
        now = self._clock(now)
        return self._record(bool(wants_label) and self._fits(now), now)

    def record(self, granted: bool, now: float | None = None) -> bool:
        """Record a decision made before, as it was made (a replay after a restart): a
        granted label counts whether or not it would fit now.

        >>> b = BudgetManager(share=0.1, max_per_hour=1)
        >>> b.record(True, now=0.0), b.allow(True, now=1.0), b.spent
        (True, False, 1)
        """
        return self._record(bool(granted), self._clock(now))

    def _record(self, granted: bool, now: float) -> bool:
        if len(self._recent) == self.window and self._recent[0]:
            self._in_window -= 1
        self._recent.append(granted)
        self.seen += 1
        self._last_now = now
        if granted:
            self._in_window += 1
            self.spent += 1
            self._hour.append(now)
            self._day.append(now)
        return granted

    @property
    def remaining(self) -> int | None:
        """Labels left under ``max_total`` (None when there is no hard total)."""
        return None if self.max_total is None else self.max_total - self.spent

    @property
    def spent_in_window(self) -> int:
        """Labels granted among the last ``window`` decisions."""
        return self._in_window

    @property
    def used_share(self) -> float:
        """Labels granted per item seen so far (0 before the first item)."""
        return self.spent / self.seen if self.seen else 0.0

    def __repr__(self) -> str:
        return (f"BudgetManager(share={self.share}, window={self.window}, "
                f"max_total={self.max_total}, spent={self.spent}, seen={self.seen})")
