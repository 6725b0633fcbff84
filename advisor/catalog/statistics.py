"""Statistics: how many rows each table has and how many distinct values its columns hold.

Three sources, in order of trust:

* a live database (``from_database``): its ``sqlite_stat1`` when it has one, and
  for column combinations no existing index describes, a read-only count of
  distinct values, measured rather than guessed;
* a scale profile (``from_profile``): expected rows per table, distinct counts
  from column hints, and parent keys (jobs per workflow);
* stated defaults (``defaults``): SQLite's own assumptions when it has no
  statistics (about a million rows, ten rows per equality match).

Where a database exists, ``with_sampled`` lays over any of them the lines a
sampled ANALYZE gave for every index the workload may want
(advisor.catalog.sampled_analyze): kept per index, and read back as distinct
values for the costing.

The what-if stage injects ``index_stat1`` lines into ``sqlite_stat1`` for real
and hypothetical indexes, so SQLite's planner sees numbers consistent with
the costing stage's.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from advisor.catalog.clustering import RunLengths
from advisor.catalog.database import open_read_only
from advisor.catalog.profile import Profile
from advisor.catalog.sampled_analyze import SampleCost, SampledStats
from advisor.catalog.schema import Catalog, Table
from advisor.model.frozen import freeze_mappings
from advisor.model.indexes import IndexSpec

# SQLite's assumptions without sqlite_stat1 (where.c / build.c): a table of
# about 1,048,576 rows (LogEst 200), and an equality on an indexed column that
# matches about ten rows.
DEFAULT_ROWS = 1_048_576
DEFAULT_ROWS_PER_VALUE = 10


# In a ``matches`` key, a column with this suffix stands for its range bounds: the key
# counts the rows that pass the equalities and every bound of the occurrence together.
RANGE_MARK = "~range"
# In a ``matches`` key beside the equality columns, this one counts instead the rows stored
# (in rowid order) before the first row those equalities match: where a scan that stops
# at its first match finds it.
FIRST_MARK = "~first"
# In a ``matches`` key's place of a table, this one counts the rows a statement's list
# subquery (``id IN (SELECT seat_id FROM holds WHERE ...)``, not correlated) yields; its
# column is the list's place among the statement's list subqueries, in text order.
LIST_ROWS = "~list"

# Rows counted for one statement's values: (table, equality columns) -> rows matched.
Matches = Mapping[tuple[str, frozenset[str]], float]


@dataclass(frozen=True)
class Statistics:
    """Row and distinct-value estimates, and where they came from.

    ``planner_has_stats`` says whether the target database's planner sees
    sqlite_stat1 (a database that never ran ANALYZE does not); the costing
    stage always uses the estimates, which describe the data either way.
    """

    source: str  # "sqlite_stat1", "database", "profile" or "defaults"
    notes: tuple[str, ...]
    table_rows: Mapping[str, int]
    distinct: Mapping[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)
    planner_has_stats: bool = True
    default_rows: int = DEFAULT_ROWS
    # Rows that equalities on exactly these columns match for one statement's own
    # values (counted on a database; see advisor.replay.matches): the costing's view only,
    # never the planner's, which sees averages as sqlite_stat1 gives them.
    matches: Matches = field(default_factory=dict)
    # sqlite_stat1 lines a sampled ANALYZE gave, per index (built or hypothetical), and
    # how much it read in how long (None: not sampled).
    index_stats: Mapping[IndexSpec, str] = field(default_factory=dict)
    sampling: SampleCost | None = None
    # Mean run lengths of columns in their table's rowid order, read from a database
    # (advisor.catalog.clustering): (table, column) in lower case -> rows.
    run_lengths: Mapping[tuple[str, str], float] = field(default_factory=dict)
    # The mean bytes of a column's values in a record, measured on a sample of the rows:
    # (table, column) in lower case -> bytes (unknown: not sampled).
    column_bytes: Mapping[tuple[str, str], float] = field(default_factory=dict)
    # Columns whose values are ordered with their table's rowid (clustering), lower case.
    ordered_columns: frozenset[tuple[str, str]] = frozenset()

    def __post_init__(self) -> None:
        freeze_mappings(self, "table_rows", "distinct", "matches", "index_stats",
                        "run_lengths", "column_bytes")

    def rows(self, table: str) -> int:
        return self.table_rows.get(table.lower(), self.default_rows)

    def distinct_values(self, table: str, columns: tuple[str, ...]) -> int:
        """Distinct combinations of ``columns`` in ``table`` (at least 1, at most its rows)."""
        rows = self.rows(table)
        key = (table.lower(), tuple(c.lower() for c in columns))
        known = self.distinct.get(key)
        if known is None:
            # Columns taken as independent; each unknown column as SQLite assumes.
            known = 1
            for column in key[1]:
                single = self.distinct.get((key[0], (column,)))
                known *= single if single is not None else math.ceil(rows / DEFAULT_ROWS_PER_VALUE)
        return max(1, min(rows, known))

    def rows_per_match(self, table: str, columns: tuple[str, ...]) -> float:
        """Rows an equality on every column of ``columns`` matches: counted for the
        statement's values when known (``matches``), else on average."""
        counted = self.matched(table, columns)
        return counted if counted is not None else self.average_rows_per_match(table, columns)

    def average_rows_per_match(self, table: str, columns: tuple[str, ...]) -> float:
        """Rows an equality on every column of ``columns`` matches, on average."""
        return self.rows(table) / self.distinct_values(table, columns)

    def matched(self, table: str, columns: Iterable[str]) -> float | None:
        """The counted rows for equalities on ``columns``, if they were counted."""
        return self.matches.get((table.lower(), frozenset(c.lower() for c in columns)))

    def value_bytes(self, table: str, column: str) -> float | None:
        """The mean bytes of the column's values, where a sample measured them."""
        return self.column_bytes.get((table.lower(), column.lower()))

    def with_matches(self, matches: Matches) -> Statistics:
        return replace(self, matches=matches)

    def with_run_lengths(self, found: RunLengths) -> Statistics:
        return replace(self, run_lengths={**self.run_lengths, **found.runs},
                       ordered_columns=self.ordered_columns | found.ordered, notes=(
            *self.notes, f"run lengths of {len(found.runs)} columns in stored order from "
            f"{found.rows_read:,} rows, {found.seconds:.1f} s"))

    def ordered(self, table: str, column: str) -> bool:
        """Whether the column's values go up with its table's rowid, as read from a
        database (advisor.catalog.clustering): a range on it finds consecutive rows."""
        return (table.lower(), column.lower()) in self.ordered_columns

    def clumping(self, table: str, columns: Iterable[str]) -> float:
        """How many rows an equality on one of ``columns`` matches side by side in the
        table's stored order, beyond what values spread at random give: the longest of
        their measured run lengths over a random column's d / (d - 1) for d values; 1
        where unmeasured (spread)."""
        out = 1.0
        for column in columns:
            run = self.run_lengths.get((table.lower(), column.lower()))
            if run is not None:
                spread = self.distinct_values(table, (column,))
                out = max(out, run * (1.0 - 1.0 / spread))
        return out

    def with_sampled(self, sampled: SampledStats) -> Statistics:
        """These statistics with a sampled ANALYZE's lines laid over them: its indexes'
        lines as they are, its row counts, and each full index's prefixes as distinct
        values (so the costing reads what the planner sees)."""
        rows = {**self.table_rows, **sampled.table_rows}
        distinct = dict(self.distinct)
        for spec, line in sampled.lines.items():
            if spec.where is None:
                distinct.update(distinct_from_stat1(spec.table, spec.column_names, line))
        return replace(self, table_rows=rows, distinct=distinct,
                       index_stats={**self.index_stats, **sampled.lines},
                       column_bytes={**self.column_bytes, **sampled.column_bytes},
                       sampling=sampled.cost, notes=(*self.notes, sampled.cost.describe()))

    def index_stat1(self, spec: IndexSpec, unique: bool = False) -> str:
        """The sqlite_stat1 ``stat`` text for ``spec``: as a sampled ANALYZE gave it, else
        derived from the estimates (``stat1_line``)."""
        sampled = self.index_stats.get(spec)
        return sampled if sampled is not None else self.stat1_line(
            spec.table, spec.column_names, unique)

    def stat1_line(self, table: str, columns: tuple[str, ...], unique: bool = False) -> str:
        """The sqlite_stat1 ``stat`` text for an index on ``columns`` of ``table``."""
        rows = self.rows(table)
        parts = [str(rows)]
        for width in range(1, len(columns) + 1):
            if unique and width == len(columns):
                parts.append("1")
            else:
                parts.append(str(max(1, math.ceil(
                    self.average_rows_per_match(table, columns[:width])))))
        return " ".join(parts)


