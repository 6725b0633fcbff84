"""IndexSpec: an index as a value (hashable, ordered), real or hypothetical.

Written and read as ``table(col, col DESC)`` with an optional ``WHERE …`` for
a partial index; that is also how users name indexes on the command line. A key
may be an expression of the table's columns, ``users(lower(email))``: a
``KeyExpression``, the expression's text as SQLite reads it, where a plain key is a
column's name.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sqlite3
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from advisor.model.errors import AdvisorError


class IndexSpecError(AdvisorError):
    """An index written as text cannot be read, or names what the catalog lacks."""


# A column in another collation, as ``collated_key`` writes it.
_COLLATED = re.compile(r'(?:\w+|"(?:[^"]|"")+") COLLATE \w+')


class KeyExpression(str):
    """An index key that is an expression of its table's columns (``lower(email)``), in
    one canonical text: sqlglot's SQLite rendering, columns unqualified. SQLite uses an
    index on an expression for a query comparing the same expression (its
    ``lower(u.email) = ?``); the text says which, and where a column's name is expected
    (statistics, widths) it names none."""

    __slots__ = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The table columns it reads (an UPDATE of one of them moves its entry)."""
        return _expression_columns(str(self))

    @property
    def holds(self) -> tuple[str, ...]:
        """The columns whose values the index holds: a column in another collation keeps
        its value (only the order differs); an expression keeps only its result."""
        return self.columns if _COLLATED.fullmatch(self) else ()


@functools.lru_cache(maxsize=1024)  # asked on every write's upkeep the search prices
def _expression_columns(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(
        column.name for column in sqlglot.parse_one(text, read="sqlite").find_all(exp.Column)))


def collated_key(column: str, collation: str) -> KeyExpression:
    """``column`` compared in ``collation`` (``email COLLATE NOCASE``) as an index key:
    SQLite seeks such an index for a comparison in that collation only."""
    return KeyExpression(f"{_shown(column)} COLLATE {collation.upper()}")


def compared_key(column: str, collation: str, declared: str) -> str:
    """What an index keys to serve ``column`` compared in ``collation``: the column itself
    where that is the collation it is ``declared`` in (a plain index serves it), else its
    collated key."""
    return column if declared == collation else collated_key(column, collation)


def key_expression(node: exp.Expr) -> KeyExpression:
    """The canonical key of an expression node (a copy, its columns unqualified)."""
    node = node.copy()
    for column in node.find_all(exp.Column):
        column.set("table", None)
    if isinstance(node, exp.Collate) and isinstance(node.this, exp.Column):
        return collated_key(node.this.name, node.expression.name)
    # SQLite matches an index's expression to a query's by function name: substr as
    # written (sqlglot's SQLite writes its Substring as substring).
    node = node.transform(_as_substr)
    return KeyExpression(node.sql(dialect="sqlite", normalize_functions="lower"))


def _as_substr(node: exp.Expr) -> exp.Expr:
    if not isinstance(node, exp.Substring):
        return node
    return exp.Anonymous(this="substr", expressions=[
        arg for arg in (node.this, node.args.get("start"), node.args.get("length"))
        if arg is not None])


@functools.lru_cache(maxsize=1024)
def sqlite_refuses(expression: KeyExpression) -> str | None:
    """Why SQLite will not index ``expression`` over a row of its columns (NULLs), in its
    words, or None: a function it does not know or that is not deterministic
    (``random()``), a subquery."""
    connection = sqlite3.connect(":memory:")
    try:
        names = ", ".join(key_sql(column) for column in expression.columns)
        connection.execute(f"CREATE TABLE t ({names or 'x'})")
        connection.execute("INSERT INTO t DEFAULT VALUES")
        connection.execute(f"CREATE INDEX i ON t ({expression})")
        return None
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        connection.close()


def read_key_expression(text: str) -> KeyExpression:
    """``lower(email)`` as written by a user, in the canonical text."""
    try:
        node = sqlglot.parse_one(text, read="sqlite")
    except SqlglotError as exc:
        raise IndexSpecError(f"cannot read the key expression {text!r}") from exc
    if isinstance(node, (exp.Column, exp.Identifier, exp.Alias)) or not node.find(exp.Column):
        raise IndexSpecError(f"cannot read the key {text!r}: write a column, or an "
                             "expression of the table's columns")
    return key_expression(node)


