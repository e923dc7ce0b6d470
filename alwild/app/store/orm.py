"""The project store: SQLAlchemy 2 tables for users, their sessions and API tokens, failed
logins, projects, items, labels, query rounds and model versions. Works on SQLite (default)
and PostgreSQL.

Schema changes add tables and indexes: opening a workspace creates the missing ones, so an
older ``project.db`` keeps working. A column that is no longer written is named in
``RETIRED_COLUMNS`` and dropped on opening (nothing can read its stale values then)."""

from __future__ import annotations

import time

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base", "User", "ApiToken", "LoginSession", "LoginFailure", "Project", "Membership", "Item",
    "Label", "Skip", "QueryRound", "RoundItem", "ModelVersion", "ModelMetric", "SuggestionRow",
    "LabelAssist", "LabelStudioTask", "WatchedObject", "Job", "JOB_STATES", "StreamDecision",
    "RETIRED_COLUMNS",
]

ROLES = ("admin", "annotator")
TASKS = ("classify", "detect")
JOB_STATES = ("pending", "running", "done", "failed")
# (table, column) pairs older workspaces have and this version drops: the train state now
# comes from the job table (alwild.app.services.jobs.train_status)
RETIRED_COLUMNS = (("projects", "train_state"), ("projects", "train_error"))


def now() -> float:
    """Seconds since the epoch; every timestamp in the store uses it."""
    return time.time()


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="annotator")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[float] = mapped_column(Float, default=now)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[float] = mapped_column(Float, default=now)


