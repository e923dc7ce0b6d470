"""The training worker: claims retrain jobs from the database, trains while a heartbeat
keeps its lease, registers the model and marks the job done in one transaction. A thread
of its own decides the streamed items that the web process stored (see
:mod:`alwild.app.services.intake`), while jobs train.

It runs as its own process (``alwild worker``, started by ``alwild serve``) so that
training never shares an interpreter with the web requests; ``alwild train`` runs one
job through the same code. A worker killed mid-training leaves a job whose lease runs out;
the next worker claims it again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from alwild.app.services.intake import StreamDecider
from alwild.app.services.jobs import (
    LEASE_SECONDS,
    Claimed,
    LeaseLost,
    claim_job,
    fail_job,
    failure_sentence,
    finish_job,
    heartbeat,
    latest_pending,
    request_job,
    train_status,
)
from alwild.app.services.training import TEMP_PREFIX, TrainResult, train_project
from alwild.app.store.orm import Job
from alwild.app.store.workspace import Workspace
from alwild.errors import UserError

__all__ = ["Worker", "RetrainWorker", "TrainingFailed", "train_now", "worker_name"]

log = logging.getLogger("alwild.app.worker")
STALE_TEMP_SECONDS = 3600.0
TRANSIENT_TRIES = 3
STREAM_POLL = 0.1
REST_SHARE = 1.0  # after a retrain, a project rests this many times as long as it took


class TrainingFailed(UserError):
    """The retrain ran and failed; the message is the sentence the pages show."""


def worker_name() -> str:
    """``host:pid``, the owner name a worker's leases carry.

    >>> worker_name().endswith(f":{os.getpid()}")
    True
    """
    return f"{socket.gethostname()}:{os.getpid()}"


class _Background(ABC):
    """A daemon thread that runs :meth:`_loop` from the start of a ``with`` block until
    its end (``_stop`` is set then)."""

    name = "alwild-background"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)

    def __enter__(self) -> _Background:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @abstractmethod
    def _loop(self) -> None:
        """The thread's work, until ``self._stop`` is set."""


class _Heartbeat(_Background):
    """A thread that renews a job's lease every third of it while the job runs."""

    name = "alwild-heartbeat"

    def __init__(self, ws: Workspace, job: Claimed, lease: float) -> None:
        super().__init__()
        self.ws, self.job, self.lease = ws, job, lease

    def _loop(self) -> None:
        while not self._stop.wait(self.lease / 3):
            try:
                if not heartbeat(self.ws, self.job, self.lease):
                    log.warning("job %s: lease lost", self.job.id)
                    return
            except Exception:  # the database is away for a moment: try again next beat
                log.exception("job %s: heartbeat failed", self.job.id)


class _Deciding(_Background):
    """A thread that decides streamed items while the worker trains, so that neither
    waits for the other: a batch per project with pending items, then a look every
    ``poll`` seconds when none is left."""

    name = "alwild-stream"

    def __init__(self, decider: StreamDecider, poll: float) -> None:
        super().__init__()
        self.decider, self.poll = decider, poll

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                decided = self.decider.run_once()
            except Exception:  # the database is away for a moment: look again shortly
                log.exception("deciding streamed items failed; retrying")
                decided = 0
            if not decided:
                self._stop.wait(self.poll)


