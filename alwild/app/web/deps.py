"""Request plumbing shared by the API and the pages: the database session, who is asking
(API token or session cookie), CSRF checks and the role check."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from alwild.app.services.auth import check_csrf, csrf_token, user_for_token
from alwild.app.services.sessions import read_session
from alwild.app.store.orm import User
from alwild.app.store.workspace import Workspace

__all__ = ["get_db", "get_lease_db", "get_label_db", "transactional", "Caller", "Admin", "DB",
           "LeaseDB", "LabelDB", "Who",
           "who", "who_optional",
           "require_admin", "csrf_ok", "SESSION_COOKIE", "NeedLogin"]

SESSION_COOKIE = "alwild_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NeedLogin(Exception):
    """Raised for a page request without a valid session (answered with a redirect)."""


@dataclass
class Who:
    user: User
    via: str  # "token" or "session"
    nonce: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"

    def csrf(self, key: bytes) -> str:
        return csrf_token(key, self.nonce or "")


def workspace(request: Request) -> Workspace:
    return request.app.state.ws


def transactional(endpoint):
    """Run a route on the event loop and end its transaction before it returns.

    SQLite has one writer at a time and every transaction here takes the write lock at
    BEGIN (IMMEDIATE: no failed lock upgrades). Handlers run on the event loop and commit
    (or roll back, on error) before returning, so a lock is never held across an await
    point, where another request would wait for it while blocking the loop. A session
    that asks for it (``Workspace.label_session``) is awaited durable after its commit,
    with the lock released: other requests run while the disk syncs.
    """

    @functools.wraps(endpoint)
    async def run(*args, **kwargs):
        db = kwargs.get("db")
        try:
            result = endpoint(*args, **kwargs)
        except BaseException:
            if db is not None:
                db.rollback()
            raise
        if db is not None:
            db.commit()
            durable = db.info.get("durable")
            if durable is not None:  # answer once the commit is on disk
                await durable()
        return result

    return run


def _session_per_request(open_session):
    """A dependency that gives a route a session of ``open_session(workspace)``, closed
    after the request (routes end their own transactions: :func:`transactional`)."""

    async def dependency(request: Request) -> AsyncIterator[Session]:
        db = open_session(workspace(request))
        try:
            yield db
        finally:
            db.close()

    return dependency


get_db = _session_per_request(Workspace.session)
# a route that only writes leases (see ``Workspace.lease_session``)
get_lease_db = _session_per_request(Workspace.lease_session)
# a route that saves labels: a group fsync makes them durable before it answers (see
# ``Workspace.label_session``)
get_label_db = _session_per_request(Workspace.label_session)


def _identify(request: Request, db: Session) -> Who | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = user_for_token(db, auth[7:].strip())
        if user is None:
            raise HTTPException(401, "invalid API token", {"WWW-Authenticate": "Bearer"})
        return Who(user, "token")
    found = read_session(db, request.cookies.get(SESSION_COOKIE))
    return None if found is None else Who(found[0], "session", found[1])


DB = Annotated[Session, Depends(get_db)]
LeaseDB = Annotated[Session, Depends(get_lease_db)]
LabelDB = Annotated[Session, Depends(get_label_db)]


async def csrf_ok(request: Request, who: Who) -> bool:
    """Token clients need no CSRF token; cookie sessions must send it (header or form)."""
    if who.via == "token" or request.method in SAFE_METHODS:
        return True
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get("csrf")
    return check_csrf(workspace(request).secret_key, who.nonce or "", given)


def _identify_now(request: Request) -> Who | None:
    """:func:`_identify` (one query) in a read-only session of its own, closed before the
    route runs: on SQLite it does not take the write lock, on PostgreSQL it needs no
    transaction. Nothing is cached, so a revoked token, an ended session or a deactivated
    user is refused from the next request on."""
    with workspace(request).lookup() as db:
        return _identify(request, db)


async def identified(request: Request) -> Who:
    """The authenticated caller (its read transaction has ended, see :func:`transactional`)."""
    found = _identify_now(request)
    if found is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(401, "log in or send an API token (Authorization: Bearer ...)",
                                {"WWW-Authenticate": "Bearer"})
        raise NeedLogin()
    return found


async def who(request: Request, found: Annotated[Who, Depends(identified)]) -> Who:
    """The authenticated caller, with the CSRF check for cookie sessions (403 if wrong)."""
    if not await csrf_ok(request, found):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return found


Caller = Annotated[Who, Depends(who)]


async def who_optional(request: Request) -> Who | None:
    try:
        return _identify_now(request)
    except HTTPException:
        return None


def require_admin(caller: Caller) -> Who:
    if not caller.is_admin:
        raise HTTPException(403, "admins only")
    return caller


Admin = Annotated[Who, Depends(require_admin)]
