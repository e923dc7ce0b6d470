"""Label Studio's projects, tasks and annotations in the alwild workspace.

A Label Studio project is the alwild project ``labelstudio-<id>``; each task is an item
(an image fetched from Label Studio; else a table row: the object the config shows, if
it is a ``{column: value}`` mapping as a ``<Table>`` shows, or the task's plain data
fields), found
again through the ``labelstudio_tasks`` table; each annotation is the label of the
Label Studio user who made it (a system account ``labelstudio:<user>``), keyed by the
annotation id, so an edit updates it and a deletion removes it. Nothing here trains.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from alwild.app.labelstudio.source import LabelStudioSource
from alwild.app.services.ingest import clean_record, find_item, row_hash, store_image, store_row
from alwild.app.services.labels import check_boxes
from alwild.app.services.projects import check_kind, create_project
from alwild.app.store.orm import Item, Label, LabelStudioTask, Project, User, now
from alwild.app.store.workspace import Workspace
from alwild.errors import UserValueError
from alwild.export.labelstudio import LabelConfig, result_answer

__all__ = ["project_slug", "linked_project", "task_item", "store_annotation",
           "delete_annotations", "annotator"]

REQUEST_PREFIX = "labelstudio-"


def project_slug(ls_project: int | str) -> str:
    """The alwild project of a Label Studio project id (or its ``"id.timestamp"`` uid).

    >>> project_slug("12.1700000000")
    'labelstudio-12'
    """
    text = str(ls_project).split(".", 1)[0]
    if not text.isdigit():
        raise UserValueError(f"Label Studio project {ls_project!r} is not a project id")
    return f"labelstudio-{int(text)}"


def linked_project(db: Session, ls_project: int | str, config: LabelConfig,
                   strategy: str, ranked: int) -> Project:
    """The alwild project for ``ls_project``, made on first sight; labels the config adds
    later are added to it (none is ever dropped, so no stored label becomes invalid)."""
    slug = project_slug(ls_project)
    project = db.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        return create_project(db, slug, config.task, list(config.labels), strategy,
                              batch_size=ranked, retrain_every=1, budget=10**9)
    if project.task != config.task:
        raise UserValueError(f"Label Studio project {slug} was a {project.task} project and "
                             f"its label config now asks for {config.task}: make a new "
                             "Label Studio project for it")
    new = [c for c in config.labels if c not in project.labels]
    if new:
        project.labels = [*project.labels, *new]
    return project


def _task_id(task: dict) -> int:
    try:
        return int(task["id"])
    except (KeyError, TypeError, ValueError):
        raise UserValueError(f"a Label Studio task without an id: {str(task)[:200]}") from None


def _new_item(ws: Workspace, db: Session, project: Project, config: LabelConfig, task: dict,
              source: LabelStudioSource) -> Item:
    data = task.get("data") or {}
    if config.is_image:
        url = data.get(config.data_key)
        if not isinstance(url, str) or not url:
            raise UserValueError(f"task {_task_id(task)} has no image in data[{config.data_key!r}]")
        check_kind(db, project, "image")
        content = source.image(url)
        name = url.rsplit("/", 1)[-1].rsplit("=", 1)[-1] or f"task-{_task_id(task)}"
        item = store_image(ws, db, project, content, name, holdout_share=0.0,
                           source="labelstudio")
        digest = hashlib.sha256(content).hexdigest()
    else:
        check_kind(db, project, "row")
        shown = data.get(config.data_key) if config.data_key else None
        record = shown if isinstance(shown, dict) else {
            k: v for k, v in data.items() if not isinstance(v, (dict, list))}
        item = store_row(db, project, record, holdout_share=0.0, source="labelstudio")
        digest = row_hash(clean_record(record))
    if item is None:  # the same image or row as another task
        item = find_item(db, project, digest)
    db.flush()
    return item


def task_item(ws: Workspace, db: Session, project: Project, config: LabelConfig, task: dict,
              source: LabelStudioSource) -> Item:
    """The item of a Label Studio task, ingested on first sight."""
    task_id = _task_id(task)
    link = db.get(LabelStudioTask, (project.id, task_id))
    if link is not None:
        return db.get(Item, link.item_id)
    item = _new_item(ws, db, project, config, task, source)
    db.add(LabelStudioTask(project_id=project.id, task_id=task_id, item_id=item.id))
    db.flush()
    return item


def annotator(db: Session, completed_by) -> User:
    """The system account of a Label Studio user (an id, an e-mail or a user object)."""
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("email") or completed_by.get("id")
    name = f"labelstudio:{completed_by}"[:64]
    user = db.scalar(select(User).where(User.username == name))
    if user is None:
        user = User(username=name, password_hash="!", role="annotator", active=False)
        db.add(user)
        db.flush()
    return user


def _clip(box, width: int, height: int) -> dict:
    """A box in pixels cut to the image (Label Studio's percents round past its edge)."""
    x, y = min(max(box.x, 0.0), width), min(max(box.y, 0.0), height)
    return {"x": x, "y": y, "w": min(box.w, width - x), "h": min(box.h, height - y),
            "label": box.label}


def store_annotation(db: Session, project: Project, config: LabelConfig, item: Item,
                     annotation: dict) -> bool:
    """Keep one Label Studio annotation as its author's label of ``item``; True if the
    stored label changed. A cancelled (skipped) or empty annotation changes nothing."""
    if annotation.get("was_cancelled"):
        return False
    width, height = item.width, item.height
    value, boxes = result_answer(config, annotation.get("result") or [],
                                 (item.data or {}).get("file", ""), width, height)
    if project.task == "classify":
        if value is None:
            return False
        if value not in project.labels:
            raise UserValueError(f"annotation {annotation.get('id')} chose {value!r}, not one "
                                 f"of the labels {project.labels}")
        pixel_boxes: list[dict] = []
    else:
        pixel_boxes = check_boxes([_clip(b, width, height) for b in boxes
                                   if b.w > 0 and b.h > 0], project.labels, width, height)
    user = annotator(db, annotation.get("completed_by"))
    request_id = f"{REQUEST_PREFIX}{annotation.get('id') or secrets.token_hex(8)}"[:64]
    label = db.scalar(select(Label).where(Label.item_id == item.id, Label.user_id == user.id))
    if label is None:
        db.add(Label(item_id=item.id, user_id=user.id, value=value, boxes=pixel_boxes,
                     image_width=width, image_height=height,
                     seconds=float(annotation.get("lead_time") or 0.0), request_id=request_id))
        item.n_labels += 1
    elif (label.value, label.boxes) == (value, pixel_boxes):
        label.request_id = request_id
        return False
    else:
        label.value, label.boxes, label.version = value, pixel_boxes, label.version + 1
        label.request_id, label.updated_at = request_id, now()
    project.changes_since_train += 1
    db.flush()
    return True


def delete_annotations(db: Session, project: Project, annotation_ids: Iterable) -> int:
    """Remove the labels that Label Studio annotations ``annotation_ids`` gave (deleted in
    Label Studio by the people who made them); returns how many were removed."""
    wanted = [f"{REQUEST_PREFIX}{a}" for a in annotation_ids]
    labels = db.scalars(select(Label).join(Item).where(Item.project_id == project.id,
                                                      Label.request_id.in_(wanted))).all()
    for label in labels:
        db.get(Item, label.item_id).n_labels -= 1
        db.delete(label)
    if labels:
        project.changes_since_train += 1
    db.flush()
    return len(labels)
