"""Synthesise a SQLite database from a schema and a scale profile.

Replay measures the workload on a real database. When the user has none to
give, this module builds one: the schema's tables, sized and shaped by the
profile (``docs/profile-format.md``), so that the planner sees the row counts,
fan-outs and value mixes it would see in production. Details in
``docs/synth.md``.

The build has two phases. *Layout* decides, table by table in profile order,
how many rows hang off each parent row (groups included) and, for a ``graph``
table, draws the DAG with networkx; every row's id and parent row are then
known before anything is written. *Fill* walks the tables parents first (a
topological order of the foreign keys) and writes their rows in chunks with
``executemany``: links to other rows come from the layout, plain values from
the column hints or, without a hint, from the column's type. Every row is laid
out parent by parent, so the rows of any table under one ancestor row (the
jobs, or the files, of one workflow) form one contiguous range; a foreign key
picks from the referenced rows that share the nearest common ancestor, so a
job points at its own workflow's resource shapes.
"""

from __future__ import annotations

import gc
import hashlib
import os
import random
import re
import sqlite3
import string
import time
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import accumulate, chain, repeat
from pathlib import Path
from types import MappingProxyType
from typing import Any

import networkx as nx

from advisor.catalog.profile import (
    ColumnHint,
    Distribution,
    Group,
    Profile,
    TableSpec,
    load_profile,
)
from advisor.catalog.profile.sampling import round_randomly
from advisor.catalog.schema import Catalog, Column, Table, load_catalog, quote_identifier
from advisor.model.errors import InputError, ProfileError

__all__ = [
    "SYNTH_VERSION",
    "SynthReport",
    "build_dag",
    "cache_key",
    "cached_database",
    "default_cache_dir",
    "synthesize",
]

# Bump whenever the same inputs would give different contents: it is part of the cache key.
SYNTH_VERSION = 1

CHUNK_ROWS = 20_000  # rows per executemany call: one progress tick, bounded memory
TEXT_WIDTH = 16  # average length of a text column with no width hint
Progress = Callable[[str, int, int], None]

_TIME_NAME = re.compile(r"(?:^|_)(?:time|timestamp|date|datetime|created|updated)(?:_|$)|_at$")
_FLAG_NAME = re.compile(r"^(?:is|has|can|should)_")
_CONSTANT_DEFAULT = re.compile(
    r"""\s*(?:[-+]?[\d.]+(?:e[-+]?\d+)?|'(?:[^']|'')*'|NULL|TRUE|FALSE)\s*""", re.IGNORECASE)
_EPOCH = datetime(2026, 1, 1)


@dataclass(frozen=True)
class SynthReport:
    """What a build produced: the file, the rows written per table, how long it took.

    ``refused`` counts, per table, rows the database turned away (INSERT OR
    IGNORE: a constraint the synthesiser could not plan for); normally empty.
    """

    path: Path
    rows: Mapping[str, int]
    seconds: float
    seed: int
    scale: float
    refused: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


# ---------------------------------------------------------------- the public API


def synthesize(catalog: Catalog, profile: Profile, path: str | os.PathLike[str],
               seed: int | None = None, scale: float = 1.0,
               progress: Progress | None = None) -> SynthReport:
    """Build a new database at ``path`` from the schema and the profile.

    ``seed`` defaults to the profile's; ``scale`` multiplies the profile's
    ``scales`` tables (``Profile.scaled``). The same inputs give the same table
    contents. The file appears only when complete (it is built under a
    temporary name and renamed), and no ANALYZE is run: the caller decides the
    statistics state. ``progress(table, rows_done, rows_total)`` is called
    per chunk.
    """
    started = time.perf_counter()
    target = Path(path)
    if target.exists():
        raise InputError(f"{target}: already exists; synthesise into a new file")
    if scale != 1:
        profile = profile.scaled(scale)
    seed = profile.seed if seed is None else seed
    shapes = _shapes(catalog, profile)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    collecting = gc.isenabled()
    gc.disable()  # millions of small objects, no cycles: the collector would only rescan them
    try:
        layouts = _lay_out(shapes, profile, seed)
        _check_required(shapes, layouts, profile)
        partial.unlink(missing_ok=True)
        rows = _fill(catalog, shapes, layouts, profile, seed, partial, progress)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        if collecting:
            gc.enable()
    refused = {shapes[name].table.name: layout.size - rows[shapes[name].table.name]
               for name, layout in layouts.items()
               if layout.size > rows[shapes[name].table.name]}
    return SynthReport(path=target, rows=MappingProxyType(rows),
                       seconds=time.perf_counter() - started, seed=seed, scale=scale,
                       refused=MappingProxyType(refused))


