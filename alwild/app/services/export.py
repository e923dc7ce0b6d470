"""Writing a project's labels out: CSV, COCO, YOLO, Pascal VOC and Label Studio JSON.

Reads the store, hands plain records to the writers of :mod:`alwild.export` and copies
the images next to the YOLO and VOC labels."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from alwild.app.services.media import confined
from alwild.app.store.orm import Item, Label, Project, User
from alwild.errors import UserValueError
from alwild.export import FORMATS, Answer, Box, Image, LabelledItem, get_format

__all__ = ["export", "check_target", "FORMATS"]


def _labelled(db: Session, project: Project) -> list[tuple[Item, list[tuple[Label, str]]]]:
    names = dict(db.execute(select(User.id, User.username)).all())
    out: dict[int, tuple[Item, list]] = {}
    rows = db.execute(select(Item, Label).join(Label, Label.item_id == Item.id)
                      .where(Item.project_id == project.id)
                      .order_by(Item.id, Label.updated_at)).all()
    for item, label in rows:
        out.setdefault(item.id, (item, []))[1].append((label, names.get(label.user_id, "?")))
    return list(out.values())


def _image(item: Item) -> Image:
    """The item's image as exported: named by its media file (or its uid), with its size."""
    name = Path(item.media_path).name if item.media_path else item.uid
    return Image(name, item.width, item.height)


def _record(item: Item, labels: list[tuple[Label, str]]) -> LabelledItem:
    image = _image(item)
    answers = tuple(
        Answer(who, label.value,
               tuple(Box(image.file, b["x"], b["y"], b["w"], b["h"], b["label"])
                     for b in label.boxes),
               label.version, label.seconds, label.updated_at)
        for label, who in labels)
    return LabelledItem(item.id, item.uid, item.split, item.data, answers,
                        image if item.kind == "image" else None)


def _copy_images(data, folder: Path, media_root: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for item, _ in data:
        shutil.copyfile(confined(media_root, item.media_path), folder / _image(item).file)


def check_target(out: Path, fmt: str, overwrite: bool = False) -> None:
    """Refuse an ``out`` that is there already (unless ``overwrite``) or that is a folder
    where ``fmt`` writes a file, or a file where it writes a folder."""
    if not out.exists():
        return
    wants = "file" if get_format(fmt).suffix else "folder"
    found = "folder" if out.is_dir() else "file"
    if found != wants:
        raise UserValueError(f"{out} is a {found}, but {fmt} writes a {wants}: give --out a "
                             f"new path")
    if not overwrite:
        raise UserValueError(f"{out} exists already: give --out a new path, or add --force "
                             f"to overwrite {'the files in it' if found == 'folder' else 'it'}")


def export(db: Session, project: Project, fmt: str, out: Path, media_root: Path,
           overwrite: bool = False) -> Path:
    """Write ``project``'s labels to ``out`` (a file, or a folder for yolo/voc); an existing
    ``out`` is refused unless ``overwrite`` (see :func:`check_target`)."""
    spec = get_format(fmt)
    out = Path(out)
    check_target(out, fmt, overwrite)
    data = _labelled(db, project)
    if spec.boxes and project.task != "detect":
        raise UserValueError(f"{fmt} is a bounding-box format; this project's task is "
                             f"{project.task}: use csv or labelstudio")
    records = [_record(item, labels) for item, labels in data]
    if spec.images_folder:
        _copy_images(data, out / spec.images_folder, media_root)
    spec.write(records, project.labels, project.task, out)
    return out
