"""Writing: the schema created, every sized table's rows written parents first, then indexes.

Tables go in a topological order of the foreign keys; each is written in
chunks of about ``CHUNK_ROWS`` rows with ``executemany`` (INSERT OR IGNORE: a
constraint the shapes could not plan for drops a row, counted, instead of
failing the build). Link columns come from the layout (a rowid, or the values
kept of a referenced plain column); plain columns from :mod:`.values`; columns
with a constant DEFAULT and no hint are left to SQLite.
"""

from __future__ import annotations

import re
import sqlite3
import string
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any

import networkx as nx

from advisor.catalog.profile import Group, Profile
from advisor.catalog.schema import Catalog, Column, quote_identifier
from advisor.replay.synth.layout import Layout, lift, pool_bounds, table_rng
from advisor.replay.synth.shapes import Link, Shape, referenced_columns
from advisor.replay.synth.values import ValueMaker

CHUNK_ROWS = 20_000  # rows per executemany call: one progress tick, bounded memory
Progress = Callable[[str, int, int], None]
_CONSTANT_DEFAULT = re.compile(
    r"""\s*(?:[-+]?[\d.]+(?:e[-+]?\d+)?|'[^']*(?:''[^']*)*'|NULL|TRUE|FALSE)\s*""", re.IGNORECASE)


def fill(catalog: Catalog, shapes: dict[str, Shape], layouts: dict[str, Layout],
          profile: Profile, seed: int, path: Path, progress: Progress | None) -> dict[str, int]:
    """Create the schema, write every sized table parents first, then the schema's indexes."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "locking_mode = EXCLUSIVE",
                       "temp_store = MEMORY", "cache_size = -65536", "foreign_keys = OFF"):
            connection.execute(f"PRAGMA {pragma}")
        tables_first = [sql for sql in catalog.ddl if _creates_table(sql)]
        for sql in tables_first:
            connection.execute(sql)
        rows = {t.name: 0 for t in catalog.tables.values()}
        kept: dict[tuple[str, str], list[Any]] = {}
        referenced = _referenced_plain_columns(catalog)
        for name in _insert_order(catalog):
            shape = shapes.get(name)
            if shape is None or not layouts[name].size:
                continue
            writer = _TableWriter(shape, shapes, layouts, profile, seed, connection, kept,
                                  referenced)
            rows[shape.table.name] = writer.write(progress)
        for sql in catalog.ddl:
            if sql not in tables_first:
                connection.execute(sql)
    finally:
        connection.close()
    return rows


def _creates_table(sql: str) -> bool:
    return re.match(r"\s*CREATE\s+(?:VIRTUAL\s+)?TABLE\b", sql, re.IGNORECASE) is not None


def _insert_order(catalog: Catalog) -> list[str]:
    """Tables parents first: a topological order of the foreign keys (cycles kept together)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    names = list(catalog.tables)
    graph.add_nodes_from(names)
    for name, table in catalog.tables.items():
        graph.add_edges_from((fk.parent.lower(), name) for fk in table.foreign_keys
                             if fk.parent.lower() != name and fk.parent.lower() in catalog.tables)
    position = {name: i for i, name in enumerate(names)}
    condensed = nx.condensation(graph)
    first = {c: min(position[n] for n in condensed.nodes[c]["members"]) for c in condensed}
    order = nx.lexicographical_topological_sort(condensed, key=first.__getitem__)
    return [n for c in order for n in sorted(condensed.nodes[c]["members"],
                                              key=position.__getitem__)]


def _referenced_plain_columns(catalog: Catalog) -> set[tuple[str, str]]:
    """Columns other tables reference that are not a rowid: their values are kept for them."""
    found = set()
    for table in catalog.tables.values():
        for fk in table.foreign_keys:
            parent = catalog.table(fk.parent)
            if parent is None:
                continue
            alias = (parent.rowid_alias or "").lower()
            for column in referenced_columns(parent, fk.parent_columns):
                if column.lower() != alias:
                    found.add((parent.name.lower(), column.lower()))
    return found


