"""sqlite_stat1 judged: missing, stale (per table, against today's row counts) or fresh,
the advice that follows, and the templates whose plan changes with statistics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from advisor.catalog.schema import Catalog
from advisor.review.audit.facts import DatabaseFacts
from advisor.review.audit.plans import AuditContext

# sqlite_stat1 is stale for a table when its recorded row count and today's
# differ by more than this factor (either way). Tables under STALE_MIN_ROWS
# rows (both counts) are left alone: their plans hardly depend on it.
STALE_FACTOR = 2.0
STALE_MIN_ROWS = 100


@dataclass(frozen=True)
class TableStat:
    table: str
    rows_now: int | None
    rows_recorded: int | None  # sqlite_stat1's count; None when it records none
    indexes: int
    state: str  # "ok", "stale", "not analysed", "no statistics"


@dataclass(frozen=True)
class PlanChange:
    template_id: str
    sql: str
    count: int
    plan_without_stats: tuple[str, ...]
    plan_with_stats: tuple[str, ...]
    cost_without_stats: float | None  # estimated per execution, on today's data
    cost_with_stats: float | None
    analyze_changes_it: bool  # today's plan differs from the plan after ANALYZE


@dataclass(frozen=True)
class StatsFinding:
    state: str  # "missing", "stale", "fresh"
    tables: tuple[TableStat, ...]
    advice: str | None
    changes: tuple[PlanChange, ...] | None  # None without a log
    stat4: bool


def _recorded_rows(catalog: Catalog, stat_rows: Iterable[tuple[str, str | None, str]],
                   ) -> dict[str, int]:
    """Rows per table as sqlite_stat1 records them: a table's own row, else the first
    number of a full (non-partial) index's row (a partial index counts its own rows)."""
    partial = {ix.name.lower() for ix in catalog.indexes if ix.where}
    found: dict[str, int] = {}
    for table, index, stat in stat_rows:
        first = stat.split()[0] if stat else ""
        if not first.isdigit() or (index and index.lower() in partial):
            continue
        if index is None:
            found[table.lower()] = int(first)
        else:
            found.setdefault(table.lower(), int(first))
    return found


def stats_state(catalog: Catalog, facts: DatabaseFacts) -> tuple[str, tuple[TableStat, ...]]:
    recorded = _recorded_rows(catalog, facts.stat_rows or ())
    has_stats = bool(facts.stat_rows)
    tables = []
    for table in catalog.tables.values():
        name = table.name.lower()
        now = facts.rows.get(name)
        then = recorded.get(name)
        count = len(catalog.indexes_on(table.name))
        if not has_stats:
            state = "no statistics" if count and (now or 0) >= STALE_MIN_ROWS else "ok"
        elif then is None:
            state = "not analysed" if count and (now or 0) >= STALE_MIN_ROWS else "ok"
        elif now is not None and max(now, then) >= STALE_MIN_ROWS and (
                max(now, then) > STALE_FACTOR * max(min(now, then), 1)):
            state = "stale"
        else:
            state = "ok"
        tables.append(TableStat(table.name, now, then, count, state))
    if not has_stats:
        overall = "missing"
    elif any(t.state != "ok" for t in tables):
        overall = "stale"
    else:
        overall = "fresh"
    return overall, tuple(tables)


def statistics_finding(context: AuditContext) -> StatsFinding:
    state, tables = stats_state(context.catalog, context.facts)
    lagging = [t.table for t in tables if t.state in ("stale", "not analysed")]
    advice = None
    if state == "missing" and any(t.state == "no statistics" for t in tables):
        advice = ("run ANALYZE; once (SQLite then plans from the real sizes instead of "
                  "assuming about a million rows per table and ten per key), then keep it "
                  "current with PRAGMA optimize; before long-lived connections close")
    elif state == "stale":
        advice = (f"run ANALYZE; (or ANALYZE on {', '.join(lagging)}): sqlite_stat1 no longer "
                  f"matches the data; PRAGMA optimize; (PRAGMA optimize=0x10002; at connection "
                  f"open, which also checks tables the connection has not used) keeps it current")
    changes = None
    if context.workload is not None and context.fresh is not None and context.none is not None:
        found = []
        for tid, statements in context.templates.items():
            statement = statements[0]
            without = context.none.plan(statement)
            with_stats = context.fresh.plan(statement)
            current = context.current.plan(statement)
            if without.lines() == with_stats.lines() and current.lines() == with_stats.lines():
                continue
            found.append(PlanChange(
                tid, context.workload.digest.templates[tid].template.text, context.count(tid),
                tuple(without.lines()), tuple(with_stats.lines()), context.cost(tid, without),
                context.cost(tid, with_stats), current.lines() != with_stats.lines()))
        found.sort(key=lambda c: -max(c.cost_without_stats or 0, c.cost_with_stats or 0)
                   * c.count)
        changes = tuple(found)
    return StatsFinding(state, tables, advice, changes, context.facts.stat4)
