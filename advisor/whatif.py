"""What-if plans: SQLite's own planner, asked about indexes that do not exist.

SQLite has no hypothetical indexes, but its planner decides from the schema
and ``sqlite_stat1``. So the what-if database is an empty in-memory copy of
the schema; candidate indexes are really created there (creating an index on
an empty table costs microseconds), statistics consistent with the
statistics source are written into ``sqlite_stat1`` for every table and every
real and candidate index, and ``EXPLAIN QUERY PLAN`` is read back. The plan
is the planner's decision, not ours.

Plans are cached by (statement, the configuration's indexes on the tables the
statement touches): a configuration change on an unrelated table is a cache
hit. Calls and hits are counted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from advisor.catalog import Catalog
from advisor.indexes import IndexSpec
from advisor.statistics import Statistics


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
        found = []
        for step in self.steps:
            _, marker, rest = step.detail.partition(" INDEX ")
            if marker and not step.detail.startswith(("USE TEMP", "BLOOM")):
                name = rest.split(" ", 1)[0]
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


class WhatIf:
    """A what-if planner over one catalog and one statistics source."""

    def __init__(self, catalog: Catalog, statistics: Statistics) -> None:
        self.catalog = catalog
        self.statistics = statistics
        # No statement cache: a cached EXPLAIN QUERY PLAN reads no table, so without
        # sqlite_stat1 to reload SQLite never re-plans it after an index is dropped.
        self._db = sqlite3.connect(":memory:", isolation_level=None, cached_statements=0)
        for ddl in catalog.ddl:
            self._db.execute(ddl)
        self._built: dict[IndexSpec, str] = {}
        self._cache: dict[tuple[str, frozenset[IndexSpec]], Plan] = {}
        self._calls = 0
        self._hits = 0
        self._builds = 0
        self._stats_on = statistics.planner_has_stats
        if self._stats_on:
            self._db.execute("ANALYZE")  # creates sqlite_stat1 (empty tables: no rows)
            self._db.execute("DELETE FROM sqlite_stat1")
            self._write_base_stats()
            self._reload_stats()

    @property
    def counters(self) -> WhatIfCounters:
        return WhatIfCounters(self._calls, self._hits, self._builds)

    def plan(self, sql: str, tables: Iterable[str], config: Iterable[IndexSpec] = ()) -> Plan:
        """The plan of ``sql`` with the catalog's indexes plus ``config``'s."""
        touched = {t.lower() for t in tables}
        relevant = frozenset(ix for ix in config if ix.table.lower() in touched)
        key = (sql, relevant)
        self._calls += 1
        cached = self._cache.get(key)
        if cached is not None:
            self._hits += 1
            return cached
        self._apply(relevant)
        plan = self._explain(sql)
        self._cache[key] = plan
        return plan

    def _explain(self, sql: str) -> Plan:
        try:
            statement = self._db.execute(f"EXPLAIN QUERY PLAN {sql}", nulls_for(sql))
            rows = statement.fetchall()
        except sqlite3.Error as exc:
            return Plan((), error=str(exc))
        return Plan(tuple(PlanStep(row[0], row[1], row[3]) for row in rows))

    def _apply(self, wanted: frozenset[IndexSpec]) -> None:
        """Make the hypothetical indexes in the database exactly ``wanted``."""
        changed = False
        for spec in [s for s in self._built if s not in wanted]:
            name = self._built.pop(spec)
            self._db.execute(f'DROP INDEX "{name}"')
            if self._stats_on:
                self._db.execute("DELETE FROM sqlite_stat1 WHERE idx = ?", (name,))
            changed = True
        for spec in sorted(wanted - self._built.keys()):
            # A name from the index itself: plans cached under one build still name
            # the same index after the next build.
            name = spec.name
            self._builds += 1
            self._db.execute(spec.create_sql(name))
            self._built[spec] = name
            if self._stats_on:
                self._db.execute(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)",
                    (spec.table, name, self.statistics.stat1_line(spec.table, spec.column_names)))
            changed = True
        if changed and self._stats_on:
            self._reload_stats()

    @staticmethod
    def hypothetical_name(spec: IndexSpec) -> str:
        """The name a configuration's index has in plans (stable across builds)."""
        return spec.name

    def _write_base_stats(self) -> None:
        statistics = self.statistics
        rows = []
        for table in self.catalog.tables.values():
            rows.append((table.name, None, str(statistics.rows(table.name))))
        for index in self.catalog.indexes:
            rows.append((index.table, index.name, statistics.stat1_line(
                index.table, index.column_names, unique=index.unique)))
        self._db.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", rows)

    def _reload_stats(self) -> None:
        # Reading sqlite_stat1 again happens when the schema is reloaded;
        # ANALYZE on sqlite_schema does exactly that and analyses nothing.
        self._db.execute("ANALYZE sqlite_schema")

    def close(self) -> None:
        self._db.close()


def nulls_for(sql: str) -> tuple[None, ...]:
    """Unbound parameters for a template: one NULL per ``?`` outside quotes."""
    count = 0
    quote = ""
    for char in sql:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == "?":
            count += 1
    return (None,) * count
