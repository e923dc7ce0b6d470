"""Server-side login sessions: the cookie is a random token, the store keeps its hash.

A session ends when its user logs out, when the user's password changes, when the user is
deactivated, or 12 hours after login; a saved cookie is worthless after any of these.
"""

from __future__ import annotations

import secrets

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from alwild.app.services.auth import hash_token
from alwild.app.store.orm import LoginSession, User, now

__all__ = ["start_session", "read_session", "end_session", "end_sessions", "SESSION_SECONDS"]

SESSION_SECONDS = 12 * 3600


def start_session(db: Session, user: User) -> str:
    """A new session of ``user``; returns the cookie value (shown to the browser only)."""
    token = secrets.token_urlsafe(32)
    t = now()
    db.execute(delete(LoginSession).where(LoginSession.expires_at < t))
    db.add(LoginSession(user_id=user.id, token_hash=hash_token(token),
                        nonce=secrets.token_urlsafe(12), created_at=t,
                        expires_at=t + SESSION_SECONDS))
    return token


_SESSION_USER = (select(User, LoginSession.nonce)  # built once: every page request runs it
                 .join(LoginSession, LoginSession.user_id == User.id)
                 .where(LoginSession.token_hash == bindparam("p_hash"),
                        LoginSession.expires_at >= bindparam("p_now"), User.active.is_(True)))


def read_session(db: Session, cookie: str | None) -> tuple[User, str] | None:
    """The (user, CSRF nonce) of a live session cookie of an active user, else None."""
    if not cookie or len(cookie) > 200:
        return None
    found = db.execute(_SESSION_USER, {"p_hash": hash_token(cookie), "p_now": now()}).first()
    return None if found is None else (found[0], found[1])


def end_session(db: Session, cookie: str | None) -> None:
    """Log the session of ``cookie`` out (nothing if there is none)."""
    if cookie:
        db.execute(delete(LoginSession).where(LoginSession.token_hash == hash_token(cookie)))


def end_sessions(db: Session, user: User) -> int:
    """End every session of ``user``; returns how many there were."""
    return db.execute(delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount
