"""The background retraining thread: requests are queued and coalesced per project, so a
label submit only flips a flag and returns; training never runs inside a request."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from alwild.app.services.training import train_project
from alwild.app.store.workspace import Workspace

__all__ = ["RetrainWorker"]

log = logging.getLogger("alwild.app.worker")


class RetrainWorker:
    """One daemon thread that retrains projects one at a time.

    >>> # worker = RetrainWorker(ws); worker.start(); worker.request(project_id)
    """

    def __init__(self, ws: Workspace,
                 on_trained: Callable[[int], None] | None = None) -> None:
        """``on_trained(project_id)`` is called in the worker's thread after each retrain
        that succeeded."""
        self.ws = ws
        self.on_trained = on_trained
        self._pending: list[int] = []
        self._busy: int | None = None
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="alwild-retrain", daemon=True)
        self.runs = 0
        self.failures = 0

    def start(self) -> RetrainWorker:
        self._thread.start()
        return self

    def request(self, project_id: int) -> None:
        """Ask for a retrain of ``project_id`` (returns at once; repeated asks coalesce)."""
        with self._cond:
            if project_id not in self._pending:
                self._pending.append(project_id)
            self._cond.notify_all()

    def pending(self, project_id: int) -> bool:
        with self._cond:
            return project_id in self._pending or self._busy == project_id

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until nothing is queued or running (for tests and the CLI)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and self._busy is None,
                                       timeout)

    def stop(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._pending)
                if self._stop:
                    return
                self._busy = self._pending.pop(0)
            try:
                train_project(self.ws, self._busy)
                self.runs += 1
                if self.on_trained is not None:
                    self.on_trained(self._busy)
            except Exception:  # recorded in the project by train_project; keep serving
                self.failures += 1
                log.exception("retraining project %s failed", self._busy)
            finally:
                with self._cond:
                    self._busy = None
                    self._cond.notify_all()
