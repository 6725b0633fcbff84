"""A workload's statistics with every candidate index's sqlite_stat1 line from its data.

Where a database exists, guessing the rows per value of a column no existing
index describes makes the what-if planner plan otherwise than SQLite will
after ANALYZE (a three-valued column guessed at ten rows per value). So the
candidates, and the database's own indexes, get the lines a sampled ANALYZE
gives (advisor.catalog.sampled_analyze), laid over the workload's statistics.

The candidates depend on the statistics (equality columns lead, the most
selective first), so the columns the workload filters on are sampled first,
each as a one-column index; the candidates generated with those are then
sampled too, so that they are the very candidates the later stages generate.

The same columns' run lengths in stored order are read beside
(advisor.catalog.clustering), for the costing of scans that stop early.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from advisor.analysis.workload import Workload
from advisor.candidates.generate import generate
from advisor.catalog.clustering import run_lengths
from advisor.catalog.sampled_analyze import DEFAULT_MAX_ROWS, SampleCopy
from advisor.model.indexes import IndexSpec


def with_sampled_statistics(workload: Workload, database: str | Path,
                            max_rows: int = DEFAULT_MAX_ROWS) -> Workload:
    """The workload with its statistics' index lines from ``database`` (only read)."""
    catalog = workload.catalog
    with SampleCopy(database, catalog, max_rows) as copy:
        copy.stat1_lines(_filtered_columns(workload))
        selective = workload.statistics.with_sampled(copy.statistics)
        candidates = generate(workload.analyses, catalog, selective)
        copy.stat1_lines([*(c.spec for c in candidates.kept),
                          *(index.spec for index in catalog.indexes)])
        sampled = workload.statistics.with_sampled(copy.statistics)
    runs = run_lengths(database, catalog, _compared_columns(workload))
    return replace(workload, statistics=sampled.with_run_lengths(runs))


def _compared_columns(workload: Workload) -> list[tuple[str, str]]:
    """(table, column) of every column the workload's reads compare with a value, a list
    or another table's column, or bound by a range (whether it is ordered with the
    rowid), and the leading column of every index the database has (where its inserts
    land)."""
    found: dict[tuple[str, str], None] = {}
    for analysis in workload.analyses.values():
        for access in analysis.reads if analysis.ok else ():
            for column in (*access.equality, *access.in_list, *access.join, *access.range):
                found.setdefault((access.table, column))
    for index in workload.catalog.indexes:
        if index.spec.column_names:
            found.setdefault((index.table, index.spec.column_names[0]))
    return list(found)


def _filtered_columns(workload: Workload) -> list[IndexSpec]:
    """A one-column index on every column the workload's reads filter on (not the rowid,
    which no index describes better)."""
    specs: dict[IndexSpec, None] = {}
    for analysis in workload.analyses.values():
        for access in analysis.reads if analysis.ok else ():
            table = workload.catalog.table(access.table)
            rowid = table.rowid_alias if table is not None else None
            for column in access.filtered:
                if column != rowid:
                    specs.setdefault(IndexSpec(access.table, ((column, False),)))
    return list(specs)
