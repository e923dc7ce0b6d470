"""Model files: written by the app itself and signed; only signed files are ever loaded.

A model is saved with joblib, readable by its owner only, next to an HMAC-SHA256 of its
bytes (kept in the database) under the workspace's secret key. Loading checks the HMAC
first, so a file that the app did not write (or that was changed) is refused instead of
unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
from pathlib import Path

import joblib

__all__ = ["save_model", "load_model", "UnsafeModelFile"]


class UnsafeModelFile(ValueError):
    """The file's signature does not match: it was not written by this workspace."""


def _confined(root: Path, rel: str) -> Path:
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()):
        raise UnsafeModelFile(f"model path {rel!r} leaves the models folder")
    return path


def save_model(model, root: Path, name: str, key: bytes) -> tuple[str, str]:
    """Write ``model`` to ``root/name`` atomically; returns (relative path, HMAC hex)."""
    buf = io.BytesIO()
    joblib.dump(model, buf)
    data = buf.getvalue()
    path = _confined(root, name)
    tmp = path.with_suffix(".part")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return name, hmac.new(key, data, hashlib.sha256).hexdigest()


def load_model(root: Path, rel: str, digest: str, key: bytes):
    """Load a model saved by :func:`save_model`; UnsafeModelFile if it is not ours."""
    data = _confined(root, rel).read_bytes()
    if not hmac.compare_digest(hmac.new(key, data, hashlib.sha256).hexdigest(), digest):
        raise UnsafeModelFile(f"{rel}: signature mismatch; the file was not written by this "
                              "workspace (or was modified) and will not be loaded")
    return joblib.load(io.BytesIO(data))
