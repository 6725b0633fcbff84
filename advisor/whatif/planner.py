"""What-if plans: SQLite's own planner, asked about indexes that do not exist.

SQLite has no hypothetical indexes, but its planner decides from the schema
and ``sqlite_stat1``. So the what-if database is an empty in-memory copy of
the schema; candidate indexes are really created there (creating an index on
an empty table costs microseconds), statistics consistent with the
statistics source (the lines a sampled ANALYZE gave, where a database was
sampled) are written into ``sqlite_stat1`` for every table and every
real and candidate index, and ``EXPLAIN QUERY PLAN`` is read back. The plan
is the planner's decision, not ours.

Plans are cached by (statement, the configuration's indexes the planner could
use for it: on the tables it touches, and naming a column it names, as
advisor.whatif.relevance says): a configuration change on an unrelated table,
or by an index the statement has no use for, is a cache hit. Calls and hits
are counted.

The copy itself, ``SchemaCopy``, is shared with the audit (advisor.review.audit.plans),
which loads a database's own sqlite_stat1 rows into it verbatim and takes
existing indexes away instead of adding hypothetical ones.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from advisor.analysis.constants import placeholder_spans, sql_literal
from advisor.catalog.schema import Catalog, quote_identifier
from advisor.catalog.statistics import Statistics
from advisor.model.indexes import IndexSpec
from advisor.whatif.relevance import Relevance


@dataclass(frozen=True)
class PlanStep:
    id: int
    parent: int
    detail: str


@dataclass(frozen=True)
class Plan:
    """EXPLAIN QUERY PLAN rows, in SQLite's order."""

    steps: tuple[PlanStep, ...]
    error: str | None = None  # SQLite could not plan the statement

    def lines(self) -> list[str]:
        """The plan as an indented tree, one step per line."""
        depth = {0: -1}
        out = []
        for step in self.steps:
            level = depth.get(step.parent, -1) + 1
            depth[step.id] = level
            out.append("  " * level + step.detail)
        return out or ([f"(cannot plan: {self.error})"] if self.error else [])

    def text(self) -> str:
        return "\n".join(self.lines())

    def indexes_used(self) -> tuple[str, ...]:
        return indexes_named(step.detail for step in self.steps)


def indexes_named(details: Iterable[str]) -> tuple[str, ...]:
    """The index names plan steps (EXPLAIN QUERY PLAN details) search or scan with."""
    found = []
    for detail in details:
        _, marker, rest = detail.partition(" INDEX ")
        if marker and not detail.startswith(("USE TEMP", "BLOOM")):
            # The name runs to the constraints' " (" or the end: a name may hold spaces.
            name = rest.removesuffix(" LEFT-JOIN").split(" (", 1)[0]
            if name and not name.startswith("("):
                found.append(name)
    return tuple(found)


@dataclass(frozen=True)
class WhatIfCounters:
    calls: int
    hits: int
    builds: int

    @property
    def hit_rate(self) -> float:
        return self.hits / self.calls if self.calls else 0.0


StatRow = tuple[str, str | None, str]  # a sqlite_stat1 row: (tbl, idx, stat)
_Copy = TypeVar("_Copy", bound="SchemaCopy")


def explain_plan(connection: sqlite3.Connection, sql: str, params: Sequence[object]) -> Plan:
    """SQLite's EXPLAIN QUERY PLAN of ``sql`` on ``connection``; a statement SQLite
    cannot plan gives an empty plan carrying the error."""
    try:
        rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    except sqlite3.Error as exc:
        return Plan((), error=str(exc))
    return Plan(tuple(PlanStep(row[0], row[1], row[3]) for row in rows))


