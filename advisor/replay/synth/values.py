"""Plain values: a column's values for a run of rows, from its hint or from its type and name.

A hinted column draws from its value mix or its distinct ranks
(:meth:`~advisor.catalog.profile.values.ColumnHint.mix`); a column under a
UNIQUE constraint of its own gets values by row number; the rest get values of
their type, shaped by their name (``*_at`` timestamps, ``is_*`` flags).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from advisor.catalog.profile import ColumnHint
from advisor.catalog.schema import Column
from advisor.replay.synth.shapes import Shape

TEXT_WIDTH = 16  # average length of a text column with no width hint

_TIME_NAME = re.compile(r"(?:^|_)(?:time|timestamp|date|datetime|created|updated)(?:_|$)|_at$")
_FLAG_NAME = re.compile(r"^(?:is|has|can|should)_")
_EPOCH = datetime(2026, 1, 1)


def _affinity(declared: str) -> str:
    """SQLite's type affinity rules, reduced to the kinds of value worth generating."""
    text = declared.upper()
    if "INT" in text:
        return "integer"
    if any(word in text for word in ("CHAR", "CLOB", "TEXT")) or not text:
        return "text"
    if "BLOB" in text:
        return "blob"
    if any(word in text for word in ("REAL", "FLOA", "DOUB")):
        return "real"
    return "integer"


class ValueMaker:
    """Draws a plain column's values for a run of rows: from its hint, else by type and name."""

    def __init__(self, table: str, column: Column, shape: Shape, letters: str) -> None:
        self.column = column
        self.kind = _affinity(column.type)
        name = column.name.lower()
        self.rowid = name == (shape.table.rowid_alias or "").lower()
        self.unique = name in shape.unique_columns
        self.prefix = f"{table}-" if name == "name" else f"{column.name}-"
        self.letters = letters
        self.time_like = _TIME_NAME.search(name) is not None
        self.flag_like = _FLAG_NAME.search(name) is not None

    def make(self, hint: ColumnHint | None, first: int, count: int,
             rng: random.Random) -> list[Any]:
        """Values for rows ``first:first + count``; NULLs only where the column allows them."""
        width = hint.width if hint is not None and hint.width is not None else None
        if self.rowid:
            values: list[Any] = list(range(first + 1, first + count + 1))
        elif self.unique:
            values = self._sequence(first, count, width)
        elif hint is not None and (hint.values or hint.distinct):
            population, cumulative = hint.mix()
            values = rng.choices(population, cum_weights=cumulative, k=count)
            if not hint.values:
                values = self._ranks(values, width)
        else:
            values = self._default(first, count, width, rng)
        if hint is not None and hint.null_fraction and not self.column.not_null:
            draw, cut = rng.random, hint.null_fraction
            values = [None if draw() < cut else v for v in values]
        return values

    def _sequence(self, first: int, count: int, width: int | None) -> list[Any]:
        """Distinct values by row number, for a column a UNIQUE constraint covers alone."""
        numbers = range(first + 1, first + count + 1)
        if self.kind == "integer":
            return list(numbers)
        if self.kind == "real":
            return [float(n) for n in numbers]
        return [self._pad(f"{self.prefix}{n}", width, n) for n in numbers]

    def _ranks(self, ranks: list[Any], width: int | None) -> list[Any]:
        """A ``distinct`` hint draws ranks; text columns get a name per rank (``user-3``)."""
        if self.kind == "integer":
            return ranks
        if self.kind == "real":
            return [float(r) for r in ranks]
        names = {r: self._pad(f"{self.prefix}{r}", width, r) for r in set(ranks)}
        return [names[r] for r in ranks]

    def _default(self, first: int, count: int, width: int | None,
                 rng: random.Random) -> list[Any]:
        """Values of the column's type when no hint says otherwise."""
        draw = rng.random
        if self.kind == "integer":
            if self.flag_like:
                return [1 if draw() < 0.2 else 0 for _ in range(count)]
            high = 100 if self.column.name.lower().endswith("_id") else 10_000
            return [1 + int(high * draw()) for _ in range(count)]
        if self.kind == "real":
            return [round(1000 * draw(), 3) for _ in range(count)]
        if self.kind == "blob":
            size = width or TEXT_WIDTH
            return [rng.randbytes(size) for _ in range(count)]
        if self.time_like:
            return [(_EPOCH + timedelta(seconds=37 * n + int(37 * draw())))
                    .isoformat(timespec="seconds") for n in range(first, first + count)]
        return self._strings(first, count, width or TEXT_WIDTH, draw)

    def _strings(self, first: int, count: int, width: int,
                 draw: Callable[[], float]) -> list[str]:
        """``<column>-<row>`` padded with letters to lengths averaging ``width``."""
        spread = 2 * max(width // 2, 1)
        shortest = width - spread // 2 - 1  # less the "-" between number and letters
        letters, prefix = self.letters, self.prefix
        room = max(len(letters) - 2 * width, 1)
        cores = [f"{prefix}{row}" for row in range(first + 1, first + count + 1)]
        # One draw per value sets both the length and where its letters start.
        return [f"{core}-{letters[(start := int(u * 999_983) % room):start + pad]}"
                if (pad := shortest + int(spread * u) - len(core)) > 0 else core
                for core, u in zip(cores, [draw() for _ in range(count)], strict=True)]

    def _pad(self, core: str, width: int | None, offset: int) -> str:
        """``core`` filled with letters to ``width`` characters (longer cores stay whole)."""
        if width is None or len(core) + 1 >= width:
            return core
        room = len(self.letters) - width
        start = (offset * 2654435761) % room if room > 0 else 0
        return core + "-" + self.letters[start:start + width - len(core) - 1]
