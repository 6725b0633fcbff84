"""Costing: a plan and statistics become a number; a write's index upkeep too.

The unit is one row step, about 64 ns of CPU: stepping over a narrow row of a
b-tree in order. A table's row costs more the wider it is (widths from the
declared column types, costing.sizes.row_bytes), an index entry a little less
than a step. A seek into a b-tree, or a rowid lookup from a non-covering index,
costs a few steps, and a page fetch as often as the b-tree outgrows SQLite's
page cache (measured: a descent through cached pages takes about as long in a
thousand rows as in sixteen thousand). Each plan loop is costed from the
constraint SQLite prints (``(workflow_id=? AND status>?)``): equality columns
divide the rows by their distinct count, a one-sided range keeps a quarter, a
two-sided one a sixty-fourth (SQLite's own defaults without stat4), unless the
statement's own values were counted on the database. Loops nest: an inner loop
runs once per row of the loops outside it, and filters with what they have
read. How SQLite runs what is not a plain loop:

- an EXISTS, or a scalar subquery that does not aggregate, stops at its first
  row: with m rows matching, after 1/(m + 1) of its work on average; a LIMIT
  likewise, after LIMIT + OFFSET rows, unless a temp b-tree sorts everything
  first. A scan in stored order whose matching rows lie side by side, in
  blocks of c (Statistics.clumping: their columns' run lengths read from the
  database, advisor.catalog.clustering), stops no sooner than after the blocks
  it needs, of m / c + 1; where the statement's own values were counted on the
  database (advisor.replay.matches), the rows stored before its first match say
  how far it reads outright. Torc's is_workflow_complete reads on to where its
  workflow's jobs start (priced as 1/(m + 1) of the table, it was a two-hundredth
  of its measured cost; counted, 2.75 ms against 2.54 ms measured);
- a comparison with a subquery's value (``l_quantity < (SELECT ...)``) is tested
  last: a correlated subquery runs for every row the other filters keep;
- an IN list seeks once per value (as many as the samples list, or as the
  list subquery yields); a subquery that is not correlated runs once;
- a CTE or a subquery in FROM that SQLite materialises runs once, and the loop
  that scans it reads the rows it made; a recursive CTE runs its step once per
  row it produces, each time over that row alone, for as many generations as
  the step's yield per row says (at most RECURSION_DEPTH, and no more rows than
  the largest table it walks); the CTE's own columns compared with values in the
  step (``d.depth < ?``, ``d.cancel = ?``) keep DERIVED_EQUALITY or
  ONE_SIDED_RANGE of its rows each, as they end the walk, and none in the
  samples whose values make the CTE's column a constant the comparison
  rejects (``DerivedFilter.live``: Torc's walk seeded with should_cancel 0);
- an automatic index is built once per statement, from every row, if its loop
  starts at all;
- a seek whose keys come from a scan in stored order through columns ordered
  with that table's rowid (a ledger's lines looking up their entries), or from
  an index walked by the key's column, takes them in ascending order: it fetches
  each page of the b-tree it seeks once at most, and a rowid the table's cursor
  is on already costs nothing;
- a SELECT without FROM (SCAN CONSTANT ROW) is one row;
- a MULTI-INDEX OR seeks once per branch, only for the rows of the loops outside
  that pass the branch's terms on them (SQLite tests those first), and filters
  what it finds with the branch's own terms (TableAccess.or_branches); rows that
  came through an OR's branches pass on, to an OR after it, the branch they
  came through;
- each aggregate call of the outermost SELECT costs AGGREGATE_STEPS for every
  row it aggregates, GROUPED_AGGREGATE_STEPS where it groups through a temp
  b-tree (its arguments go through the sorter);
- a temp b-tree costs SORTER_ROW_STEPS a row, and SORT_STEPS_PER_LEVEL a row
  per doubling of the keys it holds: every row for ORDER BY, one per group for
  GROUP BY.

The per-row constants were measured in CPU time on small tables and on the
Torc database (see each constant); they were checked, not fitted, against the
Torc workload's replays (bench/decision_fidelity.py: each template's share of
the no-index cost, each chosen index's drop-one saving).

Every statement also pays a fixed price, whatever its plan: STATEMENT_STEPS
for a read to prepare and step it, WRITE_STATEMENT_STEPS for a write; and
each row a read hands back costs OUTPUT_ROW_STEPS (decoding its columns for
the caller). The read's two were calibrated on measured replays of the Torc
workload (bench/fidelity.py, docs/benchmarks.md): a read that touches a row or
two takes about 15 µs, and a least-squares fit over 304 measured (template,
configuration) pairs gives 1.5 µs per row returned. A write is replayed inside
the transaction that holds it (advisor.replay.sandbox: no commit, no journal
sync per statement), where a one-row write measures 3-4 µs of CPU against 9 µs
for a one-row read (medians over the TPC-C-like workload's 14 write and 29
one-row read templates and Torc's 35 and 36, 2026-12-02; 0.036 µs a step on
both): its fixed price is a fraction of a read's (nothing is decoded or handed
back). It had been set to 1,900 steps more than a read's when each write
committed on its own, and then priced the TPC-C-like workload's order-line
inserts at 30% of its time where they measure 6%. The fixed prices do not
change which index a template prefers, but they rank a cheap lookup against a
cheap write as measured, and they keep a workload's total honest: an index
that saves a fraction of a scan on a rare query no longer looks like a large
share of a small number.

These are estimates, and say so: the replay stage measures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from advisor.catalog.statistics import FIRST_MARK, LIST_ROWS, RANGE_MARK, Statistics
from advisor.costing.sizes import PAGE_BYTES, PAGE_FILL, Layout
from advisor.model.access import DerivedFilter, TableAccess, WriteAccess
from advisor.model.indexes import IndexSpec, key_columns
from advisor.whatif.planner import Plan, PlanStep

ONE_SIDED_RANGE = 1 / 4
TWO_SIDED_RANGE = 1 / 64
DEFAULT_LIMIT = 100
_STORED_ORDER = re.compile(r"SCAN \S+(?: AS \S+)?$")  # a table's rows in rowid order
DEFAULT_IN_VALUES = 3
UNKNOWN_SOURCE_ROWS = 100  # a CTE or subquery result whose size the plan does not say
# A CTE's or subquery's column compared with a value (it has no statistics): an equality
# keeps a quarter of the rows, as a one-sided range does (a flag, a level, a kind: the
# comparisons that end a recursive walk, which SQLite tests on each row it queues).
DERIVED_EQUALITY = 1 / 4
# Generations a recursive CTE is followed for when its step yields a row per row or more
# (a walk down a dependency graph ends at its leaves, which the plan cannot see).
RECURSION_DEPTH = 10
STATEMENT_STEPS = 250.0  # any statement, before its plan's work (see the module text)
OUTPUT_ROW_STEPS = 24.0  # each row handed back to the caller
# Each aggregate call (sum, avg, count, …) for each row it aggregates: measured in CPU
# time on 60,000 rows, 40 ns a call a row; grouped through a temp b-tree 90-100 ns (its
# arguments go through the sorter too: eight distinct sums, avgs, mins and maxes over
# TPC-H's lineitem in 3 and in 2,000 groups, 2026-12-03). Eight of them made a scan 5-8
# times slower (TPC-H's Q1).
AGGREGATE_STEPS = 0.7
GROUPED_AGGREGATE_STEPS = 1.5
WRITE_STATEMENT_STEPS = 60.0  # a write's, in place of STATEMENT_STEPS (see the module text)
# Each index a write maintains, once per statement and b-tree level. Writes are timed
# inside the transaction that holds them (advisor.replay.sandbox), where one more index
# on a 300,000-row table costs a one-row INSERT 4.3 µs at a random key and 0.9 µs at
# the end of its key order, a DELETE 5-7 µs and an UPDATE of its column 8-10 µs (an
# entry moved), medians of 3,000 each (2026-12-02): about 8 steps a level at a random
# key (a page fetched from the OS cache on the way down). It was 25, fitted when each
# write committed alone (a one-row UPDATE of Torc's job: 60 µs an index), and priced the
# TPC-C-like order-line inserts at 22% of the workload where they measure 7%.
INDEX_TOUCH_STEPS_PER_LEVEL = 8.0
# An INSERT into an index whose leading column's values run together in stored order
# (Statistics.clumping at least CLUMPED: a workflow's jobs, a district's order lines)
# lands where the last inserts did, on pages in the cache: 0.9 µs against 4.3 at a
# random key, above.
APPEND_TOUCH_STEPS_PER_LEVEL = 1.7
CLUMPED = 16.0
# An INSERT at a random key into an index CREATE INDEX built (every index a recommendation
# adds) splits the leaf it lands in: the build packs the leaves full, where an index grown
# row by row has room left in them. Each leaf splits at its first insert and its halves
# then have room (split_share). Timed as the replay times a write (the page cache
# emptied, a savepoint rolled back), per index and row, built against grown (4 indexes on
# 5,000, 50,000, 300,000 and 1,000,000 rows, 2026-12-04): 4.1, 10.7, 23.2 and 20.3 µs
# more, about 115 steps while the b-tree fits in the cache and 600 once it does not.
SPLIT_STEPS = 200.0
SPLIT_MISS_STEPS = 450.0

_LOOP = re.compile(
    r"^(?P<op>SCAN|SEARCH) (?P<name>\S+)"
    r"(?: USING (?P<how>(?:AUTOMATIC (?:PARTIAL )?)?(?:COVERING )?INDEX|INTEGER PRIMARY KEY"
    r"|PRIMARY KEY|ROWID SEARCH)(?: (?P<index>[^\s(]+(?: [^\s(]+)*?)(?= \(|$))?)?"
    r"(?: \((?P<constraint>[^)]*)\))?"
)
_TERM = re.compile(r"(\w+|<expr>)\s*(=|>|<|>=|<=)\s*\?")
_ROWID_ORDER = "rowid"  # a loop's rows come in rowid order (_PlanCosting.walked_order)


# Stepping over one row: a table's costs more the wider its rows are; an index entry is a
# row of its own width, and INDEX_ENTRY_STEPS where that is unknown (an automatic index).
# A scan testing one column, in CPU time, of 200,000 rows of 24 to 684 bytes on disk in a
# file larger than the page cache: 42, 57, 86, 143 and 224 ns a row, about 35 ns and 0.28
# ns a byte, a step being 64 ns (2026-12-05); Torc's job table, 108 bytes a row, 62 ns.
# It was 50 ns and 0.45 a byte (2026-12-02), which priced every scan 1.5 times what it
# measures against the seeks beside it: TPC-H's estimated no-index cost was 8.2 times its
# set's, where it measures 6.3 times (6.2 now), and each drop-one saving came out too
# high. On Torc the dearer scans had hidden the two costs above and below: 6.65 times
# before, 6.5 now, 6.9 measured.
ROW_STEPS = 0.55
BYTES_PER_STEP = 230.0
INDEX_ENTRY_STEPS = 0.9
# A list of more than SHORT_LIST values that a loop tests each of its rows against, where
# no index seeks it (``status NOT IN (4, 2, 3, 9)``): SQLite holds the values in a
# transient b-tree and probes it a row, 55 ns for an IN and 100 for a NOT IN (which also
# tests for NULL), over a scan's 44 (200,000 rows, in memory, 2026-12-05); a shorter list
# is compared value by value. Torc's is_workflow_complete walks a workflow's 10,000 jobs
# through a covering index at 133 ns a row, where a walk that tests nothing takes 39.
IN_PROBE_STEPS = 0.85
NOT_IN_PROBE_STEPS = 1.6
SHORT_LIST = 2
# A descent into a b-tree: a seek (SEARCH), or a rowid lookup from an index entry into
# its table beyond the row it reads. Through pages in SQLite's page cache (CACHE_BYTES by
# default) it takes DESCENT_STEPS whatever the b-tree's size: 150-200 ns in CPU time for
# a scattered rowid or index seek into 1,000 to 16,000 rows (2026-12-03; priced as
# log2(rows) steps before, 0.6-0.9 µs, it made every join through a primary key, TPC-H's
# above all, 3-5 times dearer than measured). A page it must fetch from the file takes
# PAGE_MISS_STEPS more, as often as the b-tree outgrows the cache: 0.8, 1.5 and 1.8 µs a
# rowid seek into 64,000, 256,000 and 1,000,000 rows of 80 bytes, 0.7 and 1.3 µs an index
# seek into the last two (about 1.5 µs a miss; also measured on the Torc database's
# job_blocked_by: a covering index saved 6 µs on a query looking up three scattered
# rows). The rows of one key are taken as scattered, except from a table's own PRIMARY
# KEY index, in whose order its rows are usually written, and where its values run
# together in stored order (Statistics.clumping at least CLUMPED: children written with
# their parent): there the lookups walk the pages in order, without a miss; nor where one
# key matches more rows than the table has pages (_PlanCosting.new_page_share). Torc's
# is_workflow_complete seeks a workflow's 10,000 jobs by job(workflow_id) in 1.9 ms, 190
# ns a row; priced as scattered lookups, 18.7 ms. A lookup of the rowid one past the
# last one's takes no descent at all (sqlite3BtreeTableMoveto steps the cursor on):
# walking a key's 1,000 consecutive rows through a non-covering index cost 70-80 ns a
# row more than through a covering one, the row's own steps; every other row, 230-250
# ns, a descent more (200,000 rows of 35 and 115 bytes, in memory, 2026-12-05). So a
# run of rows written together pays one descent, and the rest their rows: Torc's 190 ns
# a row above (nearly half of it the NOT IN tested on each, NOT_IN_PROBE_STEPS), and the
# TPC-C-like by-name reads' walk of a district's customers through customer's PRIMARY
# KEY index, 0.25 µs a row, were priced at twice that.
DESCENT_STEPS = 3.0
PAGE_MISS_STEPS = 25.0
CACHE_BYTES = 2_048_000  # PRAGMA cache_size's default, -2000 (KiB)
# Sorting in a temp b-tree, per row and per doubling of the rows sorted (CPU time,
# 2,000 to 200,000 rows: 0.3-0.4 of a step); and per row whatever it holds, writing the
# row's record into the sorter and reading it back: a GROUP BY count(*) measured 4.0-4.5
# steps a row over the scan of TPC-H's 60,000 lineitem rows in 3 groups, 5.7-7.3 in
# 2,000, and about 3 over 5,000 Torc jobs in 9 statuses; less the doublings and the
# count(*) (GROUPED_AGGREGATE_STEPS), 0.5 to 2.2 (2026-12-03). Without it TPC-H's Q1 was
# priced at a quarter of its measured share; at 3.5 the Torc status poll outweighed a
# reverse lookup that measures twice its saving.
SORT_STEPS_PER_LEVEL = 0.35
SORTER_ROW_STEPS = 2.0


def seek_cost(rows: int) -> float:
    """log2(rows): the levels a write's upkeep is priced by, and an automatic index's
    sort."""
    return math.log2(max(rows, 2))


def cache_missed(btree_bytes: float) -> float:
    """The share of a b-tree's page reads that miss SQLite's page cache: none while it fits,
    most once it far outgrows it."""
    return max(0.0, 1.0 - CACHE_BYTES / btree_bytes) if btree_bytes > 0 else 0.0


def split_share(leaves: float, inserted: float) -> float:
    """Of ``inserted`` rows landing at random keys in an index whose ``leaves`` leaves are
    packed full, the share that split one: each leaf splits at the first row it takes, so
    leaves * (1 - e^(-inserted / leaves)) of them, nearly every one while the rows are
    few beside the leaves and leaves / inserted once they are many."""
    if inserted <= 0 or leaves <= 0:
        return 0.0
    return min(1.0, leaves * -math.expm1(-inserted / leaves) / inserted)


def packed_insert_steps(rows: float, entry_bytes: float, inserted: float) -> float:
    """What a row inserted at a random key into an index just built on ``rows`` entries of
    ``entry_bytes`` costs beyond an insert into one grown row by row, on average over the
    ``inserted`` rows the workload inserts into it: a leaf split (SPLIT_STEPS, more as
    the b-tree outgrows the cache), as often as split_share says."""
    btree_bytes = rows * entry_bytes
    leaves = max(1.0, btree_bytes / PAGE_BYTES)
    steps = SPLIT_STEPS + SPLIT_MISS_STEPS * cache_missed(btree_bytes / PAGE_FILL)
    return steps * split_share(leaves, inserted)


def dirtied_pages(written: float, bytes_each: float, entries: float, scattered: bool) -> float:
    """The leaf pages a write of ``written`` entries of a b-tree of ``entries`` entries,
    ``bytes_each``, finds and dirties: one a row where they lie apart (scattered), as
    many as the leaves hold of them where they lie side by side."""
    per_leaf = max(1.0, PAGE_BYTES * PAGE_FILL / max(bytes_each, 1.0))
    leaves = max(1.0, entries / per_leaf)
    if written <= 1.0:
        return 1.0
    pages = leaves * -math.expm1(-written / leaves) if scattered else written / per_leaf
    return max(1.0, min(pages, leaves, written))


def row_steps(row_bytes: float | None) -> float:
    """Stepping over one row of a table whose rows take ``row_bytes`` (None: unknown,
    one step)."""
    return 1.0 if row_bytes is None else ROW_STEPS + row_bytes / BYTES_PER_STEP


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
                  limit: int | None = None, returns: str = "rows", offset: int = 0,
                  layout: Layout | None = None,
                  derived_filters: Iterable[DerivedFilter] = (),
                  aggregates: int = 0, fixed: float = STATEMENT_STEPS) -> Estimate:
    """Cost one execution of a planned statement.

    ``accesses`` (from the analysis) map the plan's names (aliases) to tables
    and say which filters a loop applies beyond the constraint it seeks on.
    ``limit`` is the LIMIT value when known (from samples), and ``offset`` the
    rows it skips first (read, not returned); a statement with a LIMIT of
    unknown value is costed with DEFAULT_LIMIT. ``returns`` (Analysis.returns)
    says how many of the rows come back to the caller, each at OUTPUT_ROW_STEPS.
    ``layout``: the tables' row widths and key-ordered indexes (costing.sizes.layout).
    ``derived_filters``: each reading of a CTE or FROM subquery, in text order
    (Analysis.derived_filters). ``aggregates``: the aggregate
    calls of the outermost SELECT, each AGGREGATE_STEPS for every row it aggregates
    (GROUPED_AGGREGATE_STEPS through a temp b-tree).
    ``fixed``: the statement's fixed price (WRITE_STATEMENT_STEPS for a write).
    """
    children: dict[int, list[PlanStep]] = {}
    for step in plan.steps:
        children.setdefault(step.parent, []).append(step)
    by_alias: dict[str, list[TableAccess]] = {}
    for access in accesses:
        by_alias.setdefault(access.alias.lower(), []).append(access)
    everything = [access for found in by_alias.values() for access in found]
    has_limit = any(access.has_limit for access in everything)
    derived: dict[str, list[DerivedFilter]] = {}
    for reading in derived_filters:
        derived.setdefault(reading.alias.lower(), []).append(reading)
    # The plan's one list subquery yields the rows counted for the statement's one list.
    one_list = (sum(step.detail.startswith("LIST SUBQUERY") for step in plan.steps) == 1
                and statistics.matched(LIST_ROWS, {"1"}) is None)
    costing = _PlanCosting(children, by_alias, statistics, layout or Layout(), derived,
                           statistics.matched(LIST_ROWS, {"0"}) if one_list else None)
    total, rows = costing.level(0, outer_rows=1.0,
                                limit=(limit or DEFAULT_LIMIT) + offset if has_limit else None)
    total += costing.built
    grouped = any(what == "GROUP BY" for what, _ in costing.sorts)
    total += (GROUPED_AGGREGATE_STEPS if grouped else AGGREGATE_STEPS) * aggregates * rows
    if has_limit:
        rows = max(rows - offset, 0.0)
    handed = _returned_rows(returns, rows, everything, statistics)
    return Estimate(total=total + fixed + OUTPUT_ROW_STEPS * handed,
                    loops=tuple(costing.loops), sorts=tuple(costing.sorts),
                    notes=tuple(costing.notes), rows=rows)


def _returned_rows(returns: str, rows: float, accesses: Iterable[TableAccess],
                   statistics: Statistics) -> float:
    if returns == "none":
        return 0.0
    if returns == "one":
        return 1.0
    if returns == "groups":
        return min(rows, _groups(accesses, statistics))
    return rows


def _groups(accesses: Iterable[TableAccess], statistics: Statistics) -> float:
    groups = 1.0
    for access in accesses:
        if access.group_by:
            groups *= statistics.distinct_values(access.table, access.group_by)
    return groups


_ONCE = ("SCALAR SUBQUERY", "LIST SUBQUERY")  # not correlated: SQLite runs them once
_PER_ROW = ("CORRELATED ", "INDEX ")  # once per row reaching them
# The parts of a COMPOUND QUERY, and of a MERGE (a compound with an ORDER BY: each part
# sorted on its own, then merged)
_PARTS = ("LEFT-MOST SUBQUERY", "UNION", "EXCEPT", "INTERSECT", "LEFT", "RIGHT")
_CONSTANT_ROWS = re.compile(r"^SCAN (\d+) CONSTANT ROWS")


class _PlanCosting:
    """Walks a plan's tree once, accumulating loop costs.

    A level's steps run as nested loops, once per row of the loops outside
    them; a subquery SQLite runs once (not correlated, or materialised) is
    costed once, and a materialised CTE or subquery then yields its rows to
    the loop that scans it by name. A recursive CTE runs its recursive step
    once per row it produces (SQLite's queue), each time over that one row.
    """

    def __init__(self, children: dict[int, list[PlanStep]],
                 accesses: Mapping[str, list[TableAccess]], statistics: Statistics,
                 layout: Layout, derived: Mapping[str, list[DerivedFilter]],
                 counted_list: float | None = None) -> None:
        self.children = children
        self.row_bytes = layout.row_bytes
        self.entry_bytes = layout.entry_bytes
        self.key_ordered = layout.key_ordered
        self.key_columns = layout.key_columns
        self.fixed = layout.fixed
        # By alias, in text order: the plan's k-th loop of an alias reads its k-th
        # occurrence (a CTE's branches, or subqueries, may reuse an alias).
        self.accesses = accesses
        self.taken: dict[str, int] = {}
        self.derived = derived  # by alias, in text order: its readings' comparisons
        self.derived_taken: dict[str, int] = {}
        self.deferred = 1.0  # of the last loop costed: what its comparisons with a subquery keep
        self.statistics = statistics
        self.loops: list[LoopCost] = []
        self.loop_accesses: list[TableAccess | None] = []  # the occurrence of each loop
        self.sorts: list[tuple[str, float]] = []
        self.notes: list[str] = []
        self.sources: dict[str, float] = {}  # rows of what MATERIALIZE / CO-ROUTINE built
        self.recursing = 0  # inside a recursive step: the CTE it reads is one row
        # Automatic indexes: (the loop that needs one, the cost of building it). SQLite
        # builds one the first time its loop starts, once per statement wherever it is:
        # never, when the loops outside it yield no row.
        self.automatic: list[tuple[int, float]] = []
        # MULTI-INDEX OR: its branches' steps (id -> the branch's number); by alias, the
        # occurrence its last loop read, and the rows each branch of an OR it was read
        # through found, per row outside.
        self.branch_of: dict[int, int] = {}
        self.read: dict[str, TableAccess] = {}
        self.or_found: dict[str, list[float]] = {}
        # By alias: the order its last loop yields rows in, where a seek inside it may take
        # keys from them in that order (``walked_order``).
        self.in_order: dict[str, str | None] = {}
        # The rows of the plan's one list subquery, counted for the statement's values
        # (advisor.replay.matches), where they were: it then sizes its seeks.
        self.counted_list = counted_list

    def access(self, name: str, take: bool = False) -> TableAccess | None:
        """The occurrence the next loop named ``name`` reads (``take``: that loop is
        costed now, and the one after reads the next occurrence)."""
        return _next_reading(self.accesses, self.taken, name, take)

    def derived_share(self, name: str) -> float:
        """The share of a CTE's or subquery's rows its reading keeps by comparing its
        columns with values (the next reading of ``name``; the plan's k-th loop of an
        alias reads its k-th occurrence), in the samples where any of its rows can pass."""
        found = _next_reading(self.derived, self.derived_taken, name, take=True)
        if found is None:
            return 1.0
        return (found.live * DERIVED_EQUALITY ** found.equalities
                * ONE_SIDED_RANGE ** found.ranges)

    @property
    def built(self) -> float:
        """Building the automatic indexes, each as likely as its loop is to start at all
        (its runs, once a recursive step's are counted, up to one)."""
        return sum(cost * min(1.0, self.loops[position].runs)
                   for position, cost in self.automatic)

    def table_of(self, name: str, access: TableAccess | None) -> str | None:
        if access is not None:
            return access.table
        return name if name.lower() in self.statistics.table_rows else None

    def source_rows(self, name: str) -> float:
        """Rows of a source that is no catalog table: a CTE or a subquery in FROM."""
        if self.recursing:
            return 1.0
        found = self.sources.get(name.lower())
        if found is None and len(self.sources) == 1:  # the plan names it by its alias
            found = next(iter(self.sources.values()))
        return UNKNOWN_SOURCE_ROWS if found is None else found

    def level(self, parent: int, outer_rows: float, limit: float | None = None,
              bound: frozenset[str] = frozenset()) -> tuple[float, float]:
        """Cost of the steps under ``parent``, run ``outer_rows`` times, and the rows they
        yield per run. ``limit``: each run stops after that many rows (a LIMIT; 1 for
        EXISTS), unless a temp b-tree sorts everything first. ``bound``: the aliases whose
        loops run outside these steps, so that a join with them filters here."""
        steps = self.children.get(parent, [])
        once = 0.0  # work done once, whatever the rows
        per_row = 0.0  # work done in the loops, which a LIMIT cuts short
        rows = 1.0  # rows produced so far by this level's nested loops, per outer row
        sorted_everything = False
        first_loop = len(self.loops)
        lists = [self.once(step) for step in steps if step.detail.startswith("LIST SUBQUERY")]
        once += sum(cost for cost, _ in lists)
        # The statement's one list subquery yields what was counted, where it was.
        list_rows = [self.counted_list if self.counted_list is not None else found
                     for _, found in lists]
        known = set(bound)
        deferred = 1.0  # what comparisons with a subquery's value keep, once it has run
        for step in steps:
            detail = step.detail
            match = _LOOP.match(detail)
            constant = _CONSTANT_ROWS.match(detail)
            if constant:
                per_row += outer_rows * rows * float(constant.group(1))
                rows *= float(constant.group(1))
            elif detail.startswith(("BLOOM FILTER", "SCAN CONSTANT ROW")):
                continue  # a SELECT without FROM is one row (no loop to cost)
            elif match:
                loop_cost, loop_rows = self.loop(match, detail, outer_rows * rows,
                                                 frozenset(known), list_rows,
                                                 self.branch_of.get(parent))
                deferred *= self.deferred
                per_row += loop_cost
                rows *= loop_rows
                known.add(match.group("name").lower())
            elif detail.startswith("USE TEMP B-TREE"):
                sorted_rows = outer_rows * rows
                self.sorts.append((detail.removeprefix("USE TEMP B-TREE FOR "), sorted_rows))
                keys = sorted_rows  # ORDER BY sorts every row; GROUP BY keeps one per group
                grouped = self.grouped_since(first_loop)
                if "ORDER BY" not in detail and grouped:
                    keys = min(keys, outer_rows * _groups(grouped, self.statistics))
                per_row += sorted_rows * (SORTER_ROW_STEPS
                                          + math.log2(max(keys, 2)) * SORT_STEPS_PER_LEVEL)
                if "ORDER BY" in detail:
                    sorted_everything = True
            elif detail.startswith("MULTI-INDEX OR"):
                # Each branch seeks on its own, and the rows they find together feed the
                # loops after it (TPC-H's Q7: two nations, each with its suppliers). A
                # branch's terms on the loops outside are tested before its seek (TPC-H's
                # Q19: a line's quantity and ship mode before its part is looked up).
                before = len(self.loops)
                arms = self.children.get(step.id, [])
                reach = [self.reaching(number, len(arms), known - bound)
                         for number in range(len(arms))]
                branches = []
                for number, arm in enumerate(arms):
                    self.branch_of[arm.id] = number
                    branches.append(self.level(arm.id, outer_rows * rows * reach[number],
                                               None, frozenset(known)))
                per_row += sum(cost for cost, _ in branches)
                found = [share * yielded
                         for share, (_, yielded) in zip(reach, branches, strict=True)]
                rows *= sum(found)
                for loop in self.loops[before:]:
                    self.or_found[loop.name.lower()] = found
                known.update(loop.name.lower() for loop in self.loops[before:])
            elif detail.startswith(_PER_ROW):
                sub_cost, _ = self.level(step.id, outer_rows * rows,
                                         1.0 if self.first_row(step.id) else None,
                                         frozenset(known))
                per_row += sub_cost
                rows *= deferred  # the comparisons that waited for it filter now
                deferred = 1.0
            elif detail.startswith(_ONCE):
                if not detail.startswith("LIST SUBQUERY"):  # lists: costed above
                    once += self.once(step)[0]
            elif detail.startswith(("MATERIALIZE", "CO-ROUTINE")):
                once += self.materialize(step)
            elif detail.startswith(("COMPOUND QUERY", "MERGE (")):
                parts = [self.level(part.id, 1.0) for part in self.children.get(step.id, [])
                         if part.detail.startswith(_PARTS)]
                per_row += outer_rows * rows * sum(cost for cost, _ in parts)
                rows *= sum(found for _, found in parts)
            else:
                self.notes.append(f"step not costed: {detail}")
        rows *= deferred
        if limit is not None and not sorted_everything and rows > 0:
            # The loops stop once ``limit`` rows came out: with m rows matching, the
            # limit-th is found after limit / (m + 1) of the work, on average; with
            # them side by side in blocks of c (a scan in stored order, rows stored as
            # they were inserted), no sooner than after the blocks it takes, of m / c + 1.
            # Counted for the statement's own values (Statistics.matches), where the
            # first match is stored says it outright.
            first = self.first_match(first_loop)
            if first is not None:
                fraction = min(1.0, first + limit / (rows + 1.0))
            else:
                clump = min(self.clumping(first_loop, bound), max(rows, 1.0))
                fraction = min(1.0, max(limit / (rows + 1.0),
                                        max(1.0, limit / clump) / (rows / clump + 1.0)))
            per_row *= fraction
            rows = min(rows, limit)
        return once + per_row, rows

    def stored_scan(self, first_loop: int) -> tuple[str, TableAccess] | None:
        """(table, access) of the first loop from ``first_loop`` on, when it scans a
        table in stored order; else None."""
        if first_loop >= len(self.loops):
            return None
        loop, access = self.loops[first_loop], self.loop_accesses[first_loop]
        if loop.table is None or access is None or not _STORED_ORDER.match(loop.detail):
            return None
        return loop.table, access

    def clumping(self, first_loop: int, bound: frozenset[str]) -> float:
        """Rows matching side by side in the first loop from ``first_loop`` on, when it
        scans a table in stored order (Statistics.clumping of the columns it compares
        with a value, a list, or a loop outside); else 1."""
        scan = self.stored_scan(first_loop)
        if scan is None:
            return 1.0
        table, access = scan
        columns = (*access.equality, *access.in_list, *_bound_partners(access, bound))
        return self.statistics.clumping(table, columns)

    def first_match(self, first_loop: int) -> float | None:
        """The share of its table a scan in stored order (the first loop from
        ``first_loop`` on) reads before the first row its equalities match, where that was
        counted for the statement's values; else None."""
        scan = self.stored_scan(first_loop)
        if scan is None or not scan[1].equality:
            return None
        table, access = scan
        before = self.statistics.matched(table, (*access.equality, FIRST_MARK))
        return None if before is None else before / max(self.statistics.rows(table), 1)

    def grouped_since(self, first_loop: int) -> list[TableAccess]:
        """The accesses with a GROUP BY among the loops costed from ``first_loop`` on."""
        return [a for a in self.loop_accesses[first_loop:] if a is not None and a.group_by]

    def first_row(self, parent: int) -> bool:
        """Whether the subquery under ``parent`` stops at its first row (EXISTS, scalar)."""
        for step in self.children.get(parent, []):
            match = _LOOP.match(step.detail)
            if match:
                access = self.access(match.group("name"))
                return access is not None and access.first_row
        return False

    def once(self, step: PlanStep) -> tuple[float, float]:
        """A subquery SQLite runs once per statement: its cost and rows."""
        return self.level(step.id, 1.0, 1.0 if self.first_row(step.id) else None)

    def materialize(self, step: PlanStep) -> float:
        """Cost of building a CTE or subquery result, whose rows its scan then reads."""
        name = step.detail.split(" ", 1)[1] if " " in step.detail else ""
        parts = {part.detail: part for part in self.children.get(step.id, [])}
        setup, recursive = parts.get("SETUP"), parts.get("RECURSIVE STEP")
        if setup is not None and recursive is not None:
            cost, seeds = self.level(setup.id, 1.0)
            first_loop = len(self.loops)
            self.recursing += 1
            step_cost, fanout = self.level(recursive.id, 1.0)
            self.recursing -= 1
            # No more rows than the largest table the step walks (a graph's edges, its
            # nodes): the plan cannot see where the walk ends.
            largest = max((self.statistics.rows(loop.table) for loop in self.loops[first_loop:]
                           if loop.table), default=UNKNOWN_SOURCE_ROWS)
            produced = min(seeds * _generations(fanout), max(seeds, float(largest)))
            # Each produced row runs the step once over itself.
            self.loops[first_loop:] = [replace(loop, runs=loop.runs * produced,
                                               cost=loop.cost * produced)
                                       for loop in self.loops[first_loop:]]
            cost += produced * step_cost
            rows = produced
        else:
            first_loop = len(self.loops)
            cost, rows = self.level(step.id, 1.0)
            grouped = self.grouped_since(first_loop)
            if grouped:
                rows = min(rows, _groups(grouped, self.statistics))
        self.sources[name.lower()] = rows
        return cost

    def reaching(self, number: int, branches: int, outside: set[str]) -> float:
        """The share of the rows of the loops ``outside`` (this level's, before a MULTI-INDEX
        OR of ``branches``) that pass branch ``number``'s terms on them. Rows that came
        through an OR's branches themselves pass the branch they came through."""
        share = 1.0
        for alias in outside:
            access = self.read.get(alias)
            if access is None or len(access.or_branches) != branches:
                continue
            came = self.or_found.get(alias)
            if came is not None and len(came) == branches:
                share *= came[number] / sum(came) if sum(came) > 0 else 0.0
            else:
                share *= self.residual(access.or_branches[number], access.table, [],
                                       set(), frozenset(), [])
        return share

    def loop(self, match: re.Match[str], detail: str, runs: float, bound: frozenset[str],
             list_rows: list[float], branch: int | None = None) -> tuple[float, float]:
        """A SCAN or SEARCH loop run ``runs`` times: its cost, and the rows it yields per
        run (an automatic index it needs goes to ``built``). ``branch``: the loop is a
        MULTI-INDEX OR's, for that branch of the OR."""
        name = match.group("name")
        access = self.access(name, take=True)
        if access is not None:
            self.read[name.lower()] = access
            if branch is not None and branch < len(access.or_branches):
                access = access.with_branch(access.or_branches[branch])
        table = self.table_of(name, access)
        how = match.group("how") or ""
        index = (match.group("index") or "").lower()
        constraint = match.group("constraint") or ""
        stats = self.statistics
        total_rows = float(stats.rows(table)) if table else self.source_rows(name)
        keys = self.key_columns.get(index, ())
        equal, ranges = _constraint_terms(constraint, keys)
        next_key = keys[len(equal)] if len(equal) < len(keys) else None  # after the seek's
        self.in_order[name.lower()] = self.walked_order(detail, how, next_key, equal, ranges,
                                                        runs)
        by_rowid = self.rowid_list(access, table, equal)  # its list, sought by the rowid
        # A partial index holds only the rows its WHERE keeps: the columns it fixes to
        # one value filter as if sought (job(workflow_id) WHERE status = 5 finds a
        # workflow's status-5 jobs, 12 us measured, where job(workflow_id) reads its
        # every job, 155 us).
        equal += [c for c in self.fixed.get(index, ()) if c not in equal]
        if "AUTOMATIC" in how:  # SQLite builds the transient index once, from every row
            self.automatic.append((len(self.loops), total_rows * seek_cost(int(total_rows))))
        # Each row found: an index entry, or the table's row; and from an index that
        # does not cover the statement, a lookup of the table's row as well.
        table_bytes = self.row_bytes.get(table.lower()) if table else None
        row = row_steps(table_bytes)
        from_index = "INDEX" in how
        covering = "COVERING" in how or not from_index
        entry = self.entry_bytes.get(index)
        each = (INDEX_ENTRY_STEPS if entry is None else row_steps(entry)) if from_index else row
        fetch = 0.0  # what a row looked up in the table adds
        first_lookup = 0.0  # what a seek's first lookup costs beyond the others'
        if not covering:
            # The rows come in rowid order from an index on the table's own key, and from
            # a seek on a value whose rows were written together (a workflow's jobs, an
            # order's lines), in runs of consecutive rowids: the cursor steps from one to
            # the next without a descent (see DESCENT_STEPS), and each run takes one; a
            # seek's first lands where its key says (the stock-level query's lookups of
            # one stock row per order line: 4 µs each, measured).
            lookup = self.descent_steps(table_bytes, total_rows)
            run = self.consecutive_run(index, table, equal, ranges, next_key)
            if run >= CLUMPED:
                fetch = DESCENT_STEPS / run + row
                first_lookup = lookup - DESCENT_STEPS / run
            else:
                fetch = lookup * self.new_page_share(table, index, table_bytes,
                                                     total_rows) + row
        sought = set(equal) | set(ranges) | set(by_rowid)
        fetched = self.fetched_share(access, table, index, equal, sought, bound,
                                     list_rows) if fetch else 1.0
        each += fetched * fetch
        if match.group("op") == "SCAN" and not equal:
            matched = total_rows
            per_run = matched * each
        else:
            # An IN list seeks once per listed value; SQLite names one on the rowid's alias
            # (``id IN (?, ?, ?)``) by the rowid.
            seeks = 1.0
            for column in [*equal, *by_rowid]:
                if access is not None and column in {c.lower() for c in access.in_list}:
                    seeks *= self.listed(access, column, list_rows)
            matched = float(total_rows)
            if equal:
                if "rowid" in equal:
                    matched = 1.0
                elif table:
                    matched = self.probe_matches(access, table, equal, bound)
                else:
                    matched = max(1.0, total_rows / 10)
            if ranges:
                matched *= self.range_share(table, equal, ranges)
            if equal and "rowid" not in equal and table:
                matched = max(matched, self.probe_floor(access, equal, bound))
            matched *= seeks
            btree = entry if from_index else table_bytes  # the b-tree it descends
            descent = self.descent_steps(btree, total_rows)
            fresh = self.ascending_keys(name, access, equal, bound, runs)
            if fresh is not None:
                # Keys in ascending order: the pages are read in order, each once at most;
                # and in a table, a rowid the cursor is on already costs nothing (an
                # index's seek descends again, through the pages the last one cached).
                pages = total_rows * (btree or 0.0) / (PAGE_BYTES * PAGE_FILL)
                missed = (descent - DESCENT_STEPS) * min(1.0, pages / max(runs * fresh, 1.0))
                descent = fresh * missed + DESCENT_STEPS * (fresh if "rowid" in equal else 1.0)
            per_run = (seeks * descent + matched * each
                       + min(seeks, matched * fetched) * first_lookup)
        cost = per_run * runs
        probes = list_probes(access, sought)
        if probes and access is not None:
            # The lists are tested on the rows the loop's other filters keep (they come
            # first in the text, as a plain comparison usually does).
            unlisted = replace(access, in_list=(), excluded=())
            cost += probes * matched * runs * self.residual(
                unlisted, table, equal, sought, bound, list(list_rows))
        share = self.residual(access, table, equal, sought, bound, list_rows)
        self.deferred = 1.0
        late = {c.lower() for c in access.after_subquery} - sought if access else set()
        if access is not None and late and share > 0:
            # Comparisons with a subquery's value: SQLite tests them last, once the
            # subquery has run; until then the loops inside see the rows they would keep.
            early = replace(access, equality=_without(access.equality, late),
                            range=_without(access.range, late))
            before = self.residual(early, table, equal, sought, bound, list(list_rows))
            if before > 0:
                self.deferred = min(1.0, share / before)
                share = before
        rows_out = matched * share
        if table is None and access is None:
            rows_out *= self.derived_share(name)
        self.loops.append(LoopCost(name, table, detail, runs, rows_out, cost))
        self.loop_accesses.append(access)
        return cost, rows_out

    def fetched_share(self, access: TableAccess | None, table: str | None, index: str,
                      equal: list[str], sought: set[str], bound: frozenset[str],
                      list_rows: list[float]) -> float:
        """Of the entries a loop reads from an index that does not cover it, the share
        whose table row it looks up: SQLite tests the comparisons on the index's own
        columns on the entry, and seeks the row only for the entries that pass (a
        deferred seek). Measured on 200,000 rows of 200 bytes, a scan through an index on
        (a, b) for ``b = ?``: 7 ms, where one that looks up every row takes 320 ms, and
        the covering scan 3.7 ms (2026-12-06)."""
        if access is None or table is None:
            return 1.0
        held = set(self.key_columns.get(index, ())) - {
            c.lower() for c in access.after_subquery}
        return self.residual(access.only(held), table, equal, sought, bound,
                             list(list_rows))

    def range_share(self, table: str | None, equal: list[str], ranges: list[str]) -> float:
        """The share of a seek's rows its range keeps: counted for the statement's bounds
        (with its equalities, or alone where those were not counted: values from a loop
        outside), else SQLite's defaults, a quarter a bound and a sixty-fourth for two."""
        stats = self.statistics
        bounded = {column + RANGE_MARK for column in ranges}
        if table is not None and "rowid" not in equal:
            with_bounds = stats.matched(table, {*equal, *bounded})
            before = stats.matched(table, equal) if equal else float(stats.rows(table))
            if with_bounds is None or not before:
                with_bounds, before = stats.matched(table, bounded), float(stats.rows(table))
            if with_bounds is not None and before:
                return with_bounds / before
        share = 1.0
        for column in set(ranges):
            share *= TWO_SIDED_RANGE if ranges.count(column) > 1 else ONE_SIDED_RANGE
        return share

    def rowid_list(self, access: TableAccess | None, table: str | None,
                   equal: list[str]) -> list[str]:
        """Of a seek by rowid, the list it takes its rowids from: the access's list on a
        column that names every row once, the rowid's alias, of values (as the samples
        held them) or of a subquery's rows where they were counted; else none. A list
        subquery's rows are not estimated for this: TPC-H's Q18 groups (orders whose lines
        sum past a bound) and nothing here knows how many groups its HAVING keeps."""
        if access is None or table is None or "rowid" not in equal:
            return []
        rows = self.statistics.rows(table)
        sized = {c.lower() for c, _ in access.in_list_sizes}
        return [c.lower() for c in access.in_list
                if (c.lower() in sized or self.counted_list is not None)
                and self.statistics.distinct_values(table, (c,)) >= rows][:1]

    @staticmethod
    def walked_order(detail: str, how: str, next_key: str | None, equal: list[str],
                     ranges: list[str], runs: float) -> str | None:
        """The order a loop (``how`` it reads, seeking ``equal`` and ``ranges`` on an
        index whose key after them is ``next_key``) yields its rows in, where it is one a
        seek can use: the rowid's (_ROWID_ORDER), a scan in stored order; or the column
        of an index that its walk goes up by, a whole index scanned, or one seek on
        equalities (run once) going on to the next key column; else None."""
        if _STORED_ORDER.match(detail):
            return _ROWID_ORDER
        if "INDEX" not in how or ranges or (equal and runs > 1):
            return None
        return next_key

    def ascending_keys(self, name: str, access: TableAccess | None, equal: list[str],
                       bound: frozenset[str], runs: float) -> float | None:
        """Where every key a seek of loop ``name`` takes comes from one loop outside that
        yields them in ascending order: a scan in stored order, through columns ordered
        with that table's rowid (Statistics.ordered: a ledger's lines, in order, looking
        up their entries), or an index walked by the key's column (TPC-H's partsupp by
        ps_suppkey, looking up each supplier); the share of its ``runs`` that bring a key
        the run before did not; else None."""
        if not equal or access is None or runs <= 0:
            return None
        partners = _bound_partners(access, bound)
        columns = [c for c in equal if c != "rowid"]
        if "rowid" in equal:  # sought by the rowid alias the join names
            columns += [c for c in partners if c not in equal]
        sources = {partners.get(c) for c in columns}
        if len(sources) != 1 or None in sources:
            return None
        source = sources.pop()
        outer = self.read.get(source or "")
        walked = self.in_order.get(source or "")
        if outer is None or walked is None:
            return None
        keys = tuple(c.lower() for c, partner in outer.join_partners
                     if partner.lower() == name.lower())
        stats = self.statistics
        if not keys or (keys != (walked,) if walked != _ROWID_ORDER
                        else not all(stats.ordered(outer.table, c) for c in keys)):
            return None
        rows = float(max(stats.rows(outer.table), 1))
        distinct = float(stats.distinct_values(outer.table, keys))
        reached = min(runs, rows)
        # Keys among ``reached`` of the rows, each key's rows side by side.
        found = distinct * -math.expm1(math.log1p(-min(reached / rows, 1.0 - 1e-12))
                                       * rows / distinct)
        return min(1.0, max(found, 1.0) / reached)

    def consecutive_run(self, index: str, table: str | None, equal: list[str],
                        ranges: Sequence[str], next_key: str | None) -> float:
        """How many of a seek's rows lie at consecutive rowids, one run after another:
        all of them through the table's own key index, in whose order its rows are
        written, or where a column whose values go up with the rowid (a timestamp
        written as rows are inserted: Statistics.ordered) orders them: a range on it, or
        the key column after the equalities; else the clumping of the sought columns'
        values (1: scattered)."""
        if index in self.key_ordered:
            return math.inf
        if table is None:
            return 1.0
        # The key column after the equalities orders a seek's rows: one ordered with the
        # rowid hands them over in rowid order (the ticketing workload's paid orders
        # walked by (status, created_at, ...): 9.6 ms for 105,460, priced at 150).
        walked = ranges[0] if ranges else next_key
        if walked is not None and self.statistics.ordered(table, walked):
            return math.inf
        return self.statistics.clumping(table, [c for c in equal if c != "rowid"])

    def new_page_share(self, table: str | None, index: str, table_bytes: float | None,
                       total_rows: float) -> float:
        """The share of rowid lookups from ``index`` that land on another table page than
        the lookup before: the rows of one key come from an index in rowid order, so a key
        matching more rows than the table has pages walks the pages in order, several rows
        a page, and a lookup on the page it is on needs no descent (SQLite's cursor moves
        along the leaf). Timed on TPC-H's lineitem (60,175 rows, 3,586 pages), a full walk
        through indexes on columns of 50, 11, 7 and 4 values: 1.04, 0.59, 0.48 and 0.28 µs
        a row against 1.15 through l_partkey's (scattered) and 0.13 for the scan
        (2026-12-04). Priced as scattered lookups, TPC-H's Q1 walking (l_returnflag,
        l_linestatus) to spare its sort cost twice the scan and the sort (0.87 of them
        now), where it measures 0.5-0.7 of them."""
        columns = self.key_columns.get(index)
        if table is None or not columns or not table_bytes:
            return 1.0
        key_rows = self.statistics.average_rows_per_match(table, columns)
        pages = total_rows * table_bytes / (PAGE_BYTES * PAGE_FILL)
        return min(1.0, pages / max(key_rows, 1.0))

    def descent_steps(self, bytes_each: float | None, rows: float) -> float:
        """A descent into a b-tree of ``rows`` entries of ``bytes_each`` (None: unknown, a
        transient one): DESCENT_STEPS, and a page fetch as often as its pages do not fit
        in SQLite's page cache."""
        return DESCENT_STEPS + PAGE_MISS_STEPS * cache_missed(
            rows * (bytes_each or 0.0) / PAGE_FILL)

    def probe_matches(self, access: TableAccess | None, table: str, equal: list[str],
                      bound: frozenset[str]) -> float:
        """Rows one seek on the ``equal`` columns finds. Columns whose values come from
        one place (the statement's own values, or one outer loop's row) match together, as
        their distinct combinations say; values from different loops are independent,
        so a seek that takes a key from two of them (a triangle of joins) rarely hits."""
        partner = _bound_partners(access, bound)
        groups: dict[str, list[str]] = {}
        for column in equal:
            groups.setdefault(partner.get(column, ""), []).append(column)
        found = sorted(groups.values(), key=len, reverse=True)
        matched = self.statistics.rows_per_match(table, tuple(found[0]))
        for columns in found[1:]:
            matched /= self.statistics.distinct_values(table, tuple(columns))
        return matched

    def probe_floor(self, access: TableAccess | None, equal: list[str],
                    bound: frozenset[str]) -> float:
        """At least a row per seek when its values come from one place (they name a row
        that exists); none when they come from several."""
        partner = _bound_partners(access, bound)
        return 1.0 if len({partner.get(column, "") for column in equal}) == 1 else 0.0

    def listed(self, access: TableAccess, column: str, list_rows: list[float]) -> float:
        """How many values an IN list on ``column`` holds: as the samples listed them, else
        the rows of the plan's next list subquery, else DEFAULT_IN_VALUES."""
        sizes = {c.lower(): size for c, size in access.in_list_sizes}
        if column in sizes:
            return max(sizes[column], 1.0)
        if list_rows:
            return max(list_rows.pop(0), 1.0)
        return DEFAULT_IN_VALUES

    def residual(self, access: TableAccess | None, table: str | None, equal: list[str],
                 sought: set[str], bound: frozenset[str], list_rows: list[float]) -> float:
        """The share of a loop's rows that survive filters it does not seek on: its own
        equalities, and joins with the loops outside it, taken together (correlated
        columns filter less than one at a time); IN lists, ranges, IS NULL."""
        if access is None or table is None:
            return 1.0
        share = 1.0
        stats = self.statistics
        if "rowid" in sought:
            # The rowid alias is sought with it, and so is any unique column compared with
            # the statement's values where the rowid's value is the statement's too (they
            # name one row); where a loop outside gives the rowid, a unique column compared
            # with a value still filters (TPC-H's ``r_name = ?`` after each nation's region).
            rows = stats.rows(table)
            joined_unique = {c.lower() for c in _bound_partners(access, bound)
                             if stats.distinct_values(table, (c,)) >= rows}
            named = () if joined_unique else access.equality
            sought = sought | joined_unique | {
                c.lower() for c in (*named, *access.join)
                if stats.distinct_values(table, (c,)) >= rows}
        equality = {c.lower() for c in access.equality}
        joined = set(_bound_partners(access, bound)) - sought
        # Given the bounds and lists it sought on (counted, in range_share), where counted
        # with them: a title's prefix and a kind go together, or not.
        sought_bounds = {c.lower() + RANGE_MARK for c in (*access.range, *access.in_list)
                         if c.lower() in sought}
        counted_all = stats.matched(table, equality | sought_bounds)
        counted_sought = (stats.matched(table, (equality & sought) | sought_bounds)
                          if equality & sought or sought_bounds else float(stats.rows(table)))
        if counted_all is None or not counted_sought:
            counted_all = stats.matched(table, equality)
            counted_sought = (stats.matched(table, equality & sought) if equality & sought
                              else float(stats.rows(table)))
        if equality - sought and counted_all is not None and counted_sought:
            share = counted_all / counted_sought  # the statement's own values, counted
            filtering = sorted(joined)
        else:
            filtering = sorted((equality - sought) | joined)
        if filtering:
            keys = tuple(c for c in equal if c != "rowid")
            share *= (stats.distinct_values(table, keys)
                      / stats.distinct_values(table, (*keys, *filtering)))
        ranged = [c.lower() for c in access.range if c.lower() not in sought]
        listed = [c.lower() for c in access.in_list if c.lower() not in sought]
        # Given the bounds and lists it sought on, the ones it did not, and the values it
        # excludes (``status NOT IN (...)``: uncounted, taken to keep all).
        with_bounds = stats.matched(table, equality | sought_bounds | {
            c.lower() + RANGE_MARK for c in (*ranged, *listed, *access.excluded)})
        before_bounds = (stats.matched(table, equality | sought_bounds)
                         if equality or sought_bounds else float(stats.rows(table)))
        if (ranged or listed or access.excluded) and with_bounds is not None and before_bounds:
            share *= with_bounds / before_bounds  # the statement's own bounds, counted
        else:
            for column in listed:
                values = self.listed(access, column, list_rows)
                share *= min(1.0, values / stats.distinct_values(table, (column,)))
            both = {c.lower() for c in access.bounded}
            for column in ranged:
                share *= TWO_SIDED_RANGE if column in both else ONE_SIDED_RANGE
        for column in access.is_null:
            if column.lower() not in sought:
                share /= stats.distinct_values(table, (column,))
        return share


_Reading = TypeVar("_Reading")


def _next_reading(by_alias: Mapping[str, list[_Reading]], taken: dict[str, int], name: str,
                  take: bool) -> _Reading | None:
    """What the next loop named ``name`` reads: the plan's k-th loop of an alias reads its
    k-th occurrence in the text, the last one again past the end (``take``: that loop is
    costed now, and the one after reads the next)."""
    found = by_alias.get(name.lower())
    if not found:
        return None
    index = taken.get(name.lower(), 0)
    if take:
        taken[name.lower()] = index + 1
    return found[min(index, len(found) - 1)]


def list_probes(access: TableAccess | None, sought: set[str]) -> float:
    """Steps a row for the lists of values a loop tests its rows against: its NOT IN
    lists, and its IN lists no index seeks."""
    if access is None:
        return 0.0
    tested = [IN_PROBE_STEPS for column, size in access.in_list_sizes
              if size > SHORT_LIST and column.lower() not in sought]
    tested += [NOT_IN_PROBE_STEPS for _, size in access.excluded_sizes if size > SHORT_LIST]
    return sum(tested)


def _bound_partners(access: TableAccess | None, bound: frozenset[str]) -> dict[str, str]:
    """Column -> the alias it is joined with, for the joins with loops outside (``bound``)."""
    return {c.lower(): p.lower() for c, p in (access.join_partners if access else ())
            if p.lower() in bound}


def _without(columns: tuple[str, ...], left_out: set[str]) -> tuple[str, ...]:
    return tuple(c for c in columns if c.lower() not in left_out)


def _generations(fanout: float) -> float:
    """Rows a recursive CTE yields per seed row when each row's step yields ``fanout``
    rows: 1 + f + f² + …, for at most RECURSION_DEPTH generations."""
    if abs(fanout - 1.0) < 1e-9:
        return RECURSION_DEPTH + 1.0
    if fanout > 2.0:  # past any table's size long before the last generation
        return fanout ** RECURSION_DEPTH
    return (1 - fanout ** (RECURSION_DEPTH + 1)) / (1 - fanout)


def _constraint_terms(constraint: str, keys: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """A seek's (equality, range) keys, lower-cased. SQLite names an expression key
    ``<expr>``, and a key in another collation by its column: the index's key in that
    place (its terms follow the keys' order, a range's two bounds both on the key after
    the equalities)."""
    equal: list[str] = []
    ranges: list[str] = []
    for column, op in _TERM.findall(constraint):
        place = len(equal)  # a range's two bounds are on the key after the equalities
        key = keys[place].lower() if place < len(keys) else None
        if key is not None and (column == "<expr>"
                                or key.startswith(f"{column.lower()} collate ")):
            column = key
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
                rows_written: float = 1.0, packed: Mapping[IndexSpec, float] | None = None,
                layout: Layout | None = None, scattered: bool = False) -> Maintenance:
    """Index upkeep of a write: INSERT and DELETE touch every index of the table; an
    UPDATE (and an upsert's update) only those holding a column it sets or read
    by a partial index's WHERE. ``packed``: of the indexes, those just built, with what
    a row inserted into each costs beyond an insert into one grown row by row
    (packed_insert_steps). ``layout``: the tables' and indexes' sizes, by which the
    pages a write of several rows dirties are counted (dirtied_pages; without it, one
    a b-tree); ``scattered``: an UPDATE's or DELETE's rows lie apart in the table.
    """
    rows = statistics.rows(write.table)
    step = seek_cost(rows) + 1  # descend the b-tree, then change one entry
    set_columns = {c.lower() for c in write.columns_set}
    packed = packed or {}
    inserts = write.operation in ("INSERT", "REPLACE")

    def dirtied(bytes_each: float | None, apart: bool) -> float:
        if layout is None or bytes_each is None:
            return 1.0
        return dirtied_pages(rows_written, bytes_each, rows, apart)

    # Each page a write dirties beyond its first is found and dirtied as an index's first
    # is (below): an UPDATE of 20, 150 and 1,000 scattered rows of the ticketing seats
    # (378,085 rows, 2,471 pages), no index touched, 23, 17 and 15 µs a row in CPU time;
    # of as many consecutive rows, 9.5, 2.3 and 1.3 (2026-12-06). An INSERT appends its
    # rows to the table.
    table_pages = dirtied(layout.row_bytes.get(write.table.lower()) if layout else None,
                          scattered and not inserts)
    base = (step * rows_written
            + INDEX_TOUCH_STEPS_PER_LEVEL * seek_cost(rows) * (table_pages - 1.0))
    charged = []
    for spec in indexes:
        if spec.table.lower() != write.table.lower():
            continue
        if write.operation in ("INSERT", "DELETE", "REPLACE"):
            touches = True
        else:
            read = {c.lower() for c in spec.columns_read}  # an expression key's columns
            if spec.where:
                read |= {w.lower() for w in re.findall(r"[A-Za-z_]\w*", spec.where)}
            touches = bool(read & set_columns)
        if not touches:
            continue
        # An UPDATE of a leading column moves the entry to another place: delete the old
        # key, insert the new. One of a later column only rewrites it beside its
        # neighbours, in the leaf the first descent found (a column second in four
        # indexes measured 1-9 µs an index, as an INSERT does; its leading column 3-14).
        moves = write.operation in ("UPDATE", "UPSERT") and bool(
            {c.lower() for c in key_columns(spec.column_names[0])} & set_columns)
        factor = 2.0 if moves else 1.0
        # Per row, the entry's own steps; per statement, the index's pages to find
        # and dirty, more of them cold the larger the table (measured, above);
        # fewer where inserts land beside the last ones.
        appends = inserts and statistics.clumping(spec.table, spec.column_names[:1]) >= CLUMPED
        touch = ((APPEND_TOUCH_STEPS_PER_LEVEL if appends else INDEX_TOUCH_STEPS_PER_LEVEL)
                 * seek_cost(rows))
        # An entry goes where its key says: inserted rows' apart unless appended; an
        # UPDATE's or DELETE's, as its rows lie (the entries of consecutive rows with one
        # key sit side by side, in rowid order).
        pages = dirtied(layout.index_entry(spec.table, spec.column_names) if layout else None,
                        not appends if inserts else scattered)
        split = packed.get(spec, 0.0) if inserts and not appends else 0.0
        charged.append((spec.describe(), (step * rows_written + touch * pages) * factor
                        + split * rows_written))
    return Maintenance(write.table, base, tuple(charged))