def default_cache_dir() -> Path:
    """``$ADVISOR_CACHE_DIR/synth``, else ``$XDG_CACHE_HOME/advisor/synth`` or ``~/.cache/...``."""
    configured = os.environ.get("ADVISOR_CACHE_DIR")
    if configured:
        return Path(configured) / "synth"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "advisor" / "synth"


def cache_key(schema_path: str | os.PathLike[str], profile_path: str | os.PathLike[str],
              seed: int, scale: float) -> str:
    """Hash of all the database depends on: schema, profile, seed, scale and SYNTH_VERSION."""
    digest = hashlib.sha256(f"advisor-synth/{SYNTH_VERSION}/{seed}/{float(scale)!r}".encode())
    for part in (Path(schema_path), Path(profile_path)):
        files = sorted(p for p in part.rglob("*") if p.is_file()) if part.is_dir() else [part]
        for file in files:
            digest.update(b"\0" + file.name.encode() + b"\0")
            try:
                digest.update(file.read_bytes())
            except OSError as exc:
                raise InputError(f"{file}: cannot read it ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def cached_database(schema_path: str | os.PathLike[str], profile_path: str | os.PathLike[str],
                    seed: int | None = None, scale: float = 1.0,
                    cache_dir: str | os.PathLike[str] | None = None,
                    progress: Progress | None = None) -> Path:
    """The synthesised database for these inputs: built once, then found by its hash.

    Builds are deterministic, so a database is reused as long as the schema
    text, profile text, seed, scale and ``SYNTH_VERSION`` are unchanged. Treat
    the file as read-only: replay works on a copy.
    """
    profile = load_profile(profile_path)
    seed = profile.seed if seed is None else seed
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", profile.name) or "profile"
    key = cache_key(schema_path, profile_path, seed, scale)
    target = folder / f"{name}-{key[:24]}.sqlite"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    synthesize(load_catalog(schema_path), profile, target, seed=seed, scale=scale,
               progress=progress)
    return target


# ---------------------------------------------------------------- shapes: who links to what


@dataclass(frozen=True)
class _Link:
    """One way a row points at another table's row: a foreign key, or the profile's key column.

    ``role`` says how the referenced row is found:
    ``key`` the row's parent; ``ancestor`` its ancestor in table ``scope``;
    ``target`` the DAG edge's other node; ``pick`` drawn from the referenced
    rows under the same ``scope`` row (the nearest common ancestor; ``None``:
    the whole table), ``distinct`` within one parent row when a UNIQUE
    constraint asks for it; ``empty`` the referenced table gets no rows.
    """

    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    role: str
    nullable: bool
    scope: str | None = None
    distinct: bool = False


@dataclass
class _Shape:
    """How one sized table is filled: its place in the profile's tree, its links, its values."""

    name: str  # the schema's name, lower-cased
    profile_name: str
    table: Table
    spec: TableSpec
    parent: str | None
    ancestors: tuple[str, ...]  # strict ancestors in the profile tree, nearest first
    links: list[_Link] = field(default_factory=list)
    graph_scope: str | None = None  # graph: the table whose rows the DAGs stay within
    at_most_one: bool = False  # a UNIQUE key fixed by the parent row: one row per parent
    unique_columns: set[str] = field(default_factory=set)  # plain columns of distinct values

    @property
    def linked(self) -> set[str]:
        return {c.lower() for link in self.links for c in link.columns}


def _shapes(catalog: Catalog, profile: Profile) -> dict[str, _Shape]:
    """Check the profile against the schema and resolve every sized table's links."""
    _check_names(catalog, profile)
    sized = {name.lower(): name for name in profile.table_rows()}
    shapes: dict[str, _Shape] = {}
    for lower, name in sized.items():
        spec = profile.tables[name]
        table = catalog.table(name)
        assert table is not None  # _check_names
        shapes[lower] = _Shape(name=lower, profile_name=name, table=table, spec=spec,
                               parent=spec.parent.lower() if spec.parent else None,
                               ancestors=_ancestors(profile, name))
    for shape in shapes.values():
        _resolve_links(shape, shapes, catalog, profile)
        _resolve_unique(shape, catalog)
    return shapes


