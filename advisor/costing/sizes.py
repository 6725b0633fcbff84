"""Sizes: an index's bytes on disk, estimated from its columns' declared types.

The search weighs an index's saving against its size before anything is built,
so the size is analytic: SQLite stores integers as 1-9 byte varints (a few
bytes for ids), text at its length; each entry carries the rowid and a cell
header, and b-tree pages are not full. The capacity stage measures real sizes
and reports this estimate beside them.
"""

from __future__ import annotations

import math

from advisor.catalog.schema import Catalog
from advisor.catalog.statistics import Statistics
from advisor.model.indexes import IndexSpec

INTEGER_BYTES = 3
REAL_BYTES = 8
TEXT_BYTES = 16
ROWID_BYTES = 4
CELL_OVERHEAD = 4
PAGE_FILL = 0.8
PAGE_BYTES = 4096


def index_bytes(spec: IndexSpec, catalog: Catalog, statistics: Statistics) -> int:
    """An analytic estimate of an index's size on disk, in whole pages."""
    table = catalog.table(spec.table)
    types = {c.name.lower(): c.type.upper() for c in table.columns} if table else {}
    entry = ROWID_BYTES + CELL_OVERHEAD
    for column in spec.column_names:
        declared = types.get(column.lower(), "")
        if "INT" in declared:
            entry += INTEGER_BYTES
        elif any(word in declared for word in ("REAL", "FLOA", "DOUB")):
            entry += REAL_BYTES
        else:
            entry += TEXT_BYTES
    rows = statistics.rows(spec.table)
    if spec.where:
        rows = max(1, rows // 10)  # a partial index holds the rows its WHERE keeps
    pages = math.ceil(rows * entry / (PAGE_BYTES * PAGE_FILL))
    return max(1, pages) * PAGE_BYTES
