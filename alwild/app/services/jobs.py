"""Durable retrain jobs: asked for by the web process (a label that closes a round, the
Retrain button), claimed with a lease by a worker, finished inside the transaction that
registers the model, or failed with a sentence.

A claim takes the oldest due job: a pending one, or a running one whose lease ran out
(its worker died). On PostgreSQL the claim is ``SELECT ... FOR UPDATE SKIP LOCKED``, so
several workers never take the same job; on SQLite it is a conditional UPDATE inside an
IMMEDIATE transaction. A project is trained by one worker at a time.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from alwild.app.store.orm import Job, now
from alwild.app.store.workspace import Workspace
from alwild.errors import UserError

__all__ = ["LEASE_SECONDS", "MAX_ATTEMPTS", "LeaseLost", "Claimed", "request_job",
           "train_status", "claim_job", "heartbeat", "finish_job", "fail_job",
           "failure_sentence", "latest_pending"]

LEASE_SECONDS = 60.0
MAX_ATTEMPTS = 3


class LeaseLost(RuntimeError):
    """The job is no longer this worker's (its lease ran out and another took it)."""


@dataclass(frozen=True)
class Claimed:
    """A job this worker holds: which one, for which project, under which owner name."""

    id: int
    project_id: int
    owner: str
    attempts: int


def request_job(db: Session, project_id: int) -> None:
    """Ask for a retrain of ``project_id`` in ``db``'s transaction; adds nothing when one
    is already pending (the partial unique index decides, also between processes).

    >>> request_job(db, project.id)  # in a transaction  # doctest: +SKIP
    """
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.execute(insert(Job).values(project_id=project_id, kind="retrain", state="pending",
                                  requested_at=now()).on_conflict_do_nothing())


def train_status(db: Session, project_id: int) -> tuple[str, str | None]:
    """What the pages show: ``("training", None)``, ``("pending", None)``,
    ``("failed", sentence)`` or ``("idle", None)``, read from the job table."""
    t = now()
    recent = db.execute(select(Job.state, Job.lease_expires, Job.error)
                        .where(Job.project_id == project_id)
                        .order_by(Job.id.desc()).limit(3)).all()
    if any(r.state == "running" and r.lease_expires >= t for r in recent):
        return "training", None
    if any(r.state in ("pending", "running") for r in recent):
        return "pending", None
    if recent and recent[0].state == "failed":
        return "failed", recent[0].error
    return "idle", None


def latest_pending(db: Session, project_id: int) -> int | None:
    """The id of the newest job of ``project_id`` that is not finished yet."""
    return db.scalar(select(func.max(Job.id)).where(Job.project_id == project_id,
                                                    Job.state.in_(("pending", "running"))))


def _due(t: float):
    return or_(Job.state == "pending", and_(Job.state == "running", Job.lease_expires < t))


def _give_up_on_lost(db: Session, t: float) -> None:
    """Jobs whose worker died ``MAX_ATTEMPTS`` times are failed rather than retried."""
    db.execute(update(Job).where(Job.state == "running", Job.lease_expires < t,
                                 Job.attempts >= MAX_ATTEMPTS)
               .values(state="failed", finished_at=t,
                       error=f"the training worker stopped {MAX_ATTEMPTS} times while "
                             "training this model (killed, or out of memory?)")
               .execution_options(synchronize_session=False))


def claim_job(ws: Workspace, owner: str, lease: float = LEASE_SECONDS,
              project_id: int | None = None, exclude: Collection[int] = ()
              ) -> Claimed | None:
    """Take the oldest due job (of ``project_id`` if given, of none of the projects in
    ``exclude``) for ``owner`` for ``lease`` seconds; None when there is none (or another
    worker trains that project now)."""
    t = now()
    other = aliased(Job)
    busy = exists().where(other.project_id == Job.project_id, other.state == "running",
                          other.lease_expires >= t)
    query = (select(Job.id).where(_due(t), ~busy).order_by(Job.requested_at, Job.id).limit(1))
    if project_id is not None:
        query = query.where(Job.project_id == project_id)
    if exclude:
        query = query.where(Job.project_id.not_in(list(exclude)))
    if ws.is_postgres:
        query = query.with_for_update(skip_locked=True, of=Job)
    with ws.session() as db, db.begin():
        _give_up_on_lost(db, t)
        job_id = db.scalar(query)
        if job_id is None:
            return None
        taken = db.execute(update(Job).where(Job.id == job_id, _due(t))
                           .values(state="running", owner=owner, claimed_at=t,
                                   heartbeat_at=t, lease_expires=t + lease,
                                   attempts=Job.attempts + 1)
                           .execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            return None
        row = db.execute(select(Job.project_id, Job.attempts).where(Job.id == job_id)).one()
    return Claimed(job_id, row.project_id, owner, row.attempts)


def _mine(job: Claimed):
    return and_(Job.id == job.id, Job.owner == job.owner, Job.state == "running")


def heartbeat(ws: Workspace, job: Claimed, lease: float = LEASE_SECONDS) -> bool:
    """Extend ``job``'s lease; False when it is no longer this worker's."""
    t = now()
    with ws.lease_session() as db, db.begin():
        return db.execute(update(Job).where(_mine(job))
                          .values(heartbeat_at=t, lease_expires=t + lease)
                          .execution_options(synchronize_session=False)).rowcount == 1


def finish_job(db: Session, job: Claimed, result: dict) -> None:
    """Mark ``job`` done in ``db``'s transaction (the one that registers the model); raises
    LeaseLost, which rolls the registration back, if the job is no longer ours."""
    done = db.execute(update(Job).where(_mine(job))
                      .values(state="done", finished_at=now(), result=result, error=None)
                      .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise LeaseLost(f"job {job.id} is no longer held by {job.owner}")


def fail_job(ws: Workspace, job: Claimed, sentence: str) -> None:
    """Record that ``job`` failed, with the sentence the pages show."""
    with ws.session() as db, db.begin():
        db.execute(update(Job).where(_mine(job))
                   .values(state="failed", finished_at=now(), error=sentence[:1000])
                   .execution_options(synchronize_session=False))


def failure_sentence(err: BaseException) -> str:
    """A sentence for a failed retrain: the user's own mistake as it was said, a database
    refusal without its SQL, anything else by its kind and first line.

    >>> failure_sentence(ValueError("bad shape\\n  more detail"))
    'ValueError: bad shape'
    """
    if isinstance(err, UserError):
        return str(err)
    if isinstance(err, DBAPIError):
        reason = str(err.orig).strip().splitlines()[0] if err.orig else type(err).__name__
        return f"the database refused to store the new model ({reason})"
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__