def _check_names(catalog: Catalog, profile: Profile) -> None:
    """Every table, column and key the profile names must exist in the schema."""
    where = profile.source
    for name, spec in profile.tables.items():
        table = catalog.table(name)
        if table is None:
            known = ", ".join(sorted(t.name for t in catalog.tables.values()))
            raise ProfileError(f"{where}: [tables.{name}] names a table the schema lacks "
                               f"(schema tables: {known}); fix the name or remove the entry")
        checks = [(f"[tables.{name}].columns.{c}", c) for c in spec.columns]
        if spec.parent is not None and spec.key is not None:
            checks.append((f"[tables.{name}].key", spec.key))
        if spec.graph is not None:
            checks.append((f"[tables.{name}].graph.target", spec.graph.target))
            if spec.graph.within:
                checks.append((f"[tables.{name}].graph.within", spec.graph.within))
        for group in profile.groups:
            if group.table == name:
                checks += [(f"[[groups]] {group.name!r}.columns.{c}", c) for c in group.columns]
        _check_columns(where, table, checks)


def _check_columns(where: str, table: Table, checks: list[tuple[str, str]]) -> None:
    known = {c.lower() for c in table.column_names}
    for key, column in checks:
        if column.lower() not in known:
            raise ProfileError(f"{where}: {key} names column {column!r}, which table "
                               f"{table.name} lacks (its columns: {', '.join(table.column_names)})")


def _ancestors(profile: Profile, name: str) -> tuple[str, ...]:
    found: list[str] = []
    parent = profile.tables[name].parent
    while parent is not None:
        found.append(parent.lower())
        parent = profile.tables[parent].parent
    return tuple(found)


def _resolve_links(shape: _Shape, shapes: dict[str, _Shape], catalog: Catalog,
                   profile: Profile) -> None:
    """Give each foreign key (and the key column) its role, from the profile's tree."""
    table, spec = shape.table, shape.spec
    columns = {c.name.lower(): c for c in table.columns}
    key = spec.key.lower() if shape.parent and spec.key else None
    target = spec.graph.target.lower() if spec.graph else None
    if key is not None and shape.parent is not None:
        parent_table = shapes[shape.parent].table
        declared = next((fk.parent_columns for fk in table.foreign_keys
                         if tuple(c.lower() for c in fk.columns) == (key,)
                         and fk.parent.lower() == shape.parent), ())
        shape.links.append(_Link((columns[key].name,), shape.parent,
                                 _referenced(parent_table, declared), "key",
                                 nullable=not columns[key].not_null))
    for fk in table.foreign_keys:
        cols = tuple(c.lower() for c in fk.columns)
        if key is not None and cols == (key,):
            continue
        referenced = catalog.table(fk.parent)
        parent = fk.parent.lower()
        nullable = not any(columns[c].not_null for c in cols if c in columns)
        refs = _referenced(referenced, fk.parent_columns) if referenced else ()
        if cols == (target,):
            role, scope = "target", None
        elif parent not in shapes or not refs:
            role, scope = "empty", None
        elif parent in shape.ancestors and parent != shape.parent:
            role, scope = "ancestor", parent
        else:
            role, scope = "pick", _common_ancestor(shape, shapes[parent])
        shape.links.append(_Link(fk.columns, parent, refs, role, nullable, scope))
    if spec.graph is not None:
        if target not in shape.linked:
            shape.links.append(_Link((columns[target].name,), shape.parent or "",
                                     _referenced(shapes[shape.parent or ""].table, ()),
                                     "target", nullable=not columns[target].not_null))
        shape.graph_scope = _graph_scope(shape, shapes, profile)


