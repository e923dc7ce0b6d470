"""Request and response bodies of the REST API (they make the OpenAPI schema)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["BoxIn", "LabelIn", "LabelOut", "ItemOut", "ProjectOut", "ProjectSettings",
           "QueueEntry", "ProgressOut", "ModelOut", "UserIn", "UserOut", "UserChange",
           "TokenOut", "TokenInfo", "MemberIn", "Message", "ConflictOut", "RowIn", "IntakeOut"]


class Message(BaseModel):
    detail: str


class BoxIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: float
    y: float
    w: float
    h: float
    label: str = Field(max_length=60)


class LabelIn(BaseModel):
    """A label: ``value`` for classify projects, ``boxes`` (image pixels) for detect ones.

    ``request_id`` makes the submit idempotent; ``base_version`` is the version being
    edited (leave it out for a first label)."""

    model_config = ConfigDict(extra="forbid")
    request_id: str = Field(min_length=1, max_length=64)
    value: str | None = Field(default=None, max_length=200)
    boxes: list[BoxIn] = Field(default_factory=list, max_length=500)
    image_width: int | None = Field(default=None, ge=1, le=100_000)
    image_height: int | None = Field(default=None, ge=1, le=100_000)
    seconds: float = Field(default=0.0, ge=0, le=86400)
    base_version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class LabelOut(BaseModel):
    item: str
    value: str | None
    boxes: list[dict]
    version: int
    annotator: str
    request_id: str
    updated_at: float


class ConflictOut(BaseModel):
    detail: str
    current: LabelOut


class SuggestionOut(BaseModel):
    """A model suggestion: a class, with a box ``[x, y, w, h]`` in image pixels for
    detection projects."""

    label: str
    score: float
    box: list[float] | None


class ScoreRank(BaseModel):
    """An item's place in its round: rank 1 is the most informative."""

    rank: int
    of: int
    percentile: float


class ScoreInfo(BaseModel):
    """What the informativeness score means: the strategy, its scale (``low``/``high``,
    None where it has none) and the item's rank in its round."""

    strategy: str
    what: str
    low: float | None
    high: float | None
    rank: ScoreRank | None


class ItemOut(BaseModel):
    uid: str
    project: str
    kind: str
    data: dict
    media_url: str | None
    width: int | None
    height: int | None
    split: str
    score: float | None
    guess: str | None
    guess_p: float | None
    lease_expires: float | None
    my_label: LabelOut | None
    thumb_url: str | None = None
    suggestions: list[SuggestionOut] = []
    score_info: ScoreInfo | None = None


class ProjectOut(BaseModel):
    slug: str
    name: str
    task: str
    labels: list[str]
    strategy: str
    batch_size: int
    retrain_every: int
    budget: int
    overlap: int
    lease_seconds: int
    train_state: str
    train_error: str | None
    stream_share: float
    stream_max_per_hour: int | None
    stream_max_per_day: int | None


class ProjectSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strategy: str | None = Field(default=None, max_length=64)
    batch_size: int | None = Field(default=None, ge=1, le=1000)
    retrain_every: int | None = Field(default=None, ge=1, le=100_000)
    budget: int | None = Field(default=None, ge=0, le=10_000_000)
    overlap: int | None = Field(default=None, ge=1, le=10)
    lease_seconds: int | None = Field(default=None, ge=10, le=86400)
    stream_share: float | None = Field(default=None, gt=0, le=1)
    stream_max_per_hour: int | None = Field(default=None, ge=0, le=10_000_000)
    stream_max_per_day: int | None = Field(default=None, ge=0, le=10_000_000)


class QueueEntry(BaseModel):
    uid: str
    rank: int
    score: float | None
    guess: str | None
    guess_p: float | None
    split: str
    leased: bool
    preview: str
    place: ScoreRank | None = None
    thumb_url: str | None = None


class RoundOut(BaseModel):
    number: int
    strategy: str
    model_version: int | None
    labels_at_start: int
    created_at: float


class ModelOut(BaseModel):
    version: int
    labels: int
    accuracy: float | None
    metrics: dict[str, float] = {}
    n_holdout: int
    seconds: float
    warm: bool
    created_at: float


class QualityOut(BaseModel):
    """The latest model's held-out figures beside always answering the majority class;
    ``ap50`` is AP@0.5 by class for a detector."""

    version: int
    balanced_accuracy: float | None
    majority_balanced_accuracy: float | None
    majority_accuracy: float | None
    ap50: dict[str, float]

class AssistRound(BaseModel):
    """One round's use of the model's suggestions (see services.suggestions.assist_rate)."""

    round: int | None
    labels: int
    assisted: int
    suggested: int
    accepted: int
    moved: int
    deleted: int
    added: int
    accept_rate: float | None


class ProgressOut(BaseModel):
    labels: int
    n_items: int
    budget_left: int
    labels_this_round: int
    round: RoundOut | None
    models: list[ModelOut]
    quality: QualityOut | None = None

    assist: list[AssistRound] = []
    train_state: str
    train_error: str | None
    retrain_in: int


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    role: str = Field(default="annotator", pattern="^(admin|annotator)$")


class UserOut(BaseModel):
    username: str
    role: str
    active: bool = True
    password: str | None = None


class UserChange(BaseModel):
    """What an admin may change of an account: deactivate it, or reactivate it."""

    model_config = ConfigDict(extra="forbid")
    active: bool


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)


class TokenOut(BaseModel):
    token: str


class TokenInfo(BaseModel):
    """An API token as listed: never the token itself (only its hash is kept)."""

    id: int
    user: str
    name: str
    created_at: float


class RowIn(BaseModel):
    """A new table row for streaming intake into ``project``."""

    model_config = ConfigDict(extra="forbid")
    project: str = Field(min_length=1, max_length=64)
    data: dict[str, str | int | float | bool | None] = Field(max_length=500)


class StreamBudget(BaseModel):
    spent: int
    seen: int
    used_share: float


class IntakeOut(BaseModel):
    """A streamed item's state: ``pending`` until the worker decides, then ``queued`` (its
    label is asked for) or ``passed``; ``duplicate`` when the project has it already."""

    uid: str
    status: Literal["pending", "queued", "passed", "duplicate"]
    queued: bool
    score: float | None
    guess: str | None
    duplicate: bool
    budget: StreamBudget | None
