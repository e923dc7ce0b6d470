"""The FastAPI application: routers, static files, the allowed hosts, security headers
(HSTS in HTTPS mode), size limits and the mapping from domain errors to HTTP answers."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from alwild.app.services.labels import Conflict
from alwild.app.services.leases import LeaseError
from alwild.app.services.projects import AccessDenied, NotFound
from alwild.app.store.model_files import UnsafeModelFile
from alwild.app.store.workspace import Workspace
from alwild.app.web import api, pages
from alwild.app.web.deps import Caller, NeedLogin

__all__ = ["create_app", "app_from_environment", "settle_heap", "ENVIRONMENT", "host_name",
           "LOOPBACK_HOSTS", "MAX_BODY_BYTES", "CSP", "HSTS"]

HERE = Path(__file__).parent
MAX_BODY_BYTES = 26 * 1024 * 1024
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
RETRY_AFTER_SECONDS = 2


def host_name(header: str) -> str:
    """The host of a ``Host`` header: lower case, without the port.

    >>> host_name("Labels.Example.org:8443"), host_name("[::1]:8765"), host_name("127.0.0.1")
    ('labels.example.org', '::1', '127.0.0.1')
    """
    header = header.strip().lower()
    if header.startswith("[") and "]" in header:
        return header[1:header.index("]")]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Guard:
    """ASGI middleware: refuse a ``Host`` that is not allowed (400, against DNS rebinding)
    and bodies over the limit (413); add security headers (and HSTS in HTTPS mode)."""

    def __init__(self, app, allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
                 https: bool = False, max_body: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_body = app, max_body
        self.allowed = {h.lower() for h in allowed_hosts}
        self.headers = SECURITY_HEADERS + ([HSTS] if https else [])

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if "*" not in self.allowed and host not in self.allowed:
            return await self._refuse(send, 400, "this server does not answer to that Host "
                                      "name: use its own address, or start it with "
                                      "--allowed-hosts NAME")
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await self._too_large(send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise _BodyTooLarge()
            return message

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in self.headers if h[0] not in names]
            await send(message)

        try:
            await self.app(scope, limited_receive, with_headers)
        except _BodyTooLarge:
            await self._too_large(send)

    async def _too_large(self, send) -> None:
        await self._refuse(send, 413, f"request body too large: the limit is {self.max_body} "
                                      "bytes")

    async def _refuse(self, send, status: int, message: str) -> None:
        body = json.dumps({"detail": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())] + self.headers})
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


def _answer(request: Request, status: int, message: str):
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html",
                                      {"status": status, "message": message, "who": None},
                                      status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    def handler(status: int):
        async def handle(request: Request, exc: Exception):
            return _answer(request, status, str(exc))
        return handle

    for exc_type, status in ((NotFound, 404), (AccessDenied, 403), (LeaseError, 409),
                             (ValueError, 400), (UnsafeModelFile, 500)):
        app.add_exception_handler(exc_type, handler(status))

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_away(request: Request, exc: Exception):
        """The database is restarting or unreachable: nothing was saved; try again."""
        answer = _answer(request, 503, "the database is not reachable just now (restarting?)"
                         "; nothing was saved: try again in a few seconds")
        answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer

    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, exc: NeedLogin):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict):
        return _answer(request, 409, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/") or exc.status_code < 400:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return _answer(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        return JSONResponse({"detail": "; ".join(parts) or "invalid request"},
                            status_code=422)


def create_app(ws: Workspace, *, allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
               https: bool = False) -> FastAPI:
    """The app for workspace ``ws``. It never fits or scores a model: retrains are jobs in
    the database and streamed items wait there for their decision, both taken up by the
    training worker process (``alwild worker``).

    It answers only requests whose ``Host`` is in ``allowed_hosts`` (``"*"``: any). With
    ``https`` (it is reached over HTTPS, e.g. through a reverse proxy), cookies are
    ``Secure`` and answers carry HSTS."""
    app = FastAPI(title="alwild labelling app", version="1", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.ws = ws
    app.state.https = https
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _install_error_handlers(app)

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(caller: Caller) -> dict:
        return app.openapi()

    app.add_middleware(Guard, allowed_hosts=tuple(allowed_hosts), https=https)
    return app


ENVIRONMENT = "ALWILD_SERVE"


def app_from_environment() -> FastAPI:
    """The app of one of several web processes (uvicorn ``--workers``): the workspace and
    options come as JSON in the ``ALWILD_SERVE`` environment variable, set by ``serve``."""
    from alwild.app.store.workspace import open_workspace

    options = json.loads(os.environ[ENVIRONMENT])
    app = create_app(open_workspace(options["root"]),
                     allowed_hosts=tuple(options["allowed_hosts"]), https=options["https"])
    settle_heap()
    return app


def settle_heap() -> None:
    """Move what a web process holds once started (modules, the app, the mappers) out of
    the garbage collector's reach: a full collection then walks only what requests made
    since, instead of pausing every request for ~0.1-0.2 s to walk the whole heap.

    >>> settle_heap(); gc.get_freeze_count() > 0
    True
    >>> gc.unfreeze()  # a test process gives them back to the collector
    """
    gc.collect()
    gc.freeze()