class SchemaCopy:
    """An empty in-memory copy of a schema whose planner reads the given sqlite_stat1
    rows (None: no sqlite_stat1, as before any ANALYZE).

    SQLite plans from the schema and sqlite_stat1 alone, so the copy plans as a full
    database with those statistics would, and indexes come and go on its empty tables
    in microseconds. What the rows say and which indexes change is up to the
    subclass: estimates and hypothetical indexes (``WhatIf``), or a database's own
    rows and its existing indexes taken away (the audit's planner). Used in a ``with``
    block, which closes its connection."""

    def __init__(self, ddl: Iterable[str], stat_rows: Iterable[StatRow] | None,
                 keep_going: bool = False) -> None:
        """``keep_going``: DDL SQLite refuses is listed in ``failed_ddl`` and skipped
        (a database's schema may use modules this SQLite lacks); else it raises."""
        # No statement cache: a cached EXPLAIN QUERY PLAN reads no table, so SQLite never
        # notices the schema changed under it and would replay the plan from before a drop
        # (without sqlite_stat1 to reload, nothing else makes it re-plan).
        self._db = sqlite3.connect(":memory:", isolation_level=None, cached_statements=0)
        self.failed_ddl: list[str] = []
        for statement in ddl:
            try:
                self._db.execute(statement)
            except sqlite3.Error as exc:
                if not keep_going:
                    raise
                self.failed_ddl.append(f"{statement.split('(', 1)[0].strip()}: {exc}")
        self.has_stats = stat_rows is not None
        if stat_rows is not None:
            self._db.execute("ANALYZE")  # creates sqlite_stat1 (empty tables: no rows)
            self._db.execute("DELETE FROM sqlite_stat1")
            self.insert_stats(stat_rows)
            self.reload_stats()

    def insert_stats(self, rows: Iterable[StatRow]) -> None:
        """Add sqlite_stat1 rows (only with statistics); the planner sees them after
        ``reload_stats``."""
        self._db.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", rows)

    def reload_stats(self) -> None:
        """Make the planner read sqlite_stat1 again (a no-op without statistics)."""
        if self.has_stats:
            # Reading sqlite_stat1 again happens when the schema is reloaded;
            # ANALYZE on sqlite_schema does exactly that and analyses nothing.
            self._db.execute("ANALYZE sqlite_schema")

    def create_index(self, create_sql: str) -> None:
        self._db.execute(create_sql)

    def drop_index(self, name: str) -> None:
        """Drop an index; DROP INDEX takes its sqlite_stat1 rows with it."""
        self._db.execute(f"DROP INDEX {quote_identifier(name)}")

    def explain(self, sql: str, params: Sequence[object]) -> Plan:
        return explain_plan(self._db, sql, params)

    def close(self) -> None:
        self._db.close()

    def __enter__(self: _Copy) -> _Copy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class WhatIf(SchemaCopy):
    """A what-if planner over one catalog and one statistics source: the catalog's
    schema with stat1 lines derived from the statistics, plus hypothetical indexes."""

    def __init__(self, catalog: Catalog, statistics: Statistics) -> None:
        self.catalog = catalog
        self.statistics = statistics
        stat_rows = _base_stats(catalog, statistics) if statistics.planner_has_stats else None
        super().__init__(catalog.ddl, stat_rows)
        self._built: dict[IndexSpec, str] = {}
        self._cache: dict[tuple[str, frozenset[IndexSpec], tuple[tuple[int, object], ...]],
                          Plan] = {}
        self._parameters: dict[str, tuple[None, ...]] = {}
        self._contained = not any(_reaches_elsewhere(statement) for statement in catalog.ddl)
        self._relevance = Relevance(catalog)
        self._calls = 0
        self._hits = 0
        self._builds = 0

    @property
    def counters(self) -> WhatIfCounters:
        return WhatIfCounters(self._calls, self._hits, self._builds)

    def plan(self, sql: str, tables: Iterable[str], config: Iterable[IndexSpec] = (),
             bound: Sequence[tuple[int, object]] = ()) -> Plan:
        """The plan of ``sql`` with the catalog's indexes plus ``config``'s; its parameters
        unbound (NULL) but for ``bound``'s (position, value), the same for every plan of
        one ``sql`` (Analysis.bound), which are written into the text as the literals
        the log shows (with_literals)."""
        touched = {t.lower() for t in tables}
        relevant = frozenset(ix for ix in config if ix.table.lower() in touched)
        # Keyed by what the planner could use; planned with every index of the touched
        # tables all the same, so that the search's next template, touching the same
        # tables under the same configuration, finds them built.
        usable = (self._relevance.usable(sql, relevant) if self._contained
                  else relevant)  # a view or trigger may use what the text does not name
        key = (sql, usable, tuple(bound))
        self._calls += 1
        cached = self._cache.get(key)
        if cached is not None:
            self._hits += 1
            return cached
        self._apply(relevant, touched)
        planned = with_literals(sql, bound) if bound else sql
        plan = self.explain(planned, self._nulls(planned))
        self._cache[key] = plan
        return plan

    def _apply(self, wanted: frozenset[IndexSpec], touched: set[str]) -> None:
        """Make the hypothetical indexes on the ``touched`` tables exactly ``wanted``,
        each table's built in index order.

        Those on other tables stay: the statement cannot use them, and the next
        statement may want them again (the search asks for one configuration
        template by template, each touching other tables). Only without views or
        triggers, whose statements reach tables their caller's text does not name
        (``_contained``); with them, every other hypothetical index goes.

        The order: SQLite breaks a tie between equal-cost indexes by the order they
        were built in (without sqlite_stat1 ties are common: every index is guessed
        alike). Built in index order, a table's indexes give the same plan whatever
        the search asked before, and the indexes a statement cannot use (left out of
        the key) change nothing. So a new index that sorts before built ones has those
        built again after it."""
        new = wanted - self._built.keys()
        first_new: dict[str, IndexSpec] = {}
        for spec in new:
            table = spec.table.lower()
            if table not in first_new or spec < first_new[table]:
                first_new[table] = spec
        going = [s for s in self._built
                 if (s not in wanted and (not self._contained or s.table.lower() in touched))
                 or (s.table.lower() in first_new and first_new[s.table.lower()] < s)]
        for spec in going:
            self.drop_index(self._built.pop(spec))
        coming = sorted(wanted - self._built.keys())
        for spec in coming:
            # A name from the index itself: plans cached under one build still name
            # the same index after the next build.
            name = spec.name
            self._builds += 1
            self.create_index(spec.create_sql(name))
            self._built[spec] = name
            if self.has_stats:
                self.insert_stats([(spec.table, name, self.statistics.index_stat1(spec))])
        if going or coming:
            self.reload_stats()

    def _nulls(self, sql: str) -> tuple[None, ...]:
        found = self._parameters.get(sql)
        if found is None:
            found = self._parameters[sql] = nulls_for(sql)
        return found

    @staticmethod
    def hypothetical_name(spec: IndexSpec) -> str:
        """The name a configuration's index has in plans (stable across builds)."""
        return spec.name


