"""Clustering: how a column's values run together in a table's stored (rowid) order.

A scan that stops at its first match (``LIMIT 1``, ``EXISTS``) finds it after
1/(m + 1) of the table, on average, when the m matching rows are spread
through it. Rows are rarely spread: an application inserts a workflow's jobs
together, an order's lines together, so the rows one value matches sit side
by side, and the scan reads on to wherever that block starts: half the table,
on average, whatever m is. Torc's ``is_workflow_complete`` (``SELECT 1 FROM
job WHERE workflow_id = ? AND status NOT IN (...) LIMIT 1``) was estimated at
a two-hundredth of its measured cost for that reason (docs/benchmarks.md,
decision fidelity).

The statistic is each column's mean *run length*: in rowid order, how many
rows in a row hold the same value. It is read from ``CHUNKS`` evenly spaced
stretches of ``CHUNK_ROWS`` consecutive rows (the whole table when it is
smaller), so a run longer than a stretch counts as the stretch: a lower
bound, as the costing wants (it then assumes less clumping than there is,
never more). A column whose values are spread at random has runs of
d/(d - 1) rows for d values, so the costing divides that out
(``Statistics.clumping``). The database is only read.

The same stretches say whether a column's values are *ordered* with the rowid: its
numbers (every value read a number) correlate with the rowid at ORDERED or more over
the stretches, spread through the table (a timestamp or a sequence the application
writes as it inserts, give or take a few rows); or, for values not all numbers (a
timestamp written as ISO text), no NULL among them, they change, and no more than
1 - ORDERED of the rows hold a value below the row's before, or below the one FAR rows
before, and each stretch's least and greatest values are above the stretch's before
(a ticketing site's orders by created_at: 1 in 109,044 below the row before; ``post
10`` after ``post 9`` rises row to row but not over FAR rows, ``post 110`` sorting
before ``post 46``, nor from one stretch to the next). A range on such a column finds rows
at consecutive rowids, as an equality on a clumped column does: on a Q&A forum's
posts a range on last_activity_at matching 23,467 of 540,000 rows ran in a fifth of
a scan's time, where priced as scattered lookups it cost 1.4 scans.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from advisor.catalog.database import open_read_only
from advisor.catalog.schema import Catalog, quote_identifier
from advisor.model.frozen import freeze_mappings

CHUNKS = 8  # stretches read per table
CHUNK_ROWS = 16_384  # consecutive rows per stretch (a window over them takes a few ms)
ORDERED = 0.98  # correlation of a column's values with the rowid: an ordered column
FAR = 64  # rows apart: text is ordered where it rises row to row and over FAR rows


@dataclass(frozen=True)
class RunLengths:
    """Mean run lengths, (table, column) in lower case -> rows, and what reading them took."""

    runs: Mapping[tuple[str, str], float]
    rows_read: int
    seconds: float
    ordered: frozenset[tuple[str, str]] = frozenset()  # values ordered with the rowid

    def __post_init__(self) -> None:
        freeze_mappings(self, "runs")


def run_lengths(database: str | Path, catalog: Catalog,
                columns: Iterable[tuple[str, str]]) -> RunLengths:
    """The mean run length of each (table, column) of ``columns`` in ``database``'s rowid
    order; a WITHOUT ROWID table, one the catalog lacks, or a column it does not list (an
    index's expression) is left out."""
    started = time.perf_counter()
    wanted: dict[str, list[str]] = {}
    for table, column in columns:
        found = catalog.table(table)
        if found is None or found.without_rowid:
            continue
        known = {name.lower(): name for name in found.column_names}
        names = wanted.setdefault(found.name, [])
        if column.lower() in known and known[column.lower()] not in names:
            names.append(known[column.lower()])  # not an expression, nor one unknown
    runs: dict[tuple[str, str], float] = {}
    ordered: set[tuple[str, str]] = set()
    read = 0
    connection = open_read_only(database)
    try:
        for table, names in wanted.items():
            if not names:
                continue
            try:
                found_runs, found_ordered, rows = _table_runs(connection, table, names)
            except sqlite3.Error:  # a column or table the database does not have
                continue
            runs.update(found_runs)
            ordered |= found_ordered
            read += rows
    finally:
        connection.close()
    return RunLengths(runs, read, time.perf_counter() - started, frozenset(ordered))


def _table_runs(connection: sqlite3.Connection, table: str, columns: list[str]
                ) -> tuple[dict[tuple[str, str], float], set[tuple[str, str]], int]:
    """Each column's rows over its runs within the stretches read, counted by SQLite (a
    window over each stretch: a row starts a run when its value is not the last row's),
    and the columns whose values are ordered with the rowid (see the module text)."""
    name = quote_identifier(table)
    low, high = connection.execute(f"SELECT min(rowid), max(rowid) FROM {name}").fetchone()
    if low is None:
        return {}, set(), 0
    quoted = [quote_identifier(c) for c in columns]
    starts_run = ", ".join(f"({q} IS NOT lag({q}) OVER w OR row_number() OVER w = 1) AS s{i}, "
                           f"CASE WHEN typeof({q}) IN ('integer', 'real') THEN {q} END AS v{i}, "
                           f"({q} < lag({q}) OVER w) AS d{i}, "
                           f"({q} < lag({q}, {FAR}) OVER w) AS f{i}, {q} AS x{i}"
                           for i, q in enumerate(quoted))
    # Per column: runs; then, over its numbers, count, sums of v, v*v, r*v (r: rowid);
    # and the rows whose value is below the last row's, and below the one FAR rows
    # before (a text timestamp has no numbers).
    counted = ", ".join(f"sum(s{i}), count(v{i}), total(v{i}), total(v{i} * v{i}), "
                        f"total(advisor_rowid * v{i}), count(d{i}), total(d{i}), "
                        f"count(f{i}), total(f{i}), min(x{i}), max(x{i})"
                        for i in range(len(quoted)))
    query = (f"SELECT count(*), total(advisor_rowid), total(advisor_rowid * advisor_rowid), "
             f"{counted} FROM (SELECT advisor_rowid, {starts_run} FROM "
             f"(SELECT rowid AS advisor_rowid, {', '.join(quoted)} FROM {name} "
             f"WHERE rowid >= ? ORDER BY rowid LIMIT ?) WINDOW w AS (ORDER BY advisor_rowid))")
    span = high - low + 1
    starts = ([low] if span <= CHUNKS * CHUNK_ROWS
              else [low + span * k // CHUNKS for k in range(CHUNKS)])
    limit = span if len(starts) == 1 else CHUNK_ROWS
    rows = 0
    rowids = [0.0, 0.0]  # sums of r and r*r
    # runs, numbers, sums of v, v*v, r*v; rows compared with the last, of them lower; with
    # the one FAR before, of them lower
    sums = [[0.0] * 9 for _ in columns]
    rising = [True] * len(columns)  # each stretch's least and greatest values above the last's
    ends: list[tuple[object, object] | None] = [None] * len(columns)
    for start in starts:
        found = connection.execute(query, (start, limit)).fetchone()
        rows += found[0]
        rowids = [rowids[0] + found[1], rowids[1] + found[2]]
        for i, mine in enumerate(sums):
            at = 3 + 11 * i
            for k in range(9):
                mine[k] += found[at + k] or 0
            least, greatest = found[at + 9], found[at + 10]
            last = ends[i]
            if last is not None and least is not None and last[0] is not None and (
                    _below(least, last[0]) or _below(greatest, last[1])):
                rising[i] = False
            ends[i] = (least, greatest)
    if not rows:
        return {}, set(), 0
    ordered = {(table.lower(), c.lower())
               for c, (runs, count, v, vv, rv, pairs, down, far_pairs, far_down), rises
               in zip(columns, sums, rising, strict=True)
               if (count == rows and _correlation(rows, rowids, v, vv, rv) >= ORDERED)
               or (count < rows and rises and pairs >= rows - len(starts) and far_pairs > 0
                   and runs > 2 * len(starts) and down <= (1 - ORDERED) * pairs
                   and far_down <= (1 - ORDERED) * far_pairs)}
    return ({(table.lower(), c.lower()): rows / max(mine[0], 1)
             for c, mine in zip(columns, sums, strict=True)}, ordered, rows)


def _below(value: object, other: object) -> bool:
    """``value < other`` as SQLite orders values of mixed types (numbers before text)."""
    if isinstance(value, int | float) != isinstance(other, int | float):
        return isinstance(value, int | float)
    try:
        return bool(value < other)  # type: ignore[operator]
    except TypeError:
        return False


def _correlation(n: int, rowids: list[float], v: float, vv: float, rv: float) -> float:
    """Pearson's correlation of the rowid and a column's values from their sums (0 where
    either does not vary)."""
    r, rr = rowids
    spread = (n * rr - r * r) * (n * vv - v * v)
    return (n * rv - r * v) / math.sqrt(spread) if spread > 0 else 0.0
