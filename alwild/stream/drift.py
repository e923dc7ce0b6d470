"""Drift detection from the model's accuracy on the labels a stream brings in.

>>> d = RollingAccuracyDrift(window=4, min_drop=0.5)
>>> [d.update(ok) for ok in [True] * 4 + [False] * 4][-1]
True
"""

from __future__ import annotations

from collections import deque

from alwild.errors import UserValueError

__all__ = ["RollingAccuracyDrift"]


class RollingAccuracyDrift:
    """Flag drift when the accuracy on the last ``window`` labelled items falls at least
    ``min_drop`` below the accuracy on the ``window`` items before them.

    Feed it, for each newly labelled item, whether the model predicted it correctly
    *before* learning from it. After a detection the history restarts, so one change
    is reported once.
    """

    def __init__(self, window: int = 30, min_drop: float = 0.2) -> None:
        if isinstance(window, bool) or int(window) != window or window < 2:
            raise UserValueError(f"window must be a whole number >= 2, got {window!r}")
        if not 0.0 < min_drop <= 1.0:
            raise UserValueError(f"min_drop must be in (0, 1], got {min_drop}")
        self.window = int(window)
        self.min_drop = float(min_drop)
        self._outcomes: deque[bool] = deque(maxlen=2 * self.window)
        self.n_detections = 0

    @property
    def recent_accuracy(self) -> float | None:
        """Accuracy over the last ``window`` outcomes (None before any)."""
        recent = list(self._outcomes)[-self.window :]
        return sum(recent) / len(recent) if recent else None

    def update(self, correct: bool) -> bool:
        """Record one outcome; return True when a drift is detected now."""
        self._outcomes.append(bool(correct))
        if len(self._outcomes) < 2 * self.window:
            return False
        outcomes = list(self._outcomes)
        before = sum(outcomes[: self.window]) / self.window
        recent = sum(outcomes[self.window :]) / self.window
        if before - recent >= self.min_drop:
            self._outcomes.clear()
            self.n_detections += 1
            return True
        return False
