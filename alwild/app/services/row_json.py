"""Table rows as JSON text, a whole column at a time.

``json.dumps`` of one row dict after another spends most of a bulk ingest in the encoder;
here each column's cells are encoded once (a C-level ``map`` per column) and the row texts
are joined from those pieces, in column order (what the store keeps) and with the keys
sorted (what the content hash is taken of). Both equal ``json.dumps(row)`` and
``json.dumps(row, sort_keys=True)`` character for character.

>>> import json
>>> rows = row_texts(["b", "a"], [[1.5, None], ["x", "é"]])
>>> rows.plain[1] == json.dumps({"b": None, "a": "é"})
True
>>> rows.sorted_keys[0]
'{"a": "x", "b": 1.5}'
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii

__all__ = ["row_texts", "RowTexts", "encode_cells"]

_SPECIAL = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _float_text(value) -> str:
    if value is None:
        return "null"
    if value != value:
        return "NaN"
    return _SPECIAL.get(value) or float.__repr__(value)


def encode_cells(values: list, kind: str) -> list[str]:
    """The JSON text of each cell of one column; ``kind`` is what its cells are: ``"f"``
    floats or None, ``"i"``/``"u"`` ints, ``"b"`` bools, ``"s"`` strings, ``""`` any mix of
    plain Python values.

    >>> encode_cells([1.0, None, float("inf")], "f")
    ['1.0', 'null', 'Infinity']
    """
    if kind in ("i", "u"):
        return list(map(int.__repr__, values))
    if kind == "f":
        if None not in values and math.isfinite(sum(values)):
            return list(map(float.__repr__, values))
        return list(map(_float_text, values))
    if kind == "b":
        return ["true" if v else "false" for v in values]
    if kind == "s":
        return list(map(encode_basestring_ascii, values))
    return list(map(json.dumps, values))


@dataclass(frozen=True)
class RowTexts:
    plain: list[str]
    sorted_keys: list[str]


def _join(names: list[str], cells: list[list[str]], order: list[int]) -> list[str]:
    keyed = [list(map((encode_basestring_ascii(names[j]) + ": ").__add__, cells[j]))
             for j in order]
    return ["{" + r + "}" for r in map(", ".join, zip(*keyed, strict=True))]


def row_texts(names: list[str], columns: list[list], kinds: list[str] | None = None
              ) -> RowTexts:
    """The JSON text of each row of ``columns`` (one list of plain values per column, named
    ``names``; at least one), in column order and with sorted keys."""
    kinds = kinds or [""] * len(names)
    cells = [encode_cells(values, kind) for values, kind in zip(columns, kinds, strict=True)]
    plain = list(range(len(names)))
    by_name = sorted(plain, key=lambda j: names[j])
    return RowTexts(_join(names, cells, plain), _join(names, cells, by_name))
