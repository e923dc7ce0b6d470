"""An on-disk cache of per-image embeddings, keyed by the file's content hash.

Renaming or moving an image keeps its entry; changing one pixel (a new file content)
misses. Entries of different models live apart (``root/<model_key>/``). Each entry is
one small ``.npy`` written atomically, so concurrent runs never read half a file.

>>> import tempfile, numpy as np
>>> cache = EmbeddingCache(tempfile.mkdtemp(), "demo")
>>> cache.put("ab" * 32, np.ones(3))
>>> cache.get("ab" * 32).tolist()
[1.0, 1.0, 1.0]
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from os import PathLike
from pathlib import Path

import numpy as np

__all__ = ["file_digest", "array_digest", "EmbeddingCache", "FeatureMapCache",
           "default_cache_dir"]


def file_digest(path: str | PathLike, block: int = 1 << 20) -> str:
    """SHA-256 of the file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            h.update(chunk)
    return h.hexdigest()


def array_digest(pixels: np.ndarray) -> str:
    """SHA-256 of an image array's shape, dtype and bytes, as hex (same pixels, same key).

    >>> a = np.zeros((2, 2, 3), dtype=np.uint8)
    >>> array_digest(a) == array_digest(a.copy()), array_digest(a) == array_digest(a[:1])
    (True, False)
    """
    pixels = np.ascontiguousarray(pixels)
    h = hashlib.sha256(f"{pixels.shape}{pixels.dtype.str}".encode())
    h.update(pixels.data)
    return h.hexdigest()


def default_cache_dir() -> Path:
    """``$ALWILD_CACHE`` or ``~/.cache/alwild``."""
    return Path(os.environ.get("ALWILD_CACHE") or Path.home() / ".cache" / "alwild")


class EmbeddingCache:
    """Embeddings stored under ``root/<model_key>/<digest[:2]>/<digest>.npy``."""

    def __init__(self, root: str | PathLike, model_key: str) -> None:
        self.root = Path(root) / model_key

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / f"{digest}.npy"

    def get(self, digest: str) -> np.ndarray | None:
        """The stored embedding, or None on a miss (or an unreadable entry)."""
        path = self._path(digest)
        if not path.is_file():
            return None
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None

    def put(self, digest: str, embedding: np.ndarray) -> None:
        """Store one embedding (atomic rename of a temporary file)."""
        self._write(digest, lambda fh: np.save(fh, np.asarray(embedding), allow_pickle=False))

    def _write(self, digest: str, save) -> None:
        path = self._path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                save(fh)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class FeatureMapCache(EmbeddingCache):
    """Several named arrays per image (a backbone's feature maps), one ``.npz`` per entry.

    >>> import tempfile
    >>> cache = FeatureMapCache(tempfile.mkdtemp(), "maps")
    >>> cache.put_maps("cd" * 32, {"s8": np.zeros((2, 4, 4), np.float16)})
    >>> cache.get_maps("cd" * 32)["s8"].shape, cache.get_maps("ef" * 32)
    ((2, 4, 4), None)
    """

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / f"{digest}.npz"

    def get_maps(self, digest: str) -> dict[str, np.ndarray] | None:
        """The stored arrays by name, or None on a miss (or an unreadable entry)."""
        path = self._path(digest)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {name: stored[name] for name in stored.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None

    def put_maps(self, digest: str, maps: dict[str, np.ndarray]) -> None:
        """Store the arrays of one image (atomic rename of a temporary file)."""
        self._write(digest, lambda fh: np.savez(fh, **maps))
