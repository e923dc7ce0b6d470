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

__all__ = ["UserError", "UserValueError", "UserTypeError", "UserArgumentError"]


class UserError(Exception):
    """A problem with what the user asked for; printed without a traceback."""


class UserValueError(UserError, ValueError):
    """A value the user gave (data, a setting, a file) that cannot be used as it is."""


class UserTypeError(UserError, TypeError):
    """A model, pool or argument of a kind that cannot do what was asked of it."""


class UserArgumentError(UserValueError, AssertionError):
    """An argument out of range where modAL asserted it: also an ``AssertionError``, so
    modAL code that catches that keeps working."""
