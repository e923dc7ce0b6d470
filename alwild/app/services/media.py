"""Serving media safely: a stored path is resolved (symlinks followed) and must stay inside
the workspace's media root; anything else is answered as not found."""

from __future__ import annotations

from pathlib import Path

from alwild.app.services.projects import NotFound
from alwild.app.store.orm import Item

__all__ = ["media_file", "confined"]


def confined(root: Path, rel: str) -> Path:
    """``root/rel`` resolved, if it is a file inside ``root``; NotFound otherwise.

    >>> confined(Path("/tmp"), "../etc/passwd")
    Traceback (most recent call last):
    ...
    alwild.app.services.projects.NotFound: media path is outside the media root
    """
    base = root.resolve()
    if not rel or Path(rel).is_absolute():
        raise NotFound("media path is outside the media root")
    path = (base / rel).resolve()
    if not path.is_relative_to(base):
        raise NotFound("media path is outside the media root")
    if not path.is_file():
        raise NotFound("media file is missing")
    return path


def media_file(root: Path, item: Item) -> Path:
    if item.kind != "image" or not item.media_path:
        raise NotFound("this item has no image")
    return confined(root, item.media_path)