class _TableWriter:
    """Writes one table's rows chunk by chunk: link columns from the layout, the rest drawn."""

    def __init__(self, shape: Shape, shapes: dict[str, Shape], layouts: dict[str, Layout],
                 profile: Profile, seed: int, connection: sqlite3.Connection,
                 kept: dict[tuple[str, str], list[Any]],
                 referenced: set[tuple[str, str]]) -> None:
        self.shape, self.shapes, self.layouts = shape, shapes, layouts
        self.layout = layouts[shape.name]
        self.profile, self.connection, self.kept = profile, connection, kept
        self.rng = table_rng(seed, shape.name, "values")
        self.letters = "".join(self.rng.choices(string.ascii_lowercase, k=4096))
        self.bounds: dict[tuple[str | None, str], tuple[list[int], list[int]]] = {}
        self.whole_table_draw: dict[str, list[int]] = {}
        defaults = _defaults(connection, shape.table.name)
        self.columns = [c for c in shape.table.columns
                        if not _omitted(c, shape, defaults, profile)]
        self.keep = [c.name for c in self.columns
                     if (shape.name, c.name.lower()) in referenced]
        self.makers = {c.name: ValueMaker(shape.table.name, c, shape, self.letters)
                       for c in self.columns if c.name.lower() not in shape.linked}

    def write(self, progress: Progress | None) -> int:
        table = self.shape.table
        names = [c.name for c in self.columns]
        columns = ", ".join(quote_identifier(n) for n in names)
        sql = (f"INSERT OR IGNORE INTO {quote_identifier(table.name)} ({columns}) "
               f"VALUES ({', '.join('?' * len(names))})")
        written = 0
        if progress:
            progress(table.name, 0, self.layout.size)
        self.connection.execute("BEGIN")
        for chunk in self._chunks():
            values = self._chunk_values(*chunk)
            for name in self.keep:
                self.kept.setdefault((self.shape.name, name.lower()), []).extend(values[name])
            cursor = self.connection.executemany(sql, zip(*(values[n] for n in names),
                                                          strict=True))
            written += max(cursor.rowcount, 0)
            if progress:
                progress(table.name, chunk[2], self.layout.size)
        self.connection.execute("COMMIT")
        return written

    def _chunks(self) -> Iterator[tuple[Group | None, int, int]]:
        """(group, first row, end row): runs of about CHUNK_ROWS rows within one group.

        A link drawn without replacement per parent row needs each parent's rows
        in one chunk, so then a chunk ends where a parent's rows end.
        """
        offsets = self.layout.offsets
        whole_parents = offsets is not None and any(link.distinct for link in self.shape.links)
        for group, lo, hi in self.layout.segments:
            first = lo
            while first < hi:
                end = min(hi, first + CHUNK_ROWS)
                if whole_parents and offsets is not None and end < hi:
                    end = min(hi, offsets[bisect_right(offsets, end - 1)])
                yield group, first, end
                first = end

    def _chunk_values(self, group: Group | None, r0: int, r1: int) -> dict[str, list[Any]]:
        """Every column's values for rows ``r0:r1``."""
        shape, count = self.shape, r1 - r0
        parents = list(self.layout.parent_rows()[r0:r1]) if shape.parent else []
        values: dict[str, list[Any]] = {}
        for link in shape.links:
            rows = self._link_rows(link, parents, r0, r1)
            self._link_values(link, rows, group, values)
        for column, maker in self.makers.items():
            hint = self.profile.column_hint(shape.profile_name, column, group)
            values[column] = maker.make(hint, r0, count, self.rng)
        return values

    def _link_rows(self, link: Link, parents: list[int], r0: int,
                   r1: int) -> list[int | None]:
        """The referenced table's row for every row of the chunk (None: no row, NULL)."""
        shape = self.shape
        if link.role == "key":
            return list(parents)
        if link.role == "target":
            return list((self.layout.targets or [])[r0:r1])
        if link.role == "ancestor":
            return list(lift(self.shapes, self.layouts, parents, shape.parent or "",
                              link.scope or ""))
        if link.role == "empty":
            return [None] * (r1 - r0)
        if link.distinct:
            return self._distinct_rows(link, parents, r0, r1)
        low, high = self._bounds(link)
        owners = (list(range(r0, r1)) if link.scope == shape.name
                  else self._owners(link, parents, r1 - r0))
        whole = self.layouts[link.parent].size
        draw = self.rng.random
        rows: list[int | None] = []
        for owner in owners:
            first, end = low[owner], high[owner]
            if end > first:
                rows.append(first + int((end - first) * draw()))
            else:  # nothing under this ancestor: NULL, or any row when NULL is not allowed
                rows.append(None if link.nullable or not whole else int(whole * draw()))
        return rows

    def _distinct_rows(self, link: Link, parents: list[int], r0: int,
                       r1: int) -> list[int | None]:
        """Rows drawn without replacement within each parent row (the layout capped counts).

        The chunk holds whole parents (see ``_chunks``); a root table is one
        draw over the whole table, sliced chunk by chunk.
        """
        low, high = self._bounds(link)
        sample = self.rng.sample
        if not parents:
            if link.parent not in self.whole_table_draw:
                self.whole_table_draw[link.parent] = sample(range(low[0], high[0]),
                                                            min(self.layout.size, high[0]))
            drawn: list[int | None] = list(self.whole_table_draw[link.parent][r0:r1])
            return drawn + [None] * (r1 - r0 - len(drawn))
        counts = self.layout.counts or []
        blocks = range(parents[0], parents[-1] + 1)
        owners = self._owners(link, list(blocks), len(blocks))
        draw = self.rng.random
        rows: list[int | None] = []
        for p, owner in zip(blocks, owners, strict=True):
            first, span, count = low[owner], high[owner] - low[owner], counts[p]
            if count == 1 and span:
                rows.append(first + int(span * draw()))
            elif 4 * count <= span:  # sparse: draw and reject repeats, cheaper than sample()
                picked: dict[int, None] = {}
                while len(picked) < count:
                    picked[first + int(span * draw())] = None
                rows.extend(picked)
            else:
                want = min(count, span)
                rows.extend(sample(range(first, first + span), want))
                rows.extend(repeat(None, count - want))
        return rows

    def _owners(self, link: Link, parents: list[int], count: int) -> list[int]:
        """The ``link.scope`` row above each of ``count`` parent rows (no scope: 0, one pool)."""
        if link.scope is None:
            return [0] * count
        return lift(self.shapes, self.layouts, parents, self.shape.parent or "", link.scope)

    def _bounds(self, link: Link) -> tuple[list[int], list[int]]:
        key = (link.scope, link.parent)
        if key not in self.bounds:
            self.bounds[key] = pool_bounds(self.shapes, self.layouts, link.scope, link.parent)
        return self.bounds[key]

    def _link_values(self, link: Link, rows: list[int | None], group: Group | None,
                     values: dict[str, list[Any]]) -> None:
        """Turn referenced rows into the referenced columns' values (a rowid, or kept values)."""
        if link.role == "empty" or link.parent not in self.layouts:
            for column in link.columns:
                values[column] = [None] * len(rows)
            return
        referenced = self.shapes[link.parent].table
        alias = (referenced.rowid_alias or "").lower()
        for column, parent_column in zip(link.columns, link.parent_columns, strict=False):
            source: Sequence[Any] | None = (
                self.layouts[link.parent].ids if parent_column.lower() == alias
                else None if link.parent == self.shape.name  # its values are not all made yet
                else self.kept.get((link.parent, parent_column.lower())))
            if source is None:
                values[column] = [None] * len(rows)
            else:
                values[column] = [None if r is None else source[r] for r in rows]
        if len(link.columns) == 1 and link.nullable:
            hint = self.profile.column_hint(self.shape.profile_name, link.columns[0], group)
            if hint is not None and hint.null_fraction:
                draw = self.rng.random
                cut = hint.null_fraction
                values[link.columns[0]] = [None if draw() < cut else v
                                           for v in values[link.columns[0]]]


def _defaults(connection: sqlite3.Connection, table: str) -> dict[str, str | None]:
    """Each insertable column's DEFAULT text (generated columns are left out)."""
    rows = connection.execute(f"PRAGMA table_xinfo({quote_identifier(table)})").fetchall()
    return {row[1].lower(): row[4] for row in rows if row[6] == 0}


def _omitted(column: Column, shape: Shape, defaults: dict[str, str | None],
             profile: Profile) -> bool:
    """Left to SQLite: generated columns, and plain columns with a constant DEFAULT and no hint."""
    name = column.name.lower()
    if name not in defaults:
        return True
    if name in shape.linked or name == (shape.table.rowid_alias or "").lower():
        return False
    if name in shape.unique_columns:
        return False
    hinted = any(profile.column_hint(shape.profile_name, column.name, g) is not None
                 for g in (None, *profile.groups))
    default = defaults[name]
    return (not hinted and default is not None
            and _CONSTANT_DEFAULT.fullmatch(default) is not None)
