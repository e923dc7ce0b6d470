"""An inbox (a folder, or a prefix of a bucket) whose files are taken into a project once
each, then the next query round is opened.

Each file is known by its key (its path or URL) and its version tag (the object store's
ETag, else size and modification time). Its items and its record (:class:`WatchedObject`)
are written in one transaction, so a watcher killed at any moment, then restarted, takes
each version of each file in exactly once. A file that cannot be taken in is recorded with
its error and not tried again until it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update

from alwild.app.services.ingest import IMAGE_SUFFIXES, TABLE_SUFFIXES, ingest
from alwild.app.services.training import TrainResult
from alwild.app.store.orm import Project, WatchedObject
from alwild.app.store.workspace import Workspace
from alwild.errors import UserError
from alwild.objectstore import filesystem, is_url, object_versions

__all__ = ["Arrival", "list_new", "take_in", "open_round", "INBOX_SUFFIXES"]

INBOX_SUFFIXES = IMAGE_SUFFIXES | TABLE_SUFFIXES


@dataclass(frozen=True)
class Arrival:
    """What became of one file: items added, or the error that kept it out."""

    key: str
    version: str
    added: int
    duplicates: int = 0
    error: str | None = None


def list_new(ws: Workspace, project_id: int, inbox: str,
             storage_options: dict | None = None) -> list[tuple[str, str]]:
    """``(key, version)`` of the files in ``inbox`` that the project has not taken in.

    >>> list_new(ws, project.id, "s3://survey/incoming/")  # doctest: +SKIP
    [('s3://survey/incoming/frame-0042.jpg', '9336ebf25087d91c818ee6e9ec29f8c1')]
    """
    fs, root = filesystem(inbox, storage_options)
    versions = object_versions(fs, root, INBOX_SUFFIXES)
    with ws.session() as db:
        done = set(db.execute(select(WatchedObject.key, WatchedObject.version).where(
            WatchedObject.project_id == project_id)).all())
    keys = {path: fs.unstrip_protocol(path) if is_url(inbox) else path for path in versions}
    return [(keys[p], v) for p, v in versions.items() if (keys[p], v) not in done]


def take_in(ws: Workspace, project_id: int, key: str, version: str,
            storage_options: dict | None = None, holdout_share: float = 0.1) -> Arrival:
    """Ingest the file ``key`` and record it, in one transaction; a file the ingest refuses
    is recorded with its error instead (and nothing of it is kept).

    >>> take_in(ws, project.id, "s3://survey/incoming/frame-0042.jpg",
    ...         "9336ebf25087d91c818ee6e9ec29f8c1").added  # doctest: +SKIP
    1
    """
    try:
        with ws.session() as db, db.begin():
            report = ingest(ws, db, db.get(Project, project_id), key,
                            holdout_share=holdout_share, storage_options=storage_options)
            db.add(WatchedObject(project_id=project_id, key=key, version=version,
                                 added=report.added))
        return Arrival(key, version, report.added, report.duplicates)
    except (UserError, FileNotFoundError) as err:
        why = str(err).removeprefix(f"{key}: ")
        with ws.session() as db, db.begin():
            db.add(WatchedObject(project_id=project_id, key=key, version=version, added=0,
                                 error=why[:2000], round_opened=True))
        return Arrival(key, version, 0, error=why)


def open_round(ws: Workspace, project_id: int,
               retrain: Callable[[Workspace, int], TrainResult]) -> TrainResult | None:
    """Retrain with ``retrain(ws, project_id)`` and open the next round if files taken in
    since the last one added items (also those a killed watcher took in before it could
    open the round); None if none. ``alwild watch`` passes
    :func:`alwild.app.worker.train_now`: a durable job, trained by a running worker or
    here, so the watcher and ``alwild serve``'s worker never train a project at once.

    >>> open_round(ws, project.id, train_now).round_number  # doctest: +SKIP
    3
    """
    with ws.session() as db:
        waiting = db.execute(select(WatchedObject.id, WatchedObject.added).where(
            WatchedObject.project_id == project_id,
            WatchedObject.round_opened.is_(False))).all()
    if not waiting:
        return None
    ids = [i for i, _ in waiting]
    result = retrain(ws, project_id) if any(n for _, n in waiting) else None
    with ws.session() as db, db.begin():
        db.execute(update(WatchedObject).where(WatchedObject.id.in_(ids))
                   .values(round_opened=True))
    return result