def key_columns(name: str) -> tuple[str, ...]:
    """The columns a key reads: itself, or an expression's columns."""
    return name.columns if isinstance(name, KeyExpression) else (name,)


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
        """The keys' names: a column's, or a ``KeyExpression``'s text."""
        return tuple(name for name, _ in self.columns)

    @property
    def columns_held(self) -> tuple[str, ...]:
        """The table columns whose values its entries hold (a covering index's)."""
        return tuple(dict.fromkeys(c for name, _ in self.columns for c in (
            name.holds if isinstance(name, KeyExpression) else (name,))))

    @property
    def columns_read(self) -> tuple[str, ...]:
        """The table columns its keys read (an expression's, for an expression key)."""
        return tuple(dict.fromkeys(c for name, _ in self.columns for c in key_columns(name)))

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
        inner = ", ".join(f"{key_sql(c)} DESC" if desc else key_sql(c) for c, desc in self.columns)
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
    ``parse_index`` reads it back; an expression as it is."""
    if isinstance(name, KeyExpression):
        return str(name)
    return name if re.fullmatch(r"\w+", name) else f'"{name}"'


def key_sql(name: str) -> str:
    """A key as SQL writes it: a column quoted, an expression as it is."""
    if isinstance(name, KeyExpression):
        return str(name)
    return '"' + name.replace('"', '""') + '"'


# A name: a word, or quoted ("…", `…`, […]) and then it may hold spaces ("audit log").
_NAME = r"(?:\"[^\"]+\"|`[^`]+`|\[[^\]]+\]|\w+)"
_TABLE = re.compile(rf"^\s*({_NAME})\s*\(", re.S)
_WHERE = re.compile(r"\s*(?:WHERE\s+(.+?))?\s*$", re.I | re.S)
_COLUMN = re.compile(rf"^\s*({_NAME})(?:\s+(ASC|DESC))?\s*$", re.I)
_EXPRESSION = re.compile(r"^\s*(.+?)(?:\s+(ASC|DESC))?\s*$", re.I | re.S)


def parse_index(text: str) -> IndexSpec:
    """Read ``table(col, col DESC) [WHERE …]`` (``read_index`` checks the names too).

    >>> parse_index("job(workflow_id, status DESC)").describe()
    'job(workflow_id, status DESC)'
    >>> parse_index("job(workflow_id) WHERE status IN (6, 7, 8)").where
    'status IN (6, 7, 8)'
    """
    table = _TABLE.match(text)
    parts = _key_parts(text, table.end()) if table else None
    where = _WHERE.match(text, parts[1]) if parts else None
    if table is None or parts is None or where is None:
        raise IndexSpecError(f"cannot read index {text!r}: write it as table(col, col DESC)")
    columns: list[tuple[str, bool]] = []
    for part in parts[0]:
        column = _COLUMN.match(part)
        expression = None if column else _EXPRESSION.match(part)
        if column:
            columns.append((column.group(1).strip('"`[]'),
                            (column.group(2) or "").upper() == "DESC"))
        elif expression:
            columns.append((read_key_expression(expression.group(1)),
                            (expression.group(2) or "").upper() == "DESC"))
        else:
            raise IndexSpecError(f"cannot read column {part.strip()!r} in index {text!r}")
    return IndexSpec(table.group(1).strip('"`[]'), tuple(columns), where.group(1))


def _key_parts(text: str, start: int) -> tuple[list[str], int] | None:
    """The comma-separated keys from ``start`` to the ``)`` that closes them (an
    expression's own parentheses and quoted text included), and where they end."""
    parts, depth, begun, quote = [], 0, start, ""
    for at in range(start, len(text)):
        char = text[at]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif char == ")":
            parts.append(text[begun:at])
            return parts, at + 1
        elif char == "," and not depth:
            parts.append(text[begun:at])
            begun = at + 1
    return None
