"""What the audit asks SQLite's planner, and the context every pass of the audit reads.

Today's plans are the database's own: EXPLAIN QUERY PLAN on a read-only
connection. Every what-if (an index taken away, no statistics, statistics as
ANALYZE would write them now) is planned on an ``AuditPlanner``: an empty
in-memory copy of the schema (advisor.whatif.planner's ``SchemaCopy``) holding
sqlite_stat1 rows verbatim. SQLite's planner reads only the schema and those
rows, so with the database's own rows the copy plans as the database does, and
``audit_context`` checks that for every template. advisor.whatif.planner's
``WhatIf`` writes stat1 lines derived from estimates instead, which suits
hypothetical indexes but would not be the database's real statistics state.

``AuditContext`` holds these plans, the planners, the prices of plans
(advisor.costing.pricing's template views) and the workload. It is made once,
before the first pass, and no pass changes it: each pass (advisor.review.audit's
usage, redundancy, replay, harmful, statistics, scans, drops) reads it and
returns its findings as values.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from advisor.analysis.workload import Workload
from advisor.catalog.database import open_read_only
from advisor.catalog.schema import Catalog, Index
from advisor.catalog.statistics import Statistics
from advisor.costing.pricing import TemplateView, template_views
from advisor.digest.digest import TemplateStats
from advisor.digest.fingerprint import has_placeholders
from advisor.review.audit.facts import DatabaseFacts, analysed
from advisor.whatif.planner import Plan, SchemaCopy, StatRow, explain_plan, nulls_for

Progress = Callable[[str], None]
Statement = tuple[str, tuple[object, ...]]  # SQL and its parameters

PLANNED_KINDS = ("read", "write")
_INDEX_IN_STEP = re.compile(r" INDEX (.+?)(?= \(|$)")  # USING [COVERING] INDEX name (…)


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


# ------------------------------------------------------------------ the context


@dataclass(frozen=True)
class AuditContext:
    """What every pass reads: catalog, facts, plans, planners, and the workload if any."""

    path: Path
    catalog: Catalog
    facts: DatabaseFacts
    workload: Workload | None
    data: Statistics  # what costs are priced on: the data as it is now
    views: Mapping[str, TemplateView]  # what pricing needs of each analysed template
    templates: Mapping[str, tuple[Statement, ...]]  # planned template -> statements to plan
    today: Mapping[str, tuple[Plan, ...]]  # the database's own plans of those statements
    mismatches: tuple[str, ...]  # templates the schema copy plans unlike the database
    current: AuditPlanner  # the database's sqlite_stat1 as it is
    fresh: AuditPlanner | None  # as ANALYZE would write it now (with a log)
    none: AuditPlanner | None  # no sqlite_stat1 (with a log)
    notes: tuple[str, ...]

    @property
    def analyzed(self) -> AuditPlanner | None:
        """The planner after ANALYZE where it can plan otherwise than today's (the
        database's statistics are not fresh); else None."""
        return self.fresh if self.fresh is not self.current else None

    # -- plans

    def cost(self, tid: str, plan: Plan) -> float | None:
        """The read cost of one execution planned as ``plan``, priced for the data as it
        is now; None for a template not analysed or a plan SQLite refused."""
        view = self.views.get(tid)
        if view is None or plan.error:
            return None
        return view.estimate(plan, self.data).total

    def used_by(self, plans: Mapping[str, Sequence[Plan]]) -> dict[str, set[str]]:
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

    @cached_property
    def _indexes(self) -> dict[str, Index]:
        return {index.name: index for index in self.catalog.indexes}

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


@contextmanager
def audit_context(path: Path, catalog: Catalog, facts: DatabaseFacts,
                  workload: Workload | None, stats_fresh: bool,
                  say: Progress) -> Iterator[AuditContext]:
    """The context of one audit; its planners are closed on leaving.

    With a log: every template planned today on the database and on the copy, and
    planners without statistics and with statistics as ANALYZE would write them now
    (today's planner when the database's statistics are fresh)."""
    with ExitStack() as planners:
        current = planners.enter_context(AuditPlanner(catalog, facts.stat_rows))
        rows = {name: count for name, count in facts.rows.items() if count is not None}
        base = workload.statistics if workload else Statistics("database", (), {})
        # Costs describe the data as it is now: today's counts over stale stat1 counts.
        data = replace(base, table_rows={**base.table_rows, **rows})
        templates: Mapping[str, tuple[Statement, ...]] = {}
        today: Mapping[str, tuple[Plan, ...]] = {}
        mismatches: tuple[str, ...] = ()
        fresh = none = None
        if workload is not None:
            templates = {tid: tuple(statements_for(stats))
                         for tid, stats in workload.digest.templates.items()
                         if stats.template.kind in PLANNED_KINDS}
            say(f"audit: planning {len(templates)} templates")
            with closing(open_read_only(path)) as connection:
                templates, today, mismatches = _plan_today(connection, current, workload,
                                                           templates)
            fresh = current
            if not stats_fresh:
                say("audit: running ANALYZE on a copy to plan with fresh statistics")
                stat_rows, measured = analysed(path, catalog)
                fresh = planners.enter_context(AuditPlanner(catalog, stat_rows))
                # Without (fresh) sqlite_stat1 the estimates would take SQLite's default of
                # ten rows per key; the copy's ANALYZE measured the real spread.
                data = measured
            none = current if facts.stat_rows is None else planners.enter_context(
                AuditPlanner(catalog, None))
        notes = (("the schema copy could not create: " + "; ".join(current.failed_ddl),)
                 if current.failed_ddl else ())
        views = template_views(workload) if workload is not None else MappingProxyType({})
        yield AuditContext(path, catalog, facts, workload, data, views,
                           MappingProxyType(templates), MappingProxyType(today), mismatches,
                           current, fresh, none, notes)


def _plan_today(connection: sqlite3.Connection, current: AuditPlanner, workload: Workload,
                templates: Mapping[str, tuple[Statement, ...]],
                ) -> tuple[dict[str, tuple[Statement, ...]], dict[str, tuple[Plan, ...]],
                           tuple[str, ...]]:
    """The database's plans of ``templates``, with the statements planned (a template
    whose logged values do not run here is planned with NULLs instead), and the
    templates the copy plans otherwise."""
    planned: dict[str, tuple[Statement, ...]] = {}
    today: dict[str, tuple[Plan, ...]] = {}
    mismatched = []
    for tid, statements in templates.items():
        plans = [explain_plan(connection, *s) for s in statements]
        if all(p.error for p in plans):  # logged values that do not run here
            text = workload.digest.templates[tid].template.text
            statements = ((text, nulls_for(text)),)
            plans = [explain_plan(connection, *statements[0])]
        planned[tid], today[tid] = statements, tuple(plans)
        copied = [current.plan(s) for s in statements]
        if [p.lines() for p in copied] != [p.lines() for p in plans]:
            mismatched.append(tid)
    return planned, today, tuple(mismatched)
