"""Sizes: an index's bytes on disk, estimated from its columns' declared types.

The search weighs an index's saving against its size before anything is built,
so the size is analytic: SQLite stores integers as 1-9 byte varints (a few
bytes for ids), text at its length; each entry carries the rowid and a cell
header, and b-tree pages are not full. The capacity stage measures real sizes
and reports this estimate beside them.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

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
    # index (lower-cased name, as plans name it) -> the bytes of one of its entries
    entry_bytes: Mapping[str, float] = field(default_factory=dict)
    # indexes (lower-cased names) in their table's own order: a rowid table's PRIMARY KEY,
    # in whose order its rows are usually written, so that its lookups walk the table
    key_ordered: frozenset[str] = frozenset()
    # table (lower-cased) -> column (lower-cased) -> the bytes of one of its values
    column_bytes: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # partial index (lower-cased name) -> the columns its WHERE fixes to one value
    # (``status = 5``, ``deleted IS NULL``): every entry holds that value
    fixed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # index (lower-cased name) -> its key's columns (lower-cased): the rows of one key come
    # from it in rowid order
    key_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        freeze_mappings(self, "row_bytes", "entry_bytes", "column_bytes", "fixed",
                        "key_columns")

    def with_indexes(self, specs: Iterable[IndexSpec]) -> Layout:
        """This layout with the entries of hypothetical indexes, named as the what-if
        planner names them (``IndexSpec.name``)."""
        specs = list(specs)
        if not specs:
            return self
        added = {spec.name.lower(): self.index_entry(spec.table, spec.column_names)
                 for spec in specs}
        fixed = {spec.name.lower(): fixed_columns(spec.where) for spec in specs if spec.where}
        keys = {spec.name.lower(): _lowered(spec.column_names) for spec in specs}
        return replace(self, entry_bytes={**self.entry_bytes, **added},
                       fixed={**self.fixed, **fixed}, key_columns={**self.key_columns, **keys})

    def index_entry(self, table: str, columns: Iterable[str]) -> float:
        widths = self.column_bytes.get(table.lower(), {})
        return float(ROWID_BYTES + CELL_OVERHEAD
                     + sum(1 + widths.get(c.lower(), TEXT_BYTES) for c in columns))


# ``column = value`` or ``column IS NULL`` between ANDs of a partial index's WHERE
_FIXING = re.compile(r"""^\s*\(?\s*["`\[]?([A-Za-z_]\w*)["`\]]?\s*
                        (?:==?\s*(?:'[^']*'|[-+]?\d[\w.]*|TRUE|FALSE)|IS\s+NULL)
                        \s*\)?\s*$""", re.IGNORECASE | re.VERBOSE)


@functools.lru_cache(maxsize=4096)  # asked again on every price (Layout.with_indexes)
def fixed_columns(where: str | None) -> tuple[str, ...]:
    """The columns (lower-cased) a partial index's WHERE fixes to one value: the
    ``column = constant`` and ``column IS NULL`` among its AND-ed terms.

    >>> fixed_columns("status = 5 AND deleted IS NULL"), fixed_columns("status IN (1, 2)")
    (('status', 'deleted'), ())
    """
    if not where:
        return ()
    terms = re.split(r"\s+AND\s+", where, flags=re.IGNORECASE)
    return tuple(dict.fromkeys(m.group(1).lower() for m in map(_FIXING.match, terms) if m))


def _lowered(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(name.lower() for name in names)


def layout(catalog: Catalog) -> Layout:
    widths = {name.lower(): {c.name.lower(): column_bytes(c.type) for c in table.columns}
              for name, table in catalog.tables.items()}
    found = Layout(
        {table: float(CELL_OVERHEAD + sum(1 + w for w in columns.values()))
         for table, columns in widths.items()},
        key_ordered=frozenset(index.name.lower() for index in catalog.indexes
                              if index.origin == "pk"),
        column_bytes=widths,
        fixed={index.name.lower(): fixed_columns(index.where)
               for index in catalog.indexes if index.where},
        key_columns={index.name.lower(): _lowered(index.column_names)
                     for index in catalog.indexes})
    return replace(found, entry_bytes={
        index.name.lower(): found.index_entry(index.table, index.column_names)
        for index in catalog.indexes})


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