_ELSEWHERE = re.compile(r"\s*CREATE\s+(?:TEMP\w*\s+)?(?:VIEW|TRIGGER)\b", re.I)


def _reaches_elsewhere(ddl: str) -> bool:
    """Whether a schema statement makes statements reach tables they do not name: a
    view (read through its name) or a trigger (run by a write)."""
    return _ELSEWHERE.match(ddl) is not None


def _base_stats(catalog: Catalog, statistics: Statistics) -> list[StatRow]:
    """stat1 rows for every table and every real index, derived from the statistics."""
    rows: list[StatRow] = []
    for table in catalog.tables.values():
        rows.append((table.name, None, str(statistics.rows(table.name))))
    for index in catalog.indexes:
        rows.append((index.table, index.name,
                     statistics.index_stat1(index.spec, unique=index.unique)))
    return rows


def nulls_for(sql: str) -> tuple[None, ...]:
    """Unbound parameters for a template: one NULL per ``?`` (or ``?NNN``) outside
    quotes and comments, as ``placeholder_spans`` finds them."""
    return (None,) * sum(1 for start, _ in placeholder_spans(sql) if sql[start] == "?")


def with_literals(sql: str, bound: Sequence[tuple[int, object]]) -> str:
    """``sql`` with the placeholder at each bound position (numbered as Analysis.bound
    numbers them) written as its value's literal.

    The replay runs the statements as the log shows them, and SQLite's planner
    reads a literal where it cannot read a bound value: without statistics on a
    column it takes ``x = 0`` (or -1, or 1: a flag) to keep half the rows where
    ``x = ?`` keeps a quarter. Torc's unblocking walk, after ANALYZE, scans
    job_blocked_by with ``j.status = 1`` and job with ``j.status = ?``.

    >>> with_literals("SELECT ? FROM t WHERE a = ? AND b = '?' AND c = ?", [(1, 1), (2, "it's")])
    "SELECT ? FROM t WHERE a = 1 AND b = '?' AND c = 'it''s'"
    """
    spans = placeholder_spans(sql)
    out = sql
    for position, value in sorted(bound, reverse=True):
        if position < len(spans):
            start, end = spans[position]
            out = out[:start] + sql_literal(value) + out[end:]
    return out
