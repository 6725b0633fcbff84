"""Costing: a plan and statistics become a number; a write's index upkeep too.

The unit is one row step (reading the next row of a b-tree in order). A seek
into a b-tree of N rows costs log2(N) steps, which is how SQLite's own planner
prices a lookup; a rowid lookup from a non-covering index is a seek; a sort
of n rows costs n·log2(n). Each plan loop is costed from the constraint SQLite
prints (``(workflow_id=? AND status>?)``): equality columns divide the rows by
their distinct count, a one-sided range keeps a quarter, a two-sided one a
sixty-fourth (SQLite's own defaults without stat4). Loops nest: an inner
loop runs once per row of the loops outside it. A LIMIT stops an ordered
scan early unless a temp b-tree must first sort everything.

Every statement also pays a fixed price, whatever its plan: STATEMENT_STEPS
to prepare and step it, and for a write WRITE_STATEMENT_STEPS more (the
savepoint, the journal, the pages it dirties); and each row it hands back
costs OUTPUT_ROW_STEPS (decoding its columns for the caller). All three were
calibrated on measured replays of the Torc workload (bench/fidelity.py,
docs/benchmarks.md): a step is about 0.065 µs there; a read that touches a
row or two takes about 15 µs, a one-row write about 85 µs, and a least-squares
fit over 304 measured (template, configuration) pairs gives 1.5 µs per row
returned. They do not change which index a template
prefers, but they rank a cheap lookup against a cheap write as measured, and
they keep a workload's total honest: an index that saves a fraction of a
scan on a rare query no longer looks like a large share of a small number.

These are estimates, and say so: the replay stage measures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from advisor.catalog.statistics import RANGE_MARK, Statistics
from advisor.model.access import TableAccess, WriteAccess
from advisor.model.indexes import IndexSpec
from advisor.whatif.planner import Plan, PlanStep

ONE_SIDED_RANGE = 1 / 4
TWO_SIDED_RANGE = 1 / 64
DEFAULT_LIMIT = 100
DEFAULT_IN_VALUES = 3
UNKNOWN_SOURCE_ROWS = 100  # a CTE or subquery result whose size the plan does not say
STATEMENT_STEPS = 250.0  # any statement, before its plan's work (see the module text)
OUTPUT_ROW_STEPS = 24.0  # each row handed back to the caller
WRITE_STATEMENT_STEPS = 1050.0  # and a write's own, beyond its rows and indexes
# Each index a write maintains, once per statement and b-tree level: measured on Torc,
# one more index costs a one-row UPDATE of job (200,000 rows) about 60 µs (≈ 900 steps:
# an entry moved, two b-tree paths written), a one-row insert into a table of a few
# thousand rows 7-10 µs (this errs high there), a 250-row insert about 1 µs a row.
INDEX_TOUCH_STEPS_PER_LEVEL = 25.0

_LOOP = re.compile(
    r"^(?P<op>SCAN|SEARCH) (?P<name>\S+)"
    r"(?: USING (?P<how>(?:AUTOMATIC (?:PARTIAL )?)?(?:COVERING )?INDEX|INTEGER PRIMARY KEY"
    r"|PRIMARY KEY|ROWID SEARCH)(?: (?P<index>[^\s(]+))?)?"
    r"(?: \((?P<constraint>[^)]*)\))?"
)
_TERM = re.compile(r"(\w+)\s*(=|>|<|>=|<=)\s*\?")


def seek_cost(rows: int) -> float:
    return math.log2(max(rows, 2))


@dataclass(frozen=True)
class LoopCost:
    """One SCAN / SEARCH loop of a plan, costed per execution and in total."""

    name: str  # as the plan names it (often an alias)
    table: str | None  # the catalog table, when the name is one
    detail: str
    runs: float  # how many times the loop starts (rows of the loops outside it)
    rows_out: float  # rows it yields per run
    cost: float  # total over all runs


@dataclass(frozen=True)
class Estimate:
    """The estimated cost of one execution of a statement."""

    total: float
    loops: tuple[LoopCost, ...]
    sorts: tuple[tuple[str, float], ...]  # (what, rows sorted)
    notes: tuple[str, ...] = ()
    rows: float = 0.0  # rows the statement yields (before aggregation)


def estimate_plan(plan: Plan, accesses: Iterable[TableAccess], statistics: Statistics,
                  limit: int | None = None, returns: str = "rows") -> Estimate:
    """Cost one execution of a planned statement.

    ``accesses`` (from the analysis) map the plan's names (aliases) to tables
    and say which filters a loop applies beyond the constraint it seeks on.
    ``limit`` is the LIMIT value when known (from samples); a statement with a
    LIMIT of unknown value is costed with DEFAULT_LIMIT. ``returns`` (Analysis.returns)
    says how many of the rows come back to the caller, each at OUTPUT_ROW_STEPS.
    """
    children: dict[int, list[PlanStep]] = {}
    for step in plan.steps:
        children.setdefault(step.parent, []).append(step)
    by_alias: dict[str, TableAccess] = {}
    for access in accesses:
        by_alias.setdefault(access.alias.lower(), access)
    has_limit = any(access.has_limit for access in by_alias.values())
    costing = _PlanCosting(children, by_alias, statistics,
                           (limit or DEFAULT_LIMIT) if has_limit else None)
    total, rows = costing.level(0, outer_rows=1.0, top=True)
    handed = _returned_rows(returns, rows, by_alias.values(), statistics)
    return Estimate(total=total + STATEMENT_STEPS + OUTPUT_ROW_STEPS * handed,
                    loops=tuple(costing.loops), sorts=tuple(costing.sorts),
                    notes=tuple(costing.notes), rows=rows)


def _returned_rows(returns: str, rows: float, accesses: Iterable[TableAccess],
                   statistics: Statistics) -> float:
    if returns == "none":
        return 0.0
    if returns == "one":
        return 1.0
    if returns == "groups":
        groups = 1.0
        for access in accesses:
            if access.group_by:
                groups *= statistics.distinct_values(access.table, access.group_by)
        return min(rows, groups)
    return rows


class _PlanCosting:
    """Walks a plan's tree once, accumulating loop costs."""

    def __init__(self, children: dict[int, list[PlanStep]], accesses: Mapping[str, TableAccess],
                 statistics: Statistics, limit: int | None) -> None:
        self.children = children
        self.accesses = accesses
        self.statistics = statistics
        self.limit = limit
        self.loops: list[LoopCost] = []
        self.sorts: list[tuple[str, float]] = []
        self.notes: list[str] = []

    def table_of(self, name: str) -> str | None:
        lowered = name.lower()
        if lowered in self.accesses:
            return self.accesses[lowered].table
        return name if lowered in self.statistics.table_rows else None

    def level(self, parent: int, outer_rows: float, top: bool = False) -> tuple[float, float]:
        """Cost of the steps under ``parent``, run ``outer_rows`` times; and rows they yield."""
        cost = 0.0
        rows = 1.0  # rows produced so far by this level's nested loops, per outer row
        sorted_everything = False
        pending_limit = self.limit if top else None
        loop_costs: list[tuple[int, float]] = []
        for step in self.children.get(parent, []):
            detail = step.detail
            match = _LOOP.match(detail)
            if match:
                loop_cost, loop_rows = self.loop(match, detail, outer_rows * rows)
                loop_costs.append((len(self.loops) - 1, loop_cost))
                cost += loop_cost
                rows *= loop_rows
            elif detail.startswith("USE TEMP B-TREE"):
                sorted_rows = outer_rows * rows
                self.sorts.append((detail.removeprefix("USE TEMP B-TREE FOR "), sorted_rows))
                cost += sorted_rows * math.log2(max(sorted_rows, 2))
                if "ORDER BY" in detail:
                    sorted_everything = True
            elif detail.startswith(("CORRELATED ", "MULTI-INDEX OR", "INDEX ")):
                # Run once per row reaching this point of the enclosing loops.
                sub_cost, _ = self.level(step.id, outer_rows * rows)
                cost += sub_cost
            elif detail.startswith(("SCALAR SUBQUERY", "LIST SUBQUERY", "MATERIALIZE",
                                    "CO-ROUTINE", "COMPOUND QUERY", "LEFT-MOST SUBQUERY",
                                    "UNION", "EXCEPT", "INTERSECT", "SETUP",
                                    "RECURSIVE STEP")):
                sub_cost, _ = self.level(step.id, 1.0 if "SUBQUERY" in detail else outer_rows)
                cost += sub_cost
            elif detail.startswith(("BLOOM FILTER", "SCAN CONSTANT ROW")):
                continue
            else:
                self.notes.append(f"step not costed: {detail}")
        if pending_limit is not None and not sorted_everything and rows > 0:
            # An ordered (or unordered) scan stops once LIMIT rows came out.
            fraction = min(1.0, pending_limit / max(outer_rows * rows, 1.0))
            if fraction < 1.0:
                cost = cost - sum(c for _, c in loop_costs) * (1 - fraction)
                rows = rows * fraction
        return cost, rows

    def loop(self, match: re.Match[str], detail: str, runs: float) -> tuple[float, float]:
        name = match.group("name")
        table = self.table_of(name)
        how = match.group("how") or ""
        constraint = match.group("constraint") or ""
        stats = self.statistics
        total_rows = stats.rows(table) if table else UNKNOWN_SOURCE_ROWS
        equal, ranges = _constraint_terms(constraint)
        if match.group("op") == "SCAN":
            matched = float(total_rows)
            per_run = matched
            if "AUTOMATIC" in how:
                per_run = matched  # building the transient index reads everything
        else:
            matched = float(total_rows)
            if equal:
                key_columns = tuple(c for c in equal if c != "rowid")
                if "rowid" in equal:
                    matched = 1.0
                elif table:
                    matched = stats.rows_per_match(table, key_columns)
                else:
                    matched = max(1.0, total_rows / 10)
            for column in set(ranges):
                matched *= TWO_SIDED_RANGE if ranges.count(column) > 1 else ONE_SIDED_RANGE
            matched = max(matched, 1.0 if equal else 0.0)
            per_run = seek_cost(total_rows) + matched
        covering = "COVERING" in how or "PRIMARY KEY" in how or not how
        if how and not covering:
            per_run += matched * seek_cost(total_rows)  # rowid lookups into the table
        cost = per_run * runs
        access = self.accesses.get(name.lower())
        rows_out = matched * self.residual(access, table, set(equal) | set(ranges))
        self.loops.append(LoopCost(name, table, detail, runs, rows_out, cost))
        return cost, rows_out

    def residual(self, access: TableAccess | None, table: str | None,
                 sought: set[str]) -> float:
        """The share of a loop's rows that survive filters it does not seek on."""
        if access is None or table is None:
            return 1.0
        share = 1.0
        stats = self.statistics
        equal = {c.lower() for c in access.equality}
        counted_all = stats.matched(table, equal)
        counted_sought = (stats.matched(table, equal & sought) if equal & sought
                          else float(stats.rows(table)))
        if equal - sought and counted_all is not None and counted_sought:
            share = counted_all / counted_sought  # the statement's own values, counted
        else:
            for column in access.equality:
                if column.lower() not in sought:
                    share /= stats.distinct_values(table, (column,))
        for column in access.in_list:
            if column.lower() not in sought:
                share *= min(1.0, DEFAULT_IN_VALUES / stats.distinct_values(table, (column,)))
        ranged = [c.lower() for c in access.range if c.lower() not in sought]
        with_bounds = stats.matched(table, equal | {c + RANGE_MARK for c in ranged})
        before_bounds = stats.matched(table, equal) if equal else float(stats.rows(table))
        if ranged and with_bounds is not None and before_bounds:
            share *= with_bounds / before_bounds  # the statement's own bounds, counted
        else:
            share *= ONE_SIDED_RANGE ** len(ranged)
        for column in access.is_null:
            if column.lower() not in sought:
                share /= stats.distinct_values(table, (column,))
        return share


