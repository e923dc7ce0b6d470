"""Login throttling: failed logins are counted per account and per client address, and
past a few free tries each further failure doubles the wait before the next try.

While a wait runs, every login of that account, or from that address, is refused without
looking at the password, the right one too. Counts are kept in the database (so they hold
across restarts and processes) and forgotten an hour after the last failure. Each failure
and each refusal is logged (logger ``alwild.app.login``).
"""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from alwild.app.store.orm import LoginFailure, now

__all__ = ["lock_seconds", "wait_seconds", "record_failure", "record_success",
           "ACCOUNT_FREE", "ADDRESS_FREE", "MAX_WAIT", "FORGET_AFTER"]

log = logging.getLogger("alwild.app.login")

ACCOUNT_FREE = 5  # failures of one account before waits begin
ADDRESS_FREE = 20  # failures from one address (many people can share one)
MAX_WAIT = 15 * 60
FORGET_AFTER = 3600


def lock_seconds(failures: int, free: int) -> float:
    """The wait after ``failures`` failures when ``free`` of them cost nothing.

    >>> [lock_seconds(n, 5) for n in (1, 4, 5, 6, 7, 30)]
    [0, 0, 1, 2, 4, 900]
    """
    return 0 if failures < free else min(2 ** (failures - free), MAX_WAIT)


def _keys(username: str, address: str) -> tuple[tuple[str, int], ...]:
    return ((f"user:{username.strip().lower()[:64]}", ACCOUNT_FREE),
            (f"addr:{address[:150]}", ADDRESS_FREE))


def wait_seconds(db: Session, username: str, address: str) -> float:
    """Seconds until ``username`` may try to log in from ``address`` again (0: now)."""
    t = now()
    waits = [row.locked_until - t for key, _ in _keys(username, address)
             if (row := db.get(LoginFailure, key)) is not None]
    wait = max([0.0, *waits])
    if wait:
        log.warning("login of %r from %s refused: throttled for %.0f more s", username,
                    address, wait)
    return wait


def record_failure(db: Session, username: str, address: str) -> float:
    """Count a wrong password for ``username`` from ``address``; returns the wait it sets."""
    t = now()
    db.execute(delete(LoginFailure).where(LoginFailure.last_at < t - FORGET_AFTER))
    wait = 0.0
    for key, free in _keys(username, address):
        row = _locked_row(db, key, t)
        row.failures += 1
        row.last_at = t
        row.locked_until = t + lock_seconds(row.failures, free)
        wait = max(wait, row.locked_until - t)
    log.warning("failed login for %r from %s%s", username, address,
                f"; further tries wait {wait:.0f} s" if wait else "")
    return wait


def _locked_row(db: Session, key: str, t: float) -> LoginFailure:
    """The row of ``key``, made if missing, locked until the commit: concurrent failures
    of one account all count, and none of them fails on the insert."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(dialect.insert(LoginFailure).values(key=key, failures=0, last_at=t,
                                                   locked_until=0.0).on_conflict_do_nothing())
    return db.get(LoginFailure, key, with_for_update=True, populate_existing=True)


def record_success(db: Session, username: str) -> None:
    """Forget the account's failures (the address's stay: one good login of an account of
    their own must not let someone guess on at other accounts)."""
    key = _keys(username, "")[0][0]
    db.execute(delete(LoginFailure).where(LoginFailure.key == key))
