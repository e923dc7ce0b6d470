"""Serving media safely: a stored path is resolved (symlinks followed) and must stay inside
the workspace's media root; anything else is answered as not found. Thumbnails are made
from such a confined file and cached under a name built from the item's content hash
(checked to be hex), never from anything the request says."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

from alwild.app.services.projects import NotFound
from alwild.app.store.orm import Item

__all__ = ["media_file", "confined", "thumbnail", "THUMB_PX"]

THUMB_PX = 96  # the longer side of a queue thumbnail
_HEX = re.compile(r"[0-9a-f]{16,64}")


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


def thumbnail(root: Path, cache: Path, item: Item, size: int = THUMB_PX) -> Path:
    """A JPEG of ``item``'s image at most ``size`` px on its longer side, made once and
    kept in ``cache`` (named by content hash and size; written atomically).

    >>> thumbnail(ws.media_root, ws.root / "thumbs", item)  # doctest: +SKIP
    PosixPath('.../thumbs/3f9a...-96.jpg')
    """
    source = media_file(root, item)
    if not _HEX.fullmatch(item.content_hash or ""):
        raise NotFound("this item has no content hash to name its thumbnail by")
    target = cache / f"{item.content_hash}-{int(size)}.jpg"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as img:
        small = ImageOps.exif_transpose(img).convert("RGB")
        small.thumbnail((size, size), Image.Resampling.LANCZOS)
        fd, tmp = tempfile.mkstemp(dir=cache, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            small.save(out, "JPEG", quality=85)
    os.replace(tmp, target)
    return target
