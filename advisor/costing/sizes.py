"""Sizes: an index's bytes on disk, estimated from its columns' declared types.

The search weighs an index's saving against its size before anything is built,
so the size is analytic: SQLite stores integers as 1-9 byte varints (a few
bytes for ids), text at its length; each entry carries the rowid and a cell
header, and b-tree pages are not full. The capacity stage measures real sizes
and reports this estimate beside them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from advisor.catalog.schema import Catalog
from advisor.catalog.statistics import Statistics
from advisor.model.frozen import freeze_mappings
from advisor.model.indexes import IndexSpec

INTEGER_BYTES = 3
REAL_BYTES = 8
TEXT_BYTES = 16
ROWID_BYTES = 4
CELL_OVERHEAD = 4
PAGE_FILL = 0.8
PAGE_BYTES = 4096


def column_bytes(declared: str) -> int:
    """The bytes a value of a column of this declared type takes, on average."""
    declared = declared.upper()
    if "INT" in declared:
        return INTEGER_BYTES
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return REAL_BYTES
    return TEXT_BYTES


@dataclass(frozen=True)
class Layout:
    """How a catalog's tables lie in the file, as far as the schema tells: what the costing
    needs beside the plan."""

    # table (lower-cased) -> the bytes of one of its rows: every column's value and the
    # cell's header; what a scan steps over row by row
    row_bytes: Mapping[str, float] = field(default_factory=dict)
    # indexes (lower-cased names) in their table's own order: a rowid table's PRIMARY KEY,
    # in whose order its rows are usually written, so that its lookups walk the table
    key_ordered: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        freeze_mappings(self, "row_bytes")


def layout(catalog: Catalog) -> Layout:
    return Layout(
        {name.lower(): float(CELL_OVERHEAD + sum(1 + column_bytes(c.type) for c in table.columns))
         for name, table in catalog.tables.items()},
        frozenset(index.name.lower() for index in catalog.indexes if index.origin == "pk"))


def index_bytes(spec: IndexSpec, catalog: Catalog, statistics: Statistics) -> int:
    """An analytic estimate of an index's size on disk, in whole pages."""
    table = catalog.table(spec.table)
    types = {c.name.lower(): c.type for c in table.columns} if table else {}
    entry = ROWID_BYTES + CELL_OVERHEAD
    for column in spec.column_names:
        entry += column_bytes(types.get(column.lower(), ""))
    rows = statistics.rows(spec.table)
    if spec.where:
        rows = max(1, rows // 10)  # a partial index holds the rows its WHERE keeps
    pages = math.ceil(rows * entry / (PAGE_BYTES * PAGE_FILL))
    return max(1, pages) * PAGE_BYTES
