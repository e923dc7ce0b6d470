"""The errors that mean "what you asked for cannot be done as asked", for the user to fix.

Every message says what was wrong and what to do. The CLI prints these without a
traceback and exits with 2; any other exception is a bug and keeps its traceback. They
are also a ``ValueError`` or a ``TypeError``, so code that catches those keeps working.

>>> try:
...     raise UserValueError("n_instances=0 but the pool has 5 rows: ask for between 1 and 5")
... except ValueError as err:
...     isinstance(err, UserError)
True
"""

from __future__ import annotations

__all__ = ["UserError", "UserValueError", "UserTypeError", "UserArgumentError",
           "check_positive_int"]


class UserError(Exception):
    """A problem with what the user asked for; printed without a traceback."""


class UserValueError(UserError, ValueError):
    """A value the user gave (data, a setting, a file) that cannot be used as it is."""


class UserTypeError(UserError, TypeError):
    """A model, pool or argument of a kind that cannot do what was asked of it."""


class UserArgumentError(UserValueError, AssertionError):
    """An argument out of range where modAL asserted it: also an ``AssertionError``, so
    modAL code that catches that keeps working."""


def check_positive_int(name: str, value) -> int:
    """``value`` as an int if it is a whole number of at least 1, else a UserValueError.

    >>> check_positive_int("batch_size", 3.0)
    3
    """
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise UserValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)
