"""Passwords, API tokens and CSRF tokens (stdlib only); sessions are
:mod:`alwild.app.services.sessions`.

>>> h = hash_password("correct horse")
>>> verify_password("correct horse", h), verify_password("wrong", h)
(True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from alwild.app.store.orm import ApiToken, User
from alwild.errors import UserValueError

__all__ = [
    "hash_password", "verify_password", "new_password", "new_api_token", "hash_token",
    "user_for_token", "csrf_token", "check_csrf", "create_user", "authenticate",
    "check_password", "MIN_PASSWORD",
]

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    """An scrypt hash with a random salt, as ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt${n}${r}${p}$".format(**_SCRYPT) + f"{salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if algo != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), dklen=32,
                         n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(got.hex(), digest)


def check_password(password: str) -> str:
    """``password`` if it is long enough to be set, else a UserValueError.

    >>> check_password("correct horse battery")
    'correct horse battery'
    """
    if len(password) < MIN_PASSWORD or len(password) > 256:
        raise UserValueError(f"a password needs {MIN_PASSWORD} to 256 characters, got "
                             f"{len(password)}")
    return password


def new_password() -> str:
    """A random password for a new account, shown once."""
    return secrets.token_urlsafe(12)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_token(db: Session, user: User, name: str = "") -> str:
    """Create an API token for ``user``; only its hash is stored, the token is returned once."""
    token = "alw_" + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name[:64]))
    return token


# built once: every request with an API token runs it
_TOKEN_USER = select(User).join(ApiToken, ApiToken.user_id == User.id).where(
    ApiToken.token_hash == bindparam("p_hash"), User.active.is_(True))


def user_for_token(db: Session, token: str) -> User | None:
    """The active user whose API token ``token`` is (one query, no cache: a revoked token
    or a deactivated user is refused from the next request on), else None."""
    return db.scalar(_TOKEN_USER, {"p_hash": hash_token(token)})


def create_user(db: Session, username: str, role: str, password: str | None = None
                ) -> tuple[User, str]:
    """Add a user; returns it with its password (a generated one when none is given)."""
    if role not in ("admin", "annotator"):
        raise UserValueError(f"role must be admin or annotator, got {role!r}")
    username = username.strip()
    if not username or len(username) > 64 or not username.replace("_", "").replace(
            "-", "").replace(".", "").isalnum():
        raise UserValueError("username must be 1-64 letters, digits, '.', '-' or '_'")
    if db.scalar(select(User).where(User.username == username)) is not None:
        raise UserValueError(f"user {username!r} already exists")
    password = password or new_password()
    user = User(username=username, password_hash=hash_password(password), role=role)
    db.add(user)
    db.flush()
    return user, password


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        hash_password(password)  # same work either way: no user-enumeration by timing
        return None
    return user if verify_password(password, user.password_hash) else None


def _sign(key: bytes, message: str) -> str:
    mac = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def csrf_token(key: bytes, nonce: str) -> str:
    """The CSRF token of a session: forms carry it in a hidden field, fetch in a header."""
    return _sign(key, "csrf:" + nonce)


def check_csrf(key: bytes, nonce: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(given, csrf_token(key, nonce))