def _referenced(table: Table | None, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The referenced columns; an FK naming none references the primary key."""
    if table is None:
        return ()
    if columns and all(columns):
        return columns
    return table.primary_key


def _common_ancestor(shape: _Shape, referenced: _Shape) -> str | None:
    """The nearest table above both: its row bounds the rows a foreign key may point at.

    The table itself counts (a workflow points at a status row it owns), except
    that a second key to the parent, or a key to the table itself, picks among
    the rows of the level above.
    """
    own = (shape.name, *shape.ancestors)
    same_level = referenced.name in (shape.name, shape.parent)
    candidates = referenced.ancestors if same_level else (referenced.name, *referenced.ancestors)
    return next((t for t in candidates if t in own), None)


def _graph_scope(shape: _Shape, shapes: dict[str, _Shape], profile: Profile) -> str | None:
    """The table whose rows ``graph.within`` keeps edges inside (workflow for workflow_id)."""
    graph = shape.spec.graph
    if graph is None or not graph.within:
        return None
    within = graph.within.lower()
    nodes = shapes[shape.parent or ""]
    for owner in (shape, nodes):
        for link in owner.links:
            if tuple(c.lower() for c in link.columns) == (within,) and link.role in (
                    "key", "ancestor"):
                scope = link.parent if link.role == "key" else link.scope
                if scope in (nodes.name, *nodes.ancestors):
                    return scope
    raise ProfileError(f"{profile.source}: [tables.{shape.profile_name}].graph.within names "
                       f"{graph.within!r}, which is not a foreign key to a table above "
                       f"{nodes.profile_name} in the profile; name such a column")


def _resolve_unique(shape: _Shape, catalog: Catalog) -> None:
    """Choose how each UNIQUE / PRIMARY KEY constraint is kept.

    A column fixed by the parent row (the key, an ancestor) is the same for a
    parent's rows; the rest must differ within them: a picked foreign key is
    drawn without replacement, a plain column gets distinct values, and a
    constraint with no free column allows one row per parent. What none of
    these covers (expressions, keys spanning parents) INSERT OR IGNORE drops.
    """
    table = shape.table
    constraints = [tuple(c.lower() for c in index.column_names)
                   for index in catalog.indexes_on(table.name) if index.unique]
    alias = table.rowid_alias.lower() if table.rowid_alias else None
    if alias:
        constraints.append((alias,))
    fixed = {c.lower() for link in shape.links if link.role in ("key", "ancestor")
             for c in link.columns}
    key = shape.spec.key.lower() if shape.parent and shape.spec.key else None
    for columns in constraints:
        free = [c for c in columns if c not in fixed]
        if (alias in free) or any(c.startswith("<expression") for c in columns):
            continue
        if not free:
            shape.at_most_one = True
            continue
        per_parent = key in columns or shape.parent is None
        links = [i for i, link in enumerate(shape.links)
                 if {c.lower() for c in link.columns} <= set(free)]
        target = [i for i in links if shape.links[i].role == "target"]
        picks = [i for i in links if shape.links[i].role == "pick"]
        if target:
            continue
        if picks:
            link = shape.links[picks[0]]
            bounded = link.scope is None or link.scope in shape.ancestors
            if bounded and (per_parent or link.scope == shape.parent):
                shape.links[picks[0]] = replace(link, distinct=True)
            continue
        plain = [c for c in free if c not in shape.linked]
        if plain and not shape.unique_columns & set(plain):
            shape.unique_columns.add(plain[0])


# ---------------------------------------------------------------- layout: rows per parent row


@dataclass
class _Layout:
    """Where one table's rows sit: the parent row of each, their ids, their groups.

    Parent row ``p`` owns rows ``offsets[p]:offsets[p + 1]``; a root table has
    no offsets. ``segments`` are the runs of rows under one root group, in
    this table's rows; ``targets`` (graph tables) the node row each edge
    points at.
    """

    size: int
    segments: tuple[tuple[Group | None, int, int], ...]
    counts: list[int] | None = None
    offsets: Sequence[int] | None = None
    ids: Sequence[int] = ()
    targets: Sequence[int] | None = None
    _parents: array | None = None

    def parent_rows(self) -> array:
        """The parent row of every row (built on first use)."""
        if self._parents is None:
            counts = self.counts or []
            self._parents = array("l", chain.from_iterable(
                repeat(p, c) for p, c in enumerate(counts)))
        return self._parents


def _lay_out(shapes: dict[str, _Shape], profile: Profile, seed: int) -> dict[str, _Layout]:
    """Size every table, parents (and what a table counts or picks from) first."""
    order = nx.DiGraph()
    order.add_nodes_from(shapes)
    for shape in shapes.values():
        needs = [shape.parent, shape.spec.relative_to and shape.spec.relative_to.lower()]
        order.add_edges_from((n, shape.name) for n in needs if n)
    for shape in shapes.values():  # a distinct pick caps counts at its pool: size that first
        for link in shape.links:
            if link.distinct and link.parent != shape.name and not nx.has_path(
                    order, shape.name, link.parent):
                order.add_edge(link.parent, shape.name)
    position = {name: i for i, name in enumerate(shapes)}
    layouts: dict[str, _Layout] = {}
    for name in nx.lexicographical_topological_sort(order, key=position.__getitem__):
        layouts[name] = _lay_out_table(shapes[name], shapes, layouts, profile, seed)
    return layouts


def _lay_out_table(shape: _Shape, shapes: dict[str, _Shape], layouts: dict[str, _Layout],
                   profile: Profile, seed: int) -> _Layout:
    rng = _rng(seed, shape.name, "layout")
    if shape.parent is None:
        return _lay_out_root(shape, profile)
    parent = layouts[shape.parent]
    targets: Sequence[int] | None = None
    if shape.spec.graph is not None:
        counts, targets = _lay_out_graph(shape, shapes, layouts, profile, rng)
    else:
        counts = _counts(shape, parent, layouts, profile, rng)
        _cap(shape, shapes, layouts, counts)
    offsets = array("q", accumulate(counts, initial=0))
    segments = tuple((g, offsets[lo], offsets[hi]) for g, lo, hi in parent.segments)
    layout = _Layout(size=offsets[-1], segments=segments, counts=counts, offsets=offsets,
                     targets=targets)
    alias = shape.table.rowid_alias
    key = shape.spec.key
    if alias and key and alias.lower() == key.lower():  # a 1:1 table keyed by its parent's id
        layout.ids = array("q", (parent.ids[p] for p in layout.parent_rows()))
    else:
        layout.ids = range(1, layout.size + 1)
    return layout


def _lay_out_root(shape: _Shape, profile: Profile) -> _Layout:
    """A root table's rows: its groups in file order, then the rows no group covers."""
    groups = profile.groups_of(shape.profile_name)
    covered = sum(g.rows for g in groups)
    size = shape.spec.rows if shape.spec.rows is not None else covered
    segments: list[tuple[Group | None, int, int]] = []
    first = 0
    for group in groups:
        segments.append((group, first, first + group.rows))
        first += group.rows
    if size > first:
        segments.append((None, first, size))
    return _Layout(size=size, segments=tuple(segments), ids=range(1, size + 1))


def _counts(shape: _Shape, parent: _Layout, layouts: dict[str, _Layout], profile: Profile,
            rng: random.Random) -> list[int]:
    """Rows per parent row, slice by slice (each group of the root, then the rest)."""
    counts: list[int] = []
    relative = shape.spec.relative_to
    for group, lo, hi in parent.segments:
        dist = profile.sizing(shape.profile_name, group)
        if dist is None and shape.spec.rows is not None:  # sized by rows: spread them evenly
            dist = Distribution(total=round(shape.spec.rows * (hi - lo) / max(parent.size, 1)))
        if dist is None:
            counts.extend(repeat(0, hi - lo))
        elif relative is not None:
            units = layouts[relative.lower()].counts or []
            per_unit = dist.mean_per_parent(1)
            counts.extend(round_randomly(per_unit * units[p], rng) for p in range(lo, hi))
        else:
            counts.extend(dist.allocate(hi - lo, rng, tabulate=True))
    return counts


def _cap(shape: _Shape, shapes: dict[str, _Shape], layouts: dict[str, _Layout],
         counts: list[int]) -> None:
    """Keep each parent's rows within what its UNIQUE constraints allow."""
    if shape.at_most_one:
        counts[:] = [min(c, 1) for c in counts]
    for link in shape.links:
        if not link.distinct or link.parent not in layouts:
            continue
        low, high = _pool_bounds(shapes, layouts, link.scope, link.parent)
        if link.scope is None:
            counts[:] = [min(c, high[0] - low[0]) for c in counts]
            continue
        owner = _lift(shapes, layouts, list(range(len(counts))), shape.parent or "", link.scope)
        counts[:] = [min(c, high[a] - low[a]) for c, a in zip(counts, owner, strict=True)]


def _lay_out_graph(shape: _Shape, shapes: dict[str, _Shape], layouts: dict[str, _Layout],
                   profile: Profile, rng: random.Random) -> tuple[list[int], array]:
    """Edges per node and their other ends: one DAG per ``within`` row (per workflow)."""
    graph = shape.spec.graph
    assert graph is not None and shape.parent is not None
    nodes = layouts[shape.parent]
    low, high = _pool_bounds(shapes, layouts, shape.graph_scope, shape.parent)
    starts = [lo for _, lo, _ in nodes.segments]
    counts = [0] * nodes.size
    targets = array("q")
    for first, end in zip(low, high, strict=True):
        if end <= first:
            continue
        group = nodes.segments[bisect_right(starts, first) - 1][0]
        dist = profile.sizing(shape.profile_name, group) or Distribution(mean=0)
        dag = build_dag(end - first, dist, graph.depth, graph.max_fan_out, rng)
        for node, incoming in dag.pred.items():  # nodes in order: rows sorted by node
            counts[first + node] = len(incoming)
            targets.extend(first + b for b in sorted(incoming))
    return counts, targets


def build_dag(nodes: int, fan_in: Distribution, depth: int, max_fan_out: int | None,
              rng: random.Random) -> nx.DiGraph:
    """A layered DAG over nodes ``0..nodes-1``; an edge ``u -> v`` means v depends on u.

    The nodes are split, in order, into ``depth`` layers; the first layer has no
    incoming edges and every other node draws its fan-in from ``fan_in``
    (its mean raised so that the mean over all nodes holds). Each node's first
    blocker is in the layer just before it, so the longest chain is ``depth``
    nodes; further blockers mostly come from that layer too, else from any
    earlier one. Picks lean towards the start of a layer, which makes a few
    hubs with large fan-out, up to ``max_fan_out``. Edges always run from a
    lower to a higher node, so the graph is acyclic by construction.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(range(nodes))
    layers = max(1, min(depth, nodes))
    starts = [layer * nodes // layers for layer in range(layers + 1)]
    rest = nodes - starts[1]
    if rest <= 0:
        return graph
    if fan_in.mean is not None and fan_in.total is None:
        fan_in = replace(fan_in, mean=fan_in.mean * nodes / rest)
    wanted = fan_in.allocate(rest, rng, tabulate=True)
    room = [max_fan_out or nodes] * nodes
    draw = rng.random
    edges: list[tuple[int, int]] = []
    for layer in range(1, layers):
        before, first, end = starts[layer - 1], starts[layer], starts[layer + 1]
        span = first - before
        for node in range(first, end):
            want = min(wanted[node - starts[1]], first)
            chosen: list[int] = []
            for _ in range(4 * want + 4):
                if len(chosen) >= want:
                    break
                if not chosen or draw() < 0.7:
                    pick = before + int(span * draw() ** 2)
                else:
                    pick = int(first * draw())
                if room[pick] > 0 and pick not in chosen:
                    chosen.append(pick)
                    room[pick] -= 1
            edges.extend((pick, node) for pick in chosen)
    graph.add_edges_from(edges)
    return graph


def _check_required(shapes: dict[str, _Shape], layouts: dict[str, _Layout],
                    profile: Profile) -> None:
    """A NOT NULL foreign key needs rows to point at: say which table to size, up front."""
    for name, shape in shapes.items():
        if not layouts[name].size:
            continue
        for link in shape.links:
            referenced = layouts.get(link.parent)
            if link.nullable or (referenced is not None and referenced.size):
                continue
            raise ProfileError(
                f"{profile.source}: {shape.table.name}.{', '.join(link.columns)} is NOT NULL and "
                f"references {link.parent}, which the profile gives no rows; add "
                f"[tables.{link.parent}] with a size, or size {shape.profile_name} to 0")


def _lift(shapes: dict[str, _Shape], layouts: dict[str, _Layout], rows: list[int], table: str,
          ancestor: str) -> list[int]:
    """Rows of ``table`` mapped to their ancestor rows in ``ancestor`` (``table`` itself: as is)."""
    while table != ancestor:
        parents = layouts[table].parent_rows()
        rows = [parents[r] for r in rows]
        table = shapes[table].parent or ""
    return rows


def _pool_bounds(shapes: dict[str, _Shape], layouts: dict[str, _Layout], scope: str | None,
                 table: str) -> tuple[list[int], list[int]]:
    """For each row of ``scope``, the first and end row of ``table`` beneath it.

    Rows are laid out parent by parent, so the rows under one ancestor row are
    one contiguous range. ``scope`` None: one range, the whole table.
    """
    if scope is None:
        return [0], [layouts[table].size]
    if scope != table and scope not in shapes[table].ancestors:
        raise ValueError(f"{scope} is not above {table}")
    path = []
    current = table
    while current != scope:
        path.append(current)
        current = shapes[current].parent or ""
    low = list(range(layouts[scope].size))
    high = [r + 1 for r in low]
    for step in reversed(path):
        offsets = layouts[step].offsets or []
        low = [offsets[r] for r in low]
        high = [offsets[r] for r in high]
    return low, high


# ---------------------------------------------------------------- fill: writing the rows


def _fill(catalog: Catalog, shapes: dict[str, _Shape], layouts: dict[str, _Layout],
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
    graph = nx.DiGraph()
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
            for column in _referenced(parent, fk.parent_columns):
                if column.lower() != alias:
                    found.add((parent.name.lower(), column.lower()))
    return found


class _TableWriter:
    """Writes one table's rows chunk by chunk: link columns from the layout, the rest drawn."""

    def __init__(self, shape: _Shape, shapes: dict[str, _Shape], layouts: dict[str, _Layout],
                 profile: Profile, seed: int, connection: sqlite3.Connection,
                 kept: dict[tuple[str, str], list[Any]],
                 referenced: set[tuple[str, str]]) -> None:
        self.shape, self.shapes, self.layouts = shape, shapes, layouts
        self.layout = layouts[shape.name]
        self.profile, self.connection, self.kept = profile, connection, kept
        self.rng = _rng(seed, shape.name, "values")
        self.letters = "".join(self.rng.choices(string.ascii_lowercase, k=4096))
        self.bounds: dict[tuple[str | None, str], tuple[list[int], list[int]]] = {}
        self.whole_table_draw: dict[str, list[int]] = {}
        defaults = _defaults(connection, shape.table.name)
        self.columns = [c for c in shape.table.columns
                        if not _omitted(c, shape, defaults, profile)]
        self.keep = [c.name for c in self.columns
                     if (shape.name, c.name.lower()) in referenced]
        self.makers = {c.name: _ValueMaker(shape.table.name, c, shape, self.letters)
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

    def _link_rows(self, link: _Link, parents: list[int], r0: int,
                   r1: int) -> list[int | None]:
        """The referenced table's row for every row of the chunk (None: no row, NULL)."""
        shape = self.shape
        if link.role == "key":
            return list(parents)
        if link.role == "target":
            return list((self.layout.targets or [])[r0:r1])
        if link.role == "ancestor":
            return list(_lift(self.shapes, self.layouts, parents, shape.parent or "",
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

    def _distinct_rows(self, link: _Link, parents: list[int], r0: int,
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

    def _owners(self, link: _Link, parents: list[int], count: int) -> list[int]:
        """The ``link.scope`` row above each of ``count`` parent rows (no scope: 0, one pool)."""
        if link.scope is None:
            return [0] * count
        return _lift(self.shapes, self.layouts, parents, self.shape.parent or "", link.scope)

    def _bounds(self, link: _Link) -> tuple[list[int], list[int]]:
        key = (link.scope, link.parent)
        if key not in self.bounds:
            self.bounds[key] = _pool_bounds(self.shapes, self.layouts, link.scope, link.parent)
        return self.bounds[key]

    def _link_values(self, link: _Link, rows: list[int | None], group: Group | None,
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


def _omitted(column: Column, shape: _Shape, defaults: dict[str, str | None],
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
                 for g in (None, *profile.groups_of(shape.profile_name)))
    default = defaults[name]
    return (not hinted and default is not None
            and _CONSTANT_DEFAULT.fullmatch(default) is not None)


def _rng(seed: int, *parts: str) -> random.Random:
    """A random stream per table and purpose: adding a table leaves the others' data alone."""
    return random.Random("/".join((str(seed), *parts)))


# ---------------------------------------------------------------- plain values


def _affinity(declared: str) -> str:
    """SQLite's type affinity rules, reduced to the kinds of value worth generating."""
    text = declared.upper()
    if "INT" in text:
        return "integer"
    if any(word in text for word in ("CHAR", "CLOB", "TEXT")) or not text:
        return "text"
    if "BLOB" in text:
        return "blob"
    if any(word in text for word in ("REAL", "FLOA", "DOUB")):
        return "real"
    return "integer"


class _ValueMaker:
    """Draws a plain column's values for a run of rows: from its hint, else by type and name."""

    def __init__(self, table: str, column: Column, shape: _Shape, letters: str) -> None:
        self.column = column
        self.kind = _affinity(column.type)
        name = column.name.lower()
        self.rowid = name == (shape.table.rowid_alias or "").lower()
        self.unique = name in shape.unique_columns
        self.prefix = f"{table}-" if name == "name" else f"{column.name}-"
        self.letters = letters
        self.time_like = _TIME_NAME.search(name) is not None
        self.flag_like = _FLAG_NAME.search(name) is not None

    def make(self, hint: ColumnHint | None, first: int, count: int,
             rng: random.Random) -> list[Any]:
        """Values for rows ``first:first + count``; NULLs only where the column allows them."""
        width = hint.width if hint is not None and hint.width is not None else None
        if self.rowid:
            values: list[Any] = list(range(first + 1, first + count + 1))
        elif self.unique:
            values = self._sequence(first, count, width)
        elif hint is not None and (hint.values or hint.distinct):
            population, cumulative = hint.mix()
            values = rng.choices(population, cum_weights=cumulative, k=count)
            if not hint.values:
                values = self._ranks(values, width)
        else:
            values = self._default(first, count, width, rng)
        if hint is not None and hint.null_fraction and not self.column.not_null:
            draw, cut = rng.random, hint.null_fraction
            values = [None if draw() < cut else v for v in values]
        return values

    def _sequence(self, first: int, count: int, width: int | None) -> list[Any]:
        """Distinct values by row number, for a column a UNIQUE constraint covers alone."""
        numbers = range(first + 1, first + count + 1)
        if self.kind == "integer":
            return list(numbers)
        if self.kind == "real":
            return [float(n) for n in numbers]
        return [self._pad(f"{self.prefix}{n}", width, n) for n in numbers]

    def _ranks(self, ranks: list[Any], width: int | None) -> list[Any]:
        """A ``distinct`` hint draws ranks; text columns get a name per rank (``user-3``)."""
        if self.kind == "integer":
            return ranks
        if self.kind == "real":
            return [float(r) for r in ranks]
        names = {r: self._pad(f"{self.prefix}{r}", width, r) for r in set(ranks)}
        return [names[r] for r in ranks]

    def _default(self, first: int, count: int, width: int | None,
                 rng: random.Random) -> list[Any]:
        """Values of the column's type when no hint says otherwise."""
        draw = rng.random
        if self.kind == "integer":
            if self.flag_like:
                return [1 if draw() < 0.2 else 0 for _ in range(count)]
            high = 100 if self.column.name.lower().endswith("_id") else 10_000
            return [1 + int(high * draw()) for _ in range(count)]
        if self.kind == "real":
            return [round(1000 * draw(), 3) for _ in range(count)]
        if self.kind == "blob":
            size = width or TEXT_WIDTH
            return [rng.randbytes(size) for _ in range(count)]
        if self.time_like:
            return [(_EPOCH + timedelta(seconds=37 * n + int(37 * draw())))
                    .isoformat(timespec="seconds") for n in range(first, first + count)]
        return self._strings(first, count, width or TEXT_WIDTH, draw)

    def _strings(self, first: int, count: int, width: int,
                 draw: Callable[[], float]) -> list[str]:
        """``<column>-<row>`` padded with letters to lengths averaging ``width``."""
        spread = 2 * max(width // 2, 1)
        shortest = width - spread // 2 - 1  # less the "-" between number and letters
        letters, prefix = self.letters, self.prefix
        room = max(len(letters) - 2 * width, 1)
        cores = [f"{prefix}{row}" for row in range(first + 1, first + count + 1)]
        # One draw per value sets both the length and where its letters start.
        return [f"{core}-{letters[(start := int(u * 999_983) % room):start + pad]}"
                if (pad := shortest + int(spread * u) - len(core)) > 0 else core
                for core, u in zip(cores, [draw() for _ in range(count)], strict=True)]

    def _pad(self, core: str, width: int | None, offset: int) -> str:
        """``core`` filled with letters to ``width`` characters (longer cores stay whole)."""
        if width is None or len(core) + 1 >= width:
            return core
        room = len(self.letters) - width
        start = (offset * 2654435761) % room if room > 0 else 0
        return core + "-" + self.letters[start:start + width - len(core) - 1]
