"""Local paths and object-store URLs (``s3://``, ``gs://``, ``memory://``, ...) through
fsspec: the filesystem of a location, its files by pattern, and the version tag of each.

Credentials come from where the backend usually looks (for S3: ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``, ``~/.aws``) or from ``storage_options``,
the keyword arguments of the fsspec filesystem (for s3fs: ``key``, ``secret``,
``endpoint_url``, ``client_kwargs``, ...).

>>> is_url("s3://bucket/shards/*.parquet"), is_url("data/shards/*.parquet")
(True, False)
>>> parse_storage_options('{"anon": true}')
{'anon': True}
"""

from __future__ import annotations

import json
import os

from alwild.errors import UserValueError

__all__ = ["is_url", "filesystem", "expand_urls", "object_versions", "parse_storage_options"]


def is_url(location) -> bool:
    """Whether ``location`` names an fsspec URL (``protocol://...``) rather than a path."""
    return isinstance(location, str) and "://" in location


def parse_storage_options(text: str | None) -> dict:
    """The ``--storage-options`` JSON object as a dict (empty when not given)."""
    if not text:
        return {}
    try:
        options = json.loads(text)
    except json.JSONDecodeError as err:
        raise UserValueError(f"--storage-options is not valid JSON ({err}): give an object "
                             "such as '{\"endpoint_url\": \"http://127.0.0.1:9000\"}'") from None
    if not isinstance(options, dict):
        raise UserValueError("--storage-options must be a JSON object, e.g. '{\"anon\": true}'")
    return options


def filesystem(location: str, storage_options: dict | None = None):
    """``(fs, path)``: the fsspec filesystem of a URL or local path, and the path on it.

    >>> fs, path = filesystem("memory://objectstore-doc/a.csv")
    >>> type(fs).__name__, path
    ('MemoryFileSystem', '/objectstore-doc/a.csv')
    """
    import fsspec

    if not is_url(location):
        from fsspec.implementations.local import LocalFileSystem

        return LocalFileSystem(), os.path.abspath(location)
    try:
        return fsspec.core.url_to_fs(location, **(storage_options or {}))
    except (ImportError, ValueError) as err:
        raise UserValueError(f"{location}: {err} (install its fsspec backend, e.g. "
                             "pip install 'alwild[objectstore]' for s3://)") from None


def expand_urls(pattern: str, storage_options: dict | None = None) -> list[str]:
    """The URLs of the objects matching ``pattern`` (a glob such as ``s3://b/x/*.parquet``
    or one object), sorted, each with its protocol.

    >>> import fsspec
    >>> for name in "ba":
    ...     fsspec.filesystem("memory").pipe(f"/objectstore-doc/{name}.parquet", b"")
    >>> expand_urls("memory://objectstore-doc/*.parquet")
    ['memory:///objectstore-doc/a.parquet', 'memory:///objectstore-doc/b.parquet']
    """
    fs, path = filesystem(pattern, storage_options)
    paths = sorted(fs.glob(path)) if any(c in path for c in "*?[") else [path]
    found = [p for p in paths if fs.isfile(p)]
    if not found:
        raise FileNotFoundError(f"no object matches {pattern!r}: check the bucket, the prefix "
                                "and the credentials")
    return [fs.unstrip_protocol(p) for p in found]


def object_versions(fs, root: str, suffixes: set[str]) -> dict[str, str]:
    """``{path: version}`` of the files under ``root`` ending in one of ``suffixes``; the
    version is the object's ETag where the store gives one, else its size and mtime, so a
    rewritten object counts as new.

    >>> import fsspec
    >>> fs = fsspec.filesystem("memory")
    >>> fs.pipe("/objectstore-doc/in/a.png", b"x")
    >>> list(object_versions(fs, "/objectstore-doc/in", {".png"}))
    ['/objectstore-doc/in/a.png']
    """
    fs.invalidate_cache()  # listings are cached per filesystem: a watcher must see new files
    if not fs.exists(root):
        raise FileNotFoundError(f"{root} does not exist: check the folder or bucket prefix")
    out = {}
    for path, info in sorted(fs.find(root, detail=True).items()):
        if os.path.splitext(path)[1].lower() not in suffixes or info.get("type") != "file":
            continue
        tag = info.get("ETag") or info.get("etag")
        stamp = info.get("mtime") or info.get("LastModified") or info.get("created")
        out[path] = str(tag).strip('"') if tag else f"{info.get('size')}-{stamp}"
    return out