class Worker:
    """Claims and runs jobs of workspace ``ws`` under the name ``owner``.

    >>> Worker(ws).drain()  # run every due job now  # doctest: +SKIP
    2
    """

    def __init__(self, ws: Workspace, owner: str | None = None,
                 lease: float = LEASE_SECONDS, poll: float = 0.5,
                 on_done: Callable[[int], None] | None = None, streams: bool = True,
                 rest_share: float = REST_SHARE) -> None:
        """``on_done(project_id)`` is called after each job that registered its model;
        ``streams``: also decide streamed items (in a thread of :meth:`run_forever`).
        ``rest_share``: a project's next job waits ``rest_share`` times as long as its last
        one took (asks meanwhile coalesce into its one pending job), so that labels
        arriving faster than a model trains do not keep the worker registering back to
        back: each registration holds the database's write lock, which label saves wait
        for. At a person's pace, training is quicker than the labels it waits for, and the
        rest never delays a retrain."""
        self.ws, self.owner = ws, owner or worker_name()
        self.lease, self.poll, self.on_done = lease, poll, on_done
        self.rest_share = rest_share
        self.runs = self.failures = 0
        self._resting: dict[int, float] = {}  # project id -> monotonic end of its rest
        self.decider = StreamDecider(ws) if streams else None

    def run_once(self, project_id: int | None = None) -> Claimed | None:
        """Claim one due job (of ``project_id`` if given) and run it; None if none was due."""
        t = time.monotonic()
        self._resting = {p: end for p, end in self._resting.items() if end > t}
        job = claim_job(self.ws, self.owner, self.lease, project_id, exclude=self._resting)
        if job is not None:
            self._run(job)
            self._resting[job.project_id] = (time.monotonic()
                                             + self.rest_share * (time.monotonic() - t))
        return job

    def _run(self, job: Claimed) -> None:
        log.info("job %s: training project %s (attempt %s)", job.id, job.project_id,
                 job.attempts)
        with _Heartbeat(self.ws, job, self.lease):
            try:
                result = self._train(job)
                self.runs += 1
                log.info("job %s: %s, round %s opened (%.1f s)", job.id, result.model,
                         result.round_number, result.seconds)
                if self.on_done is not None:
                    self.on_done(job.project_id)
            except LeaseLost:
                log.warning("job %s was taken over by another worker; result dropped", job.id)
            except (OperationalError, InterfaceError):  # the database went away: not failed
                log.exception("job %s: database unreachable; retried after its lease", job.id)
            except Exception as err:
                self.failures += 1
                log.exception("job %s (project %s) failed", job.id, job.project_id)
                fail_job(self.ws, job, failure_sentence(err))

    def _train(self, job: Claimed) -> TrainResult:
        """Train for ``job``; a database hiccup (a deadlock victim, a dropped connection)
        is tried again at once, twice, before the job is left to its lease."""
        def once() -> TrainResult:
            return train_project(self.ws, job.project_id,
                                 lambda db, result: finish_job(db, job, result))

        for attempt in range(1, TRANSIENT_TRIES):
            try:
                return once()
            except (OperationalError, InterfaceError):
                log.warning("job %s: database error, trying again", job.id, exc_info=True)
                time.sleep(0.5 * attempt)
        return once()

    def drain(self) -> int:
        """Decide the pending streamed items, then run due jobs until none is left; how
        many jobs ran."""
        if self.decider is not None:
            self.decider.drain()
        n = 0
        while True:
            self._resting.clear()  # now, not after a rest
            if self.run_once() is None:
                return n
            n += 1

    def run_forever(self, stop: threading.Event | None = None,
                    parent_pid: int | None = None) -> None:
        """Poll for jobs until ``stop`` is set or the process ``parent_pid`` is gone."""
        stop = stop or threading.Event()
        self._remove_stale_temp_files()
        deciding = (nullcontext() if self.decider is None
                    else _Deciding(self.decider, min(self.poll, STREAM_POLL)))
        with deciding:
            while not stop.is_set() and (parent_pid is None or os.getppid() == parent_pid):
                try:
                    ran = self.run_once()
                except Exception:  # the database is away (restarting): wait and claim again
                    log.exception("claiming a job failed; retrying")
                    ran = None
                if ran is None:
                    stop.wait(self._idle_wait())

    def _idle_wait(self) -> float:
        """Seconds until the next look for jobs: the poll interval, or less when a
        project's rest ends sooner."""
        t = time.monotonic()
        return max(0.01, min([self.poll, *(end - t for end in self._resting.values())]))

    def _remove_stale_temp_files(self) -> None:
        """Model files of trainings that were killed before they were registered."""
        cutoff = time.time() - STALE_TEMP_SECONDS
        for path in Path(self.ws.models_root).glob(f"{TEMP_PREFIX}*"):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)


class RetrainWorker:
    """A :class:`Worker` in a thread of this process, for a program that is itself the
    trainer (the Label Studio ML backend): :meth:`request` asks for a job in the database,
    the thread runs due jobs (the same jobs, leases and registrar as ``alwild worker``).

    >>> RetrainWorker(ws, on_trained=print).start().request(project.id)  # doctest: +SKIP
    """

    def __init__(self, ws: Workspace, on_trained: Callable[[int], None] | None = None,
                 poll: float = 0.1) -> None:
        self.ws = ws
        self.worker = Worker(ws, poll=poll, on_done=on_trained, streams=False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.worker.run_forever, args=(self._stop,),
                                        name="alwild-retrain", daemon=True)

    def start(self) -> RetrainWorker:
        self._thread.start()
        return self

    def request(self, project_id: int) -> None:
        """Ask for a retrain of ``project_id`` (returns at once; asks coalesce)."""
        with self.ws.session() as db, db.begin():
            request_job(db, project_id)

    def pending(self, project_id: int) -> bool:
        """Whether a retrain of ``project_id`` waits or runs."""
        with self.ws.reader() as db:
            return train_status(db, project_id)[0] in ("pending", "training")

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no job of any project waits or runs (for tests and the CLI)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.ws.reader() as db:
                if db.scalar(select(Job.id).where(Job.state.in_(("pending", "running")))
                             .limit(1)) is None:
                    return True
            time.sleep(0.05)
        return False

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)


def train_now(ws: Workspace, project_id: int, poll: float = 0.5,
              timeout: float = 3600.0) -> TrainResult:
    """Ask for a retrain of ``project_id`` and wait for it, running it here unless a
    worker already does; the result, or TrainingFailed with the failure's sentence."""
    with ws.session() as db, db.begin():
        request_job(db, project_id)
    with ws.session() as db:
        wanted = latest_pending(db, project_id)
    worker = Worker(ws, owner=f"train:{worker_name()}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ws.session() as db:
            job = db.scalar(select(Job).where(Job.id == wanted))
        if job.state == "done":
            return TrainResult(**job.result)
        if job.state == "failed":
            raise TrainingFailed(f"retraining failed: {job.error}")
        if worker.run_once(project_id) is None:
            time.sleep(poll)
    raise TrainingFailed(f"the retrain job {wanted} did not finish within {timeout:.0f} s: "
                         "is a worker stuck on it? see `alwild worker` logs")
