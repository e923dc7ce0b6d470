"""Creating projects and checking who may see them."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import bindparam, exists, select, true
from sqlalchemy.orm import Session

from alwild.app.services.jobs import request_job
from alwild.app.store.orm import TASKS, Item, Membership, Project, User
from alwild.errors import UserValueError
from alwild.strategies import get_strategy

__all__ = ["create_project", "parse_labels", "visible_projects", "project_for", "can_see",
           "by_role",
           "check_strategy", "apply_settings", "change_settings", "request_retrain",
           "AccessDenied", "NotFound", "slugify", "project_kind",
           "check_kind"]


class NotFound(LookupError):
    """Unknown id, or an object the user may not see (the same answer for both)."""


class AccessDenied(PermissionError):
    """The user is known but lacks the role."""


def slugify(name: str) -> str:
    """A URL-safe project id from a name.

    >>> slugify("Insulator frames (boxes)")
    'insulator-frames-boxes'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:64] or "project"


def parse_labels(text: str | list[str]) -> list[str]:
    """A list of 2..50 distinct, non-empty labels from ``"a,b,c"`` or a list."""
    labels = [s.strip() for s in (text.split(",") if isinstance(text, str) else text)]
    labels = [s for s in labels if s]
    if len(labels) < 1 or len(labels) > 50:
        raise UserValueError("give between 1 and 50 labels, e.g. --labels cat,dog")
    if len(set(labels)) != len(labels):
        raise UserValueError(f"labels must be distinct, got {labels}")
    if any(len(s) > 60 for s in labels):
        raise UserValueError("a label may have at most 60 characters")
    return labels


def check_strategy(name: str) -> str:
    """The strategy's canonical name if a single-model learner can run it."""
    strat = get_strategy(name)
    if getattr(strat, "needs_committee", False):
        raise UserValueError(f"strategy {name!r} needs a committee; pick one of "
                         "auto, entropy, margin, least_confident, random, coreset, cluster_margin")
    return strat.name


def create_project(db: Session, name: str, task: str, labels: list[str],
                   strategy: str = "auto", **settings) -> Project:
    if task not in TASKS:
        raise UserValueError(f"--task must be classify or detect, got {task!r}")
    if task == "classify" and len(labels) < 2:
        raise UserValueError("a classify project needs at least two labels")
    slug = slugify(name)
    if db.scalar(select(Project).where(Project.slug == slug)) is not None:
        raise UserValueError(f"a project named {slug!r} exists already; pick another --name")
    project = Project(slug=slug, name=name, task=task, labels=labels,
                      strategy=check_strategy(strategy), **settings)
    db.add(project)
    db.flush()
    return project


def project_kind(db: Session, project: Project) -> str:
    """``"row"`` or ``"image"``: what the project's items are (rows while it has none)."""
    kinds = set(db.scalars(select(Item.kind).where(Item.project_id == project.id).distinct()))
    if len(kinds) > 1:
        raise UserValueError("a project holds either table rows or images, not both")
    return kinds.pop() if kinds else "row"


def check_kind(db: Session, project: Project, kind: str) -> None:
    """Refuse to add items of ``kind`` ("row" or "image") to a project that holds the other
    kind, or table rows to a detect project (boxes are drawn on images)."""
    has_items = db.scalar(select(Item.id).where(Item.project_id == project.id).limit(1))
    held = project_kind(db, project) if has_items is not None else None
    if kind == "row" and (project.task == "detect" or held == "image"):
        why = "is a detect project" if project.task == "detect" else "holds images"
        raise UserValueError(f"project {project.slug!r} {why}: add images (a folder of "
                             ".jpg/.png/.webp files), not table rows")
    if kind == "image" and held == "row":
        raise UserValueError(f"project {project.slug!r} holds table rows: add a .csv or "
                             ".parquet table, not images (or make an image project with "
                             "`alwild init`)")


NULLABLE_SETTINGS = ("stream_max_per_hour", "stream_max_per_day")


def apply_settings(project: Project, changes: dict) -> None:
    """Set checked settings on ``project``; None clears a cap and leaves the rest alone."""
    for key, value in changes.items():
        if value is None and key not in NULLABLE_SETTINGS:
            continue
        setattr(project, key, check_strategy(value) if key == "strategy" else value)


def change_settings(db: Session, user: User, slug: str, changes: dict) -> Project:
    """Apply checked ``changes`` (see :func:`apply_settings`) to project ``slug``."""
    project = project_for(db, user, slug)
    apply_settings(project, changes)
    return project


def request_retrain(db: Session, user: User, slug: str) -> Project:
    """Ask for a retrain of project ``slug`` (a job for the training worker, in ``db``'s
    transaction); returns at once."""
    project = project_for(db, user, slug)
    request_job(db, project.id)
    return project


def can_see(db: Session, user: User, project: Project) -> bool:
    if user.role == "admin":
        return True
    return db.get(Membership, (project.id, user.id)) is not None


def visible_projects(db: Session, user: User) -> list[Project]:
    projects = db.scalars(select(Project).order_by(Project.id)).all()
    return [p for p in projects if can_see(db, user, p)]


def by_role(build: Callable) -> dict[bool, object]:
    """A statement that checks who may see the project (what :func:`can_see` tells of one
    project, inside the query that loads it), built once for each kind of caller:
    ``build(condition)`` for ``True`` (an admin, who sees every project) and for ``False``
    (an annotator: a member of the project, whose id is bound as ``p_user``). Building a
    statement costs more than running it, so the hot paths build theirs here.

    >>> statements = by_role(lambda cond: select(Project.id).where(cond))
    >>> "memberships.user_id = :p_user" in str(statements[False])
    True
    """
    member = exists().where(Membership.project_id == Project.id,
                            Membership.user_id == bindparam("p_user"))
    return {True: build(true()), False: build(member)}


_PROJECT_FOR = by_role(lambda visible: select(Project).where(Project.slug == bindparam("p_slug"),
                                                             visible))


def project_for(db: Session, user: User, slug: str) -> Project:
    """The project ``slug`` if ``user`` may see it; NotFound otherwise (no existence leak).
    One query: the membership is checked in it."""
    project = db.scalar(_PROJECT_FOR[user.role == "admin"], {"p_slug": slug, "p_user": user.id})
    if project is None:
        raise NotFound(f"no project {slug!r}")
    return project

