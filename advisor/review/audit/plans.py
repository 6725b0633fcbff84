"""What the audit reads from the database and asks SQLite's planner.

The database is read once, read-only (``read_facts``). Today's plans are the
database's own: EXPLAIN QUERY PLAN on that read-only connection. Every what-if
(an index taken away, no statistics, statistics as ANALYZE would write them
now) is planned on an ``AuditPlanner``: an empty in-memory copy of the schema
(advisor.whatif.planner's ``SchemaCopy``) holding sqlite_stat1 rows verbatim. SQLite's
planner reads only the schema and those rows, so with the database's own rows
the copy plans as the database does, and ``Auditor.plan_today`` checks that for
every template. advisor.whatif.planner's ``WhatIf`` writes stat1 lines derived from
estimates instead, which suits hypothetical indexes but would not be the
database's real statistics state.

``Auditor`` holds these plans, the cost model's prices for them and the
workload, for every finding in advisor.review.audit.findings and advisor.review.audit.replay.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from advisor.analysis.workload import Workload
from advisor.catalog.schema import Catalog, Index, quote_identifier
from advisor.catalog.statistics import Statistics, from_database
from advisor.costing.pricing import template_views
from advisor.digest.digest import TemplateStats
from advisor.digest.fingerprint import has_placeholders
from advisor.replay.sandbox import copy_database
from advisor.whatif.planner import Plan, SchemaCopy, StatRow, explain_plan, nulls_for

Progress = Callable[[str], None]
Statement = tuple[str, tuple[object, ...]]  # SQL and its parameters

PLANNED_KINDS = ("read", "write")
_INDEX_IN_STEP = re.compile(r" INDEX (.+?)(?= \(|$)")  # USING [COVERING] INDEX name (…)


# ------------------------------------------------------------------ the database


@dataclass(frozen=True)
class DatabaseFacts:
    """What the audit reads from the database once (read-only)."""

    sqlite_version: str
    rows: dict[str, int | None]  # table (lower) -> COUNT(*) now
    stat_rows: tuple[StatRow, ...] | None  # None: no sqlite_stat1
    stat4: bool
    keys: dict[str, tuple[tuple[str, bool, str], ...] | None]  # index -> (col, desc, coll)
    bytes: dict[str, int]  # index -> bytes (dbstat), where dbstat answers


def read_facts(connection: sqlite3.Connection, catalog: Catalog) -> DatabaseFacts:
    version = connection.execute("SELECT sqlite_version()").fetchone()[0]
    rows: dict[str, int | None] = {}
    for table in catalog.tables.values():
        try:
            rows[table.name.lower()] = connection.execute(
                f"SELECT count(*) FROM {quote_identifier(table.name)}").fetchone()[0]
        except sqlite3.Error:  # a virtual table whose module this SQLite lacks
            rows[table.name.lower()] = None
    names = {r[0] for r in connection.execute(
        "SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite_stat%'")}
    stat_rows = (tuple(connection.execute("SELECT tbl, idx, stat FROM sqlite_stat1"))
                 if "sqlite_stat1" in names else None)
    keys: dict[str, tuple[tuple[str, bool, str], ...] | None] = {}
    for index in catalog.indexes:
        columns = [row for row in connection.execute(
            f"PRAGMA index_xinfo({quote_identifier(index.name)})") if row[5]]
        # An expression column (cid -2) has no name to compare: such an index is
        # never called a duplicate or a prefix.
        keys[index.name] = None if any(row[1] == -2 for row in columns) else tuple(
            (row[2].lower(), bool(row[3]), (row[4] or "BINARY").upper()) for row in columns)
    sizes: dict[str, int] = {}
    try:
        for index in catalog.indexes:
            found = connection.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?",
                                       (index.name,)).fetchone()[0]
            if found is not None:
                sizes[index.name] = int(found)
    except sqlite3.Error:
        pass  # no dbstat in this SQLite: sizes are estimated
    return DatabaseFacts(version, rows, stat_rows, "sqlite_stat4" in names, keys, sizes)


def analysed(database: Path, catalog: Catalog) -> tuple[tuple[StatRow, ...], Statistics]:
    """sqlite_stat1 as ``ANALYZE`` would write it today (ANALYZE run on a temporary
    copy), and the statistics it gives: rows and distinct values as they are now."""
    with tempfile.TemporaryDirectory(prefix="advisor-audit-") as folder:
        copy = Path(folder) / "analyze.db"
        copy_database(database, copy)
        connection = sqlite3.connect(copy)
        try:
            connection.execute("ANALYZE")
            connection.commit()
            rows = tuple(connection.execute("SELECT tbl, idx, stat FROM sqlite_stat1"))
        finally:
            connection.close()
        return rows, from_database(catalog, copy)


# ------------------------------------------------------------------ what-if plans


class AuditPlanner(SchemaCopy):
    """SQLite's planner on an empty in-memory copy of the schema holding the given
    sqlite_stat1 rows verbatim (None: no sqlite_stat1, as before any ANALYZE).
    Indexes can be taken away per question and come back with their rows."""

    def __init__(self, catalog: Catalog, stat_rows: Sequence[StatRow] | None) -> None:
        super().__init__(catalog.ddl, stat_rows, keep_going=True)
        self._rows_of: dict[str, list[StatRow]] = {}
        for row in stat_rows or ():
            if row[1]:
                self._rows_of.setdefault(row[1].lower(), []).append(row)
        self._create = {index.name: index.sql for index in catalog.droppable if index.sql}
        self._absent: frozenset[str] = frozenset()
        self._cache: dict[tuple[str, str, frozenset[str]], Plan] = {}

    def plan(self, statement: Statement, without: frozenset[str] = frozenset()) -> Plan:
        key = (statement[0], repr(statement[1]), without)
        found = self._cache.get(key)
        if found is None:
            self._set_absent(without)
            found = self._cache[key] = self.explain(*statement)
        return found

    def _set_absent(self, without: frozenset[str]) -> None:
        if without == self._absent:
            return
        for name in self._absent - without:
            self.create_index(self._create[name])
            if self.has_stats:  # DROP INDEX took its sqlite_stat1 rows with it
                self.insert_stats(self._rows_of.get(name.lower(), []))
        for name in without - self._absent:
            self.drop_index(name)
        self._absent = without
        self.reload_stats()

    def usable(self, statement: Statement, table: str, index: str) -> bool | None:
        """Whether SQLite can use ``index`` for ``table`` in the statement (INDEXED BY on
        each occurrence of the table in turn); None when the statement cannot be asked."""
        from sqlglot import exp
        from sqlglot.errors import SqlglotError

        from advisor.analysis.binding import DIALECT, Unanalysable, parse_statement

        self._set_absent(frozenset())
        try:
            tree = parse_statement(statement[0])
        except Unanalysable:
            return None
        occurrences = [node for node in tree.find_all(exp.Table)
                       if node.name.lower() == table.lower()
                       and not isinstance(node.parent, (exp.Schema, exp.Insert))]
        if not occurrences:
            return False  # the table is only written (INSERT … VALUES): nothing to seek
        asked = False
        for node in occurrences:
            node.set("indexed", exp.to_identifier(index, quoted=True))
            try:
                sql = tree.sql(dialect=DIALECT)
            except SqlglotError:
                sql = None
            node.set("indexed", None)
            if sql is None:
                continue
            plan = self.explain(sql, statement[1])
            if plan.error is None:
                return True
            asked = asked or "no query solution" in plan.error
        return False if asked else None


def statements_for(stats: TemplateStats) -> list[Statement]:
    """What to plan for a template: its samples with their logged values (values decide
    whether a partial index applies), else the template with NULLs bound."""
    found: list[Statement] = []
    for sample in stats.samples:
        if not has_placeholders(sample.sql):
            found.append((sample.sql, ()))
        elif isinstance(sample.params, (list, tuple)):
            found.append((sample.sql, tuple(sample.params)))
    text = stats.template.text
    return found or [(text, nulls_for(text))]


# ------------------------------------------------------------------ the auditor


class Auditor:
    """Holds what every finding needs: catalog, facts, plans, and the workload if any."""

    def __init__(self, path: Path, catalog: Catalog, facts: DatabaseFacts,
                 workload: Workload | None, say: Progress) -> None:
        self.path = path
        self.catalog = catalog
        self.facts = facts
        self.workload = workload
        self.say = say
        self.notes: list[str] = []
        rows = {name: count for name, count in facts.rows.items() if count is not None}
        base = workload.statistics if workload else Statistics("database", (), {})
        # Costs describe the data as it is now: today's counts over stale stat1 counts.
        self.data = replace(base, table_rows={**base.table_rows, **rows})
        self.templates: dict[str, list[Statement]] = {}
        self.views = template_views(workload) if workload is not None else {}
        if workload is not None:
            self.templates = {
                tid: statements_for(stats) for tid, stats in workload.digest.templates.items()
                if stats.template.kind in PLANNED_KINDS}
        self.current = AuditPlanner(catalog, facts.stat_rows)
        self.fresh: AuditPlanner | None = None
        self.none: AuditPlanner | None = None
        self.today: dict[str, list[Plan]] = {}
        self._indexes = {index.name: index for index in catalog.indexes}

    # -- plans

    def plan_today(self, connection: sqlite3.Connection) -> tuple[str, ...]:
        """Today's plans from the database; returns templates the copy plans otherwise."""
        mismatched = []
        for tid, statements in self.templates.items():
            plans = [explain_plan(connection, *s) for s in statements]
            if all(p.error for p in plans):  # logged values that do not run here
                text = self.workload.digest.templates[tid].template.text  # type: ignore[union-attr]
                statements[:] = [(text, nulls_for(text))]
                plans = [explain_plan(connection, *statements[0])]
            self.today[tid] = plans
            copied = [self.current.plan(s) for s in statements]
            if [p.lines() for p in copied] != [p.lines() for p in plans]:
                mismatched.append(tid)
        return tuple(mismatched)

    def plan_states(self, stats_fresh: bool) -> None:
        """Planners without statistics and with statistics as ANALYZE would write them now
        (today's planner when the database's statistics are fresh)."""
        if stats_fresh:
            self.fresh = self.current
        else:
            self.say("audit: running ANALYZE on a copy to plan with fresh statistics")
            rows, measured = analysed(self.path, self.catalog)
            self.fresh = AuditPlanner(self.catalog, rows)
            # Without (fresh) sqlite_stat1 the estimates would take SQLite's default of
            # ten rows per key; the copy's ANALYZE measured the real spread.
            self.data = measured
        self.none = self.current if self.facts.stat_rows is None else AuditPlanner(
            self.catalog, None)

    def cost(self, tid: str, plan: Plan) -> float | None:
        """The read cost of one execution planned as ``plan``, priced for the data as it
        is now; None for a template not analysed or a plan SQLite refused."""
        view = self.views.get(tid)
        if view is None or plan.error:
            return None
        return view.estimate(plan, self.data).total

    def used_by(self, plans: dict[str, list[Plan]]) -> dict[str, set[str]]:
        """Index (lower-cased name) -> templates whose plans use it. Names are matched
        against the catalog's, so that a name with spaces in it is found whole."""
        known = {name.lower() for name in self._indexes}
        found: dict[str, set[str]] = {}
        for tid, template_plans in plans.items():
            for plan in template_plans:
                for step in plan.steps:
                    for match in _INDEX_IN_STEP.finditer(step.detail):
                        name = match.group(1).lower()
                        if name in known:
                            found.setdefault(name, set()).add(tid)
        return found

    # -- the workload

    def index(self, name: str) -> Index:
        return self._indexes[name]

    def count(self, tid: str) -> int:
        assert self.workload is not None
        return self.workload.digest.templates[tid].count

    def tables_of(self, tid: str) -> frozenset[str]:
        assert self.workload is not None
        analysis = self.workload.analyses[tid]
        if analysis.ok:
            return analysis.tables
        return frozenset(t.lower() for t in self.workload.digest.templates[tid].template.tables)

    def on_table(self, table: str) -> list[str]:
        return [tid for tid in self.templates if table.lower() in self.tables_of(tid)]

    def close(self) -> None:
        for planner in {id(p): p for p in (self.current, self.fresh, self.none) if p}.values():
            planner.close()