def _constraint_terms(constraint: str) -> tuple[list[str], list[str]]:
    equal: list[str] = []
    ranges: list[str] = []
    for column, op in _TERM.findall(constraint):
        (equal if op == "=" else ranges).append(column.lower())
    return equal, ranges


# --- writes -------------------------------------------------------------------


@dataclass(frozen=True)
class Maintenance:
    """What one execution of a write costs in index upkeep, and on which indexes."""

    table: str
    base: float  # writing the table's own b-tree
    per_index: tuple[tuple[str, float], ...]  # (index, cost) for every index it maintains

    @property
    def indexes(self) -> float:
        return sum(cost for _, cost in self.per_index)

    @property
    def total(self) -> float:
        return self.base + self.indexes


def maintenance(write: WriteAccess, indexes: Iterable[IndexSpec], statistics: Statistics,
                rows_written: float = 1.0) -> Maintenance:
    """Index upkeep of a write: INSERT and DELETE touch every index of the table; an
    UPDATE (and an upsert's update) only those holding a column it sets or read
    by a partial index's WHERE.
    """
    rows = statistics.rows(write.table)
    step = seek_cost(rows) + 1  # descend the b-tree, then change one entry
    set_columns = {c.lower() for c in write.columns_set}
    charged = []
    for spec in indexes:
        if spec.table.lower() != write.table.lower():
            continue
        if write.operation in ("INSERT", "DELETE", "REPLACE"):
            touches = True
        else:
            columns = {c.lower() for c in spec.column_names}
            if spec.where:
                columns |= {w.lower() for w in re.findall(r"[A-Za-z_]\w*", spec.where)}
            touches = bool(columns & set_columns)
        if touches:
            # An UPDATE moves the entry: delete the old key, insert the new.
            factor = 2.0 if write.operation in ("UPDATE", "UPSERT") else 1.0
            # Per row, the entry's own steps; per statement, the index's pages to find,
            # dirty and journal, more of them cold the larger the table (measured, below).
            touch = INDEX_TOUCH_STEPS_PER_LEVEL * seek_cost(rows)
            charged.append((spec.describe(), (step * rows_written + touch) * factor))
    return Maintenance(write.table, WRITE_STATEMENT_STEPS + step * rows_written, tuple(charged))
