"""IndexSpec: an index as a value (hashable, ordered), real or hypothetical.

Written and read as ``table(col, col DESC)`` with an optional ``WHERE …`` for
a partial index; that is also how users name indexes on the command line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from advisor.model.errors import AdvisorError


class IndexSpecError(AdvisorError):
    """An index written as text cannot be read, or names what the catalog lacks."""


@dataclass(frozen=True)
class IndexSpec:
    table: str
    columns: tuple[tuple[str, bool], ...]  # (column, descending)
    where: str | None = None
    # Sets of specs key every price the searches ask for: five million hashes of the
    # nested column tuples were a tenth of TPC-H's measured searches.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.table, self.columns, self.where)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[IndexSpec], tuple[object, ...]]:
        """Rebuilt from its fields, its hash anew: another process salts strings
        otherwise."""
        return IndexSpec, (self.table, self.columns, self.where)

    def __lt__(self, other: IndexSpec) -> bool:
        """Ordered by table, then columns, full indexes before partial ones."""
        return (self.table, self.columns, self.where or "") < (
            other.table, other.columns, other.where or "")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def describe(self) -> str:
        """``table(a, b DESC)`` and, for a partial index, `` WHERE …``."""
        inner = ", ".join(f"{_shown(name)} DESC" if desc else _shown(name)
                          for name, desc in self.columns)
        text = f"{_shown(self.table)}({inner})"
        return f"{text} WHERE {self.where}" if self.where else text

    def __str__(self) -> str:
        return self.describe()

    @property
    def name(self) -> str:
        """A stable, readable index name: table, columns, and a short hash of the whole."""
        digest = hashlib.sha1(self.describe().encode()).hexdigest()[:6]
        columns = "_".join(name for name, _ in self.columns)
        # Word characters only (a quoted table or column name may hold spaces), so that
        # the name reads as one word in plans and scripts; the hash comes last and is
        # never cut off: it keeps long and look-alike names apart.
        readable = re.sub(r"\W", "_", f"advisor_{self.table}_{columns}")
        return f"{readable[:53]}_{digest}"

    def create_sql(self, name: str | None = None) -> str:
        inner = ", ".join(f'"{c}" DESC' if desc else f'"{c}"' for c, desc in self.columns)
        sql = f'CREATE INDEX "{name or self.name}" ON "{self.table}" ({inner})'
        return f"{sql} WHERE {self.where}" if self.where else sql

    def is_prefix_of(self, other: IndexSpec) -> bool:
        """True when this index's columns (directions included) begin ``other``'s."""
        return (
            self.table == other.table
            and self.where == other.where
            and len(self.columns) <= len(other.columns)
            and other.columns[: len(self.columns)] == self.columns
        )

    def prefixes(self) -> tuple[IndexSpec, ...]:
        """The shorter indexes this one can stand in for (seeks on a leading prefix)."""
        return tuple(IndexSpec(self.table, self.columns[:n], self.where)
                     for n in range(1, len(self.columns)))


def _shown(name: str) -> str:
    """A name as ``describe`` writes it: quoted where it is not a word, so that
    ``parse_index`` reads it back."""
    return name if re.fullmatch(r"\w+", name) else f'"{name}"'


# A name: a word, or quoted ("…", `…`, […]) and then it may hold spaces ("audit log").
_NAME = r"(?:\"[^\"]+\"|`[^`]+`|\[[^\]]+\]|\w+)"
# The columns end at the first ")": a WHERE may hold parentheses (``status IN (6, 7)``).
_SPEC = re.compile(rf"^\s*({_NAME})\s*\(([^()]*)\)\s*(?:WHERE\s+(.+?))?\s*$", re.I | re.S)
_COLUMN = re.compile(rf"^\s*({_NAME})(?:\s+(ASC|DESC))?\s*$", re.I)


def parse_index(text: str) -> IndexSpec:
    """Read ``table(col, col DESC) [WHERE …]`` (``read_index`` checks the names too).

    >>> parse_index("job(workflow_id, status DESC)").describe()
    'job(workflow_id, status DESC)'
    >>> parse_index("job(workflow_id) WHERE status IN (6, 7, 8)").where
    'status IN (6, 7, 8)'
    """
    match = _SPEC.match(text)
    if not match:
        raise IndexSpecError(f"cannot read index {text!r}: write it as table(col, col DESC)")
    table = match.group(1).strip('"`[]')
    columns: list[tuple[str, bool]] = []
    for part in match.group(2).split(","):
        column = _COLUMN.match(part)
        if not column:
            raise IndexSpecError(f"cannot read column {part.strip()!r} in index {text!r}")
        columns.append((column.group(1).strip('"`[]'),
                        (column.group(2) or "").upper() == "DESC"))
    return IndexSpec(table, tuple(columns), match.group(3))