def _key_columns(catalog: Catalog, table: Table, rows: int) -> dict[tuple[str, tuple[str, ...]],
                                                                     int]:
    """Columns that are unique by the schema: rowid alias, single-column keys, UNIQUE."""
    known: dict[tuple[str, tuple[str, ...]], int] = {}
    name = table.name.lower()
    if table.rowid_alias:
        known[(name, (table.rowid_alias.lower(),))] = rows
    for index in catalog.indexes_on(table.name):
        if index.unique and index.where is None:
            known[(name, tuple(c.lower() for c in index.column_names))] = rows
    return known


def defaults(catalog: Catalog) -> Statistics:
    """SQLite's own assumptions, stated: used when there is neither database nor profile."""
    distinct: dict[tuple[str, tuple[str, ...]], int] = {}
    for table in catalog.tables.values():
        distinct.update(_key_columns(catalog, table, DEFAULT_ROWS))
    return Statistics(
        source="defaults",
        notes=(f"no database or profile: every table taken as {DEFAULT_ROWS:,} rows and every "
               f"equality as matching {DEFAULT_ROWS_PER_VALUE} rows, as SQLite assumes without "
               f"statistics; give --profile or --db for real sizes",),
        table_rows={name: DEFAULT_ROWS for name in catalog.tables},
        distinct=distinct,
        planner_has_stats=False,
    )


