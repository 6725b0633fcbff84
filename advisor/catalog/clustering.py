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
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class RunLengths:
    """Mean run lengths, (table, column) in lower case -> rows, and what reading them took."""

    runs: Mapping[tuple[str, str], float]
    rows_read: int
    seconds: float

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
    read = 0
    connection = open_read_only(database)
    try:
        for table, names in wanted.items():
            if not names:
                continue
            try:
                found_runs, rows = _table_runs(connection, table, names)
            except sqlite3.Error:  # a column or table the database does not have
                continue
            runs.update(found_runs)
            read += rows
    finally:
        connection.close()
    return RunLengths(runs, read, time.perf_counter() - started)


def _table_runs(connection: sqlite3.Connection, table: str, columns: list[str]
                ) -> tuple[dict[tuple[str, str], float], int]:
    """Each column's rows over its runs within the stretches read, counted by SQLite (a
    window over each stretch: a row starts a run when its value is not the last row's)."""
    name = quote_identifier(table)
    low, high = connection.execute(f"SELECT min(rowid), max(rowid) FROM {name}").fetchone()
    if low is None:
        return {}, 0
    quoted = [quote_identifier(c) for c in columns]
    starts_run = ", ".join(f"({q} IS NOT lag({q}) OVER w OR row_number() OVER w = 1) AS s{i}"
                           for i, q in enumerate(quoted))
    counted = ", ".join(f"sum(s{i})" for i in range(len(quoted)))
    query = (f"SELECT count(*), {counted} FROM (SELECT {starts_run} FROM "
             f"(SELECT rowid AS advisor_rowid, {', '.join(quoted)} FROM {name} "
             f"WHERE rowid >= ? ORDER BY rowid LIMIT ?) WINDOW w AS (ORDER BY advisor_rowid))")
    span = high - low + 1
    starts = ([low] if span <= CHUNKS * CHUNK_ROWS
              else [low + span * k // CHUNKS for k in range(CHUNKS)])
    limit = span if len(starts) == 1 else CHUNK_ROWS
    rows = 0
    runs = [0] * len(columns)
    for start in starts:
        found = connection.execute(query, (start, limit)).fetchone()
        rows += found[0]
        runs = [r + (n or 0) for r, n in zip(runs, found[1:], strict=True)]
    if not rows:
        return {}, 0
    return ({(table.lower(), c.lower()): rows / max(n, 1)
             for c, n in zip(columns, runs, strict=True)}, rows)
