"""Talking to a Label Studio server: the bytes behind a task's image URL, a project's
tasks with their annotations, and asking it to fetch new predictions, with the API token
Label Studio hands the backend at ``/setup`` (or the one given on the command line)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from alwild.app.services.ingest import MAX_FILE_BYTES
from alwild.errors import UserValueError

__all__ = ["LabelStudioSource", "absolute_url", "is_personal_token"]

TIMEOUT = 30
PUBLISH_TIMEOUT = 600


def absolute_url(base: str | None, url: str) -> str:
    """``url`` as an absolute http(s) URL: one of Label Studio's own paths
    (``/data/upload/...``, ``/data/local-files/?d=...``) is joined to ``base``.

    >>> absolute_url("http://127.0.0.1:8080", "/data/local-files/?d=a/b.jpg")
    'http://127.0.0.1:8080/data/local-files/?d=a/b.jpg'
    >>> absolute_url(None, "s3://bucket/x.jpg")
    Traceback (most recent call last):
    ...
    alwild.errors.UserValueError: task image 's3://bucket/x.jpg' is not an http(s) URL nor a \
Label Studio path: connect the bucket to Label Studio as cloud storage, so that it serves the \
images
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme in ("http", "https"):
        return url
    if not scheme and url.startswith("/"):
        if not base:
            raise UserValueError(f"task image {url!r} is a Label Studio path but the backend "
                                 "does not know Label Studio's address: give "
                                 "--label-studio-url (or connect the backend from Label "
                                 "Studio, whose /setup call names it)")
        return base.rstrip("/") + url
    raise UserValueError(f"task image {url!r} is not an http(s) URL nor a Label Studio path: "
                         "connect the bucket to Label Studio as cloud storage, so that it "
                         "serves the images")


def is_personal_token(token: str | None) -> bool:
    """Whether ``token`` is a personal access token (a JWT refresh token: three base64 parts
    joined by dots) rather than a legacy token.

    >>> is_personal_token("eyJh.eyJ0.c2ln"), is_personal_token("4f0c1d2e3b")
    (True, False)
    """
    return bool(token) and token.count(".") == 2


def _read(request: urllib.request.Request, timeout: float) -> bytes:
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.read(MAX_FILE_BYTES + 1)


@dataclass
class LabelStudioSource:
    """A Label Studio server: its ``url`` and an API ``token`` (may be unknown): a legacy
    token, sent as ``Token ...``, or a personal access token, exchanged for short-lived
    access tokens sent as ``Bearer ...``."""

    url: str | None = None
    token: str | None = None
    _access: str | None = field(default=None, repr=False)

    def _authorization(self, fresh: bool) -> str:
        if not is_personal_token(self.token):
            return f"Token {self.token}"
        if fresh or self._access is None:
            refresh = urllib.request.Request(
                self.url.rstrip("/") + "/api/token/refresh/", method="POST",
                data=json.dumps({"refresh": self.token}).encode(),
                headers={"Content-Type": "application/json"})
            self._access = json.loads(_read(refresh, TIMEOUT))["access"]
        return f"Bearer {self._access}"

    def _request(self, full: str, method: str, body: dict | None, auth: bool,
                 fresh: bool = False) -> urllib.request.Request:
        headers = {"Authorization": self._authorization(fresh)} if auth else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return urllib.request.Request(full, data=data, headers=headers, method=method)

    def _get(self, url: str, what: str, method: str = "GET", body: dict | None = None,
             timeout: float = TIMEOUT) -> bytes:
        full = absolute_url(self.url, url)
        auth = bool(self.token) and self.url is not None and full.startswith(
            self.url.rstrip("/") + "/")
        try:
            try:
                data = _read(self._request(full, method, body, auth), timeout)
            except urllib.error.HTTPError as err:  # an access token expires after minutes
                if not (err.code == 401 and auth and is_personal_token(self.token)):
                    raise
                data = _read(self._request(full, method, body, auth, fresh=True), timeout)
        except urllib.error.HTTPError as err:
            hint = (" (Label Studio refused the token: give the backend a personal access "
                    "token or a legacy token, enabled in Organization > Settings > Access "
                    "Token Settings, with --label-studio-token)"
                    if err.code in (401, 403) else "")
            raise UserValueError(f"cannot read {what} {full}: HTTP {err.code}{hint}") from None
        except (urllib.error.URLError, OSError, ValueError, KeyError) as err:
            raise UserValueError(f"cannot read {what} {full}: {err}") from None
        if len(data) > MAX_FILE_BYTES:
            raise UserValueError(f"{what} {full} is larger than {MAX_FILE_BYTES:,} bytes")
        return data

    def image(self, url: str) -> bytes:
        """The bytes of a task's image."""
        return self._get(url, "task image")

    def tasks(self, project_id: int) -> list[dict]:
        """Every task of Label Studio project ``project_id`` with its annotations."""
        if not self.url:
            raise UserValueError("to train on all of a project's annotations the backend "
                                 "needs Label Studio's address: give --label-studio-url")
        data = self._get(f"/api/projects/{int(project_id)}/export?exportType=JSON",
                         "the annotations of project")
        return json.loads(data)

    @property
    def can_publish(self) -> bool:
        """Whether the server's address and a token are known."""
        return bool(self.url and self.token)

    def fetch_predictions(self, project_id: int) -> None:
        """Have Label Studio fetch predictions for every task of project ``project_id`` that
        has none of the backend's current model version (it calls /setup, then /predict)."""
        self._get(f"/api/dm/actions?id=retrieve_tasks_predictions&project={int(project_id)}",
                  "the predictions action of project", "POST",
                  {"selectedItems": {"all": True, "excluded": []}}, timeout=PUBLISH_TIMEOUT)

    def select_version(self, project_id: int, model_version: str) -> None:
        """Make ``model_version`` project ``project_id``'s model version, the one its Data
        Manager's "Prediction score" column and its Uncertainty sampling read."""
        self._get(f"/api/projects/{int(project_id)}", "project", "PATCH",
                  {"model_version": model_version})
