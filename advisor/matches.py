"""Matches: how many rows a replayed statement's own equality values match, counted.

The planner prices an equality with the average rows per value (sqlite_stat1),
and so does the cost model by default. A workload is not average: Torc's
claims and listings go to the workflows that exist and are large, so
``workflow_id = ?`` matches 10,000 jobs where the average is 5,000, and a
running workflow's compute nodes are 80 where the average is 3. When the
replayed statements and their database are at hand (compare, fidelity), the
rows each table occurrence's equalities match are counted there, for every
subset of its equality columns (the plan may seek on some and filter on the
rest), the median over the template's statements, and handed to the costing
(never to the planner: SQLite plans with averages).
"""

from __future__ import annotations

import itertools
import sqlite3
import statistics
from collections.abc import Mapping
from pathlib import Path

from advisor.binding import Unanalysable
from advisor.database import open_read_only
from advisor.measure import ReplaySet
from advisor.parameters import prepare
from advisor.workload import Workload

MAX_COLUMNS = 4  # equality columns per occurrence counted in every combination

Matches = Mapping[tuple[str, frozenset[str]], float]


def value_matches(workload: Workload, database: Path, replayed: ReplaySet
                  ) -> dict[str, Matches]:
    """Per template id: (table, equality columns) -> rows matched, the median over its
    replayed statements."""
    connection = open_read_only(database)
    counted: dict[tuple[str, tuple[str, ...], tuple[object, ...]], int] = {}
    try:
        out = {}
        for template_id, _, statements in replayed.statements:
            sums: dict[tuple[str, frozenset[str]], list[int]] = {}
            for sql in dict.fromkeys(statements):
                for table, pairs in _equalities(sql, workload):
                    for width in range(1, len(pairs) + 1):
                        for subset in itertools.combinations(pairs, width):
                            key = (table.lower(), frozenset(c.lower() for c, _ in subset))
                            sums.setdefault(key, []).append(
                                _count(connection, counted, table, subset))
            if sums:  # the median, as the timing's median is one statement's time
                out[template_id] = {key: statistics.median(v) for key, v in sums.items()}
        return out
    finally:
        connection.close()


def _equalities(sql: str, workload: Workload) -> list[tuple[str, list[tuple[str, object]]]]:
    """Per table occurrence of ``sql``: its equality (column, value) pairs."""
    try:
        prepared = prepare(sql, workload.catalog)
    except Unanalysable:
        return []
    groups: dict[tuple[str, str], dict[str, object]] = {}
    for slot in prepared.slots:
        if slot.role == "equal" and slot.table and slot.column and not slot.placeholder:
            group = groups.setdefault((slot.table, slot.occurrence or slot.table), {})
            group.setdefault(slot.column, slot.value)
    return [(table, list(pairs.items())[:MAX_COLUMNS]) for (table, _), pairs in groups.items()]


def _count(connection: sqlite3.Connection,
           counted: dict[tuple[str, tuple[str, ...], tuple[object, ...]], int], table: str,
           pairs: tuple[tuple[str, object], ...]) -> int:
    columns = tuple(c for c, _ in pairs)
    values = tuple(v for _, v in pairs)
    key = (table, columns, values)
    if key not in counted:
        where = " AND ".join(f'"{c}" IS ?' for c in columns)
        counted[key] = connection.execute(
            f'SELECT count(*) FROM "{table}" WHERE {where}', values).fetchone()[0]
    return counted[key]
