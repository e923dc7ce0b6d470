"""Many rows through one statement, as a single DB-API ``executemany``.

SQLAlchemy's own executemany processes each row's parameters in Python (a dictionary per
row, type processing per value); for the thousand-row writes of a model registration,
which run while other writers wait for the lock, that is most of the time. Here the
statement is compiled once for the connection's dialect and the rows go to the driver
as they are, so they must hold values the driver takes directly (int, float, str, bool,
None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Insert
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

__all__ = ["execute_many"]


def execute_many(db: Session, statement: Executable, rows: Sequence[Mapping]) -> int:
    """Run ``statement`` once per row of ``rows`` (bind name -> value) in ``db``'s
    transaction; returns the number of rows given.

    >>> from sqlalchemy import insert
    >>> execute_many(db, insert(Skip.__table__), [{"item_id": 1, "user_id": 2}])
    ... # doctest: +SKIP
    1
    """
    if not rows:
        return 0
    conn = db.connection()
    keys = list(rows[0]) if isinstance(statement, Insert) else None  # the columns given
    compiled = statement.compile(dialect=conn.dialect, column_keys=keys, for_executemany=True)
    if compiled.positional:
        names = compiled.positiontup
        params = [tuple(row[name] for name in names) for row in rows]
    else:
        params = [dict(row) for row in rows]
    conn.exec_driver_sql(str(compiled), params)
    return len(rows)