def from_profile(catalog: Catalog, profile: Profile) -> Statistics:
    """Expected sizes from a scale profile; tables it does not size are stated."""
    rows = {name.lower(): count for name, count in profile.table_rows().items()}
    unsized = sorted(name for name in catalog.tables if name not in rows)
    distinct: dict[tuple[str, tuple[str, ...]], int] = {}
    for name, spread in profile.rows_per_parent().items():
        parent_rows = rows.get(spread.parent.lower())
        if parent_rows and spread.key:
            distinct[(name.lower(), (spread.key.lower(),))] = parent_rows
    for name, spec in profile.tables.items():
        for column, hint in spec.columns.items():
            if hint.distinct_values:
                distinct[(name.lower(), (column.lower(),))] = hint.distinct_values
    for table in catalog.tables.values():
        distinct.update(_key_columns(catalog, table, rows.get(table.name.lower(), DEFAULT_ROWS)))
    notes = [f"sizes from the profile {profile.name!r}"]
    if unsized:
        notes.append(f"the profile does not size {', '.join(unsized)}: taken as "
                     f"{DEFAULT_ROWS:,} rows each")
    return Statistics(source="profile", notes=tuple(notes), table_rows=rows,
                      distinct=distinct, planner_has_stats=True)


def from_database(catalog: Catalog, path: str | Path) -> Statistics:
    """Row counts and distinct values of a live database, opened read-only.

    With sqlite_stat1 the planner's own numbers are used; without it, row
    counts are measured (COUNT(*)) and the note says ANALYZE is advised,
    because the target's planner is then guessing.
    """
    connection = open_read_only(path)
    try:
        stat1 = _read_stat1(connection)
        rows: dict[str, int] = {}
        distinct: dict[tuple[str, tuple[str, ...]], int] = {}
        for table in catalog.tables.values():
            name = table.name.lower()
            counted = stat1.get((name, None))
            if counted is None:
                counted = connection.execute(
                    f'SELECT COUNT(*) FROM "{table.name}"').fetchone()[0]
            rows[name] = int(counted)
            distinct.update(_key_columns(catalog, table, rows[name]))
        for index in catalog.indexes:
            stat = stat1.get((index.table.lower(), index.name.lower()))
            if stat:
                distinct.update(distinct_from_stat1(index.table, index.column_names, stat))
        notes = ["statistics from sqlite_stat1"] if stat1 else [
            "the database has no sqlite_stat1: its planner guesses; run ANALYZE (or PRAGMA "
            "optimize) there. Row counts measured here"]
        return Statistics(
            source="sqlite_stat1" if stat1 else "database",
            notes=tuple(notes),
            table_rows=rows,
            distinct=distinct,
            planner_has_stats=bool(stat1),
        )
    finally:
        connection.close()


def distinct_from_stat1(table: str, columns: tuple[str, ...], stat: str
                        ) -> dict[tuple[str, tuple[str, ...]], int]:
    """The distinct values of each prefix of ``columns`` that a sqlite_stat1 ``stat`` line
    of a full index on them implies (its rows over each prefix's rows per value).

    >>> distinct_from_stat1("t", ("a", "b"), "300 100 1")
    {('t', ('a',)): 3, ('t', ('a', 'b')): 300}
    """
    numbers = [int(n) for n in stat.split()[: len(columns) + 1] if n.isdigit()]
    if not numbers:
        return {}
    return {(table.lower(), tuple(c.lower() for c in columns[:width])):
            max(1, round(numbers[0] / per_value))
            for width, per_value in enumerate(numbers[1:], start=1) if per_value > 0}


def _read_stat1(connection: sqlite3.Connection) -> dict[tuple[str, str | None], str]:
    has = connection.execute(
        "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").fetchone()
    if not has:
        return {}
    found: dict[tuple[str, str | None], str] = {}
    for table, index, stat in connection.execute("SELECT tbl, idx, stat FROM sqlite_stat1"):
        if index is None:
            found[(table.lower(), None)] = stat.split()[0]
        else:
            found[(table.lower(), index.lower())] = stat
            found.setdefault((table.lower(), None), stat.split()[0])
    return found