class LoginSession(Base):
    """A logged-in browser. Its cookie holds a random token, the store only the token's
    hash; logging out, a password change or deactivation deletes the row."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(32))  # the session's CSRF tokens derive from it
    created_at: Mapped[float] = mapped_column(Float, default=now)
    expires_at: Mapped[float] = mapped_column(Float)


class LoginFailure(Base):
    """Recent failed logins of one account (``user:NAME``) or client address
    (``addr:IP``), and until when further tries are refused."""

    __tablename__ = "login_failures"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[float] = mapped_column(Float, default=now)
    locked_until: Mapped[float] = mapped_column(Float, default=0.0)


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    task: Mapped[str] = mapped_column(String(16), default="classify")
    labels: Mapped[list] = mapped_column(JSON)
    strategy: Mapped[str] = mapped_column(String(64), default="entropy")
    batch_size: Mapped[int] = mapped_column(Integer, default=20)
    retrain_every: Mapped[int] = mapped_column(Integer, default=20)
    budget: Mapped[int] = mapped_column(Integer, default=500)
    overlap: Mapped[int] = mapped_column(Integer, default=1)
    lease_seconds: Mapped[int] = mapped_column(Integer, default=300)
    stream_share: Mapped[float] = mapped_column(Float, default=0.1)
    stream_max_per_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stream_max_per_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changes_since_train: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float, default=now)


class Membership(Base):
    """Which annotators may work on which project (admins see every project)."""

    __tablename__ = "memberships"
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Item(Base):
    """One thing to label: a table row (``data``) or an image file (``media_path``)."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("project_id", "content_hash"),
        Index("ix_items_queue", "project_id", "queued", "queue_rank"),
        # a claim's walk to the first open item in rank order: with ``n_labels`` before the
        # rank it does not step over the round's labelled items (alwild.app.services.leases)
        Index("ix_items_open", "project_id", "queued", "n_labels", "queue_rank", "id"),
        Index("ix_items_lease_holder", "lease_user_id"),  # "the item I hold", per claim
        # streamed items the worker has not decided yet (alwild.app.services.intake)
        Index("ix_items_stream_pending", "project_id", "id",
              sqlite_where=text("source = 'stream' AND asked IS NULL"),
              postgresql_where=text("source = 'stream' AND asked IS NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # "row" or "image"
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    media_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # the old thumbnail features: no longer written (images learn on backbone embeddings),
    # the column stays because the schema only ever adds columns
    features: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    split: Mapped[str] = mapped_column(String(8), default="pool")  # "pool" or "holdout"
    source: Mapped[str] = mapped_column(String(16), default="ingest")
    # the stream decision: None while a streamed item waits for the worker (or not streamed)
    asked: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    queued: Mapped[bool] = mapped_column(Boolean, default=False)
    queue_rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    guess: Mapped[str | None] = mapped_column(String(200), nullable=True)
    guess_p: Mapped[float | None] = mapped_column(Float, nullable=True)
    round_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    n_labels: Mapped[int] = mapped_column(Integer, default=0)
    lease_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lease_expires: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[float] = mapped_column(Float, default=now)


class Label(Base):
    """One annotator's answer for one item; edits bump ``version``."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    boxes: Mapped[list] = mapped_column(JSON, default=list)
    image_width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    image_height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[float] = mapped_column(Float, default=now)
    updated_at: Mapped[float] = mapped_column(Float, default=now)


class Skip(Base):
    __tablename__ = "skips"
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class QueryRound(Base):
    __tablename__ = "query_rounds"
    # the project's current round, read by every claim and submit
    __table_args__ = (Index("ix_query_rounds_project_number", "project_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    model_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    strategy: Mapped[str] = mapped_column(String(64))
    labels_at_start: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float, default=now)


class RoundItem(Base):
    __tablename__ = "round_items"
    # an item's place in its round, counted by every claim, reads only this index
    __table_args__ = (Index("ix_round_items_round_score", "round_id", "score"),)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("query_rounds.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)


class ModelVersion(Base):
    """A registered model. Versions are allocated by the database: one (project, version)
    pair at most, taken inside the transaction that registers it."""

    __tablename__ = "model_versions"
    __table_args__ = (Index("ux_model_versions_project_version", "project_id", "version",
                            unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    strategy: Mapped[str] = mapped_column(String(64))
    n_labels: Mapped[int] = mapped_column(Integer)
    accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)
    n_holdout: Mapped[int] = mapped_column(Integer, default=0)
    train_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    path: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str] = mapped_column(String(128))
    warm_started: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float, default=now)


class ModelMetric(Base):
    """One held-out figure of a model version (``balanced_accuracy``,
    ``majority_balanced_accuracy``, ``ap50:<class>``, ...): a table of its own, so a
    workspace made before it gains it on opening, and a new figure needs no new column."""

    __tablename__ = "model_metrics"
    model_version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class SuggestionRow(Base):
    """One thing the model proposes for an item: a class, with a box in image pixels for
    detection projects; a retrain replaces a project's rows (alwild.app.services.suggestions)."""

    __tablename__ = "suggestions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    x: Mapped[float | None] = mapped_column(Float, nullable=True)
    y: Mapped[float | None] = mapped_column(Float, nullable=True)
    w: Mapped[float | None] = mapped_column(Float, nullable=True)
    h: Mapped[float | None] = mapped_column(Float, nullable=True)


class LabelAssist(Base):
    """How a saved label used the model's suggestions (counted by the server when the
    label is saved, from the submitted boxes against the suggestions then stored)."""

    __tablename__ = "label_assists"
    label_id: Mapped[int] = mapped_column(
        ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    round_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    suggested: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    moved: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[float] = mapped_column(Float, default=now)


class LabelStudioTask(Base):
    """A Label Studio task that an alwild item stands for (the ML backend's mapping); two
    tasks with the same image share one item."""

    __tablename__ = "labelstudio_tasks"
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)


class WatchedObject(Base):
    """One file or object that ``alwild watch`` took in, by its key and version tag (ETag):
    written in the transaction that adds its items, so each version is taken in once,
    also after a crash. ``round_opened`` turns true once a round including it was opened."""

    __tablename__ = "watched_objects"
    __table_args__ = (UniqueConstraint("project_id", "key", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(1024))
    version: Mapped[str] = mapped_column(String(128))
    added: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    round_opened: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float, default=now)


class Job(Base):
    """A durable retrain request: ``pending`` until a worker claims it with a lease
    (``owner``, ``lease_expires``, refreshed by its heartbeat), then ``done`` (with the
    model version it registered) or ``failed`` (with a sentence saying why). A ``running``
    job whose lease ran out (its worker was killed) is claimed again. At most one pending
    job per project (the partial unique index): asking again while one waits adds nothing.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ux_jobs_one_pending", "project_id", unique=True,
              sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
        Index("ix_jobs_state", "state", "requested_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="retrain")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[float] = mapped_column(Float, default=now)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claimed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    lease_expires: Mapped[float] = mapped_column(Float, default=0.0)
    heartbeat_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class StreamDecision(Base):
    """The worker's decision on one streamed item, in the order decisions were made
    (``id``): whether its label was asked for, its score, the model version that scored
    it and the budget after it. One row per item at most (the primary key on ``item_id``),
    written in the transaction that queues the item, so no item is decided twice; the
    budget and the policy are rebuilt from these rows."""

    __tablename__ = "stream_decisions"
    __table_args__ = (Index("ix_stream_decisions_project", "project_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"),
                                         unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    asked: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    model_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    spent: Mapped[int] = mapped_column(Integer)
    seen: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[float] = mapped_column(Float, default=now)
