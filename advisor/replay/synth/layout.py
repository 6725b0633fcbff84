"""Layout: how many rows hang off each parent row, decided before anything is written.

Tables are sized parents first, in profile order (and a table drawn without
replacement from another after that one). Every row is laid out parent by
parent, so the rows of any table under one ancestor row form one contiguous
range: :func:`pool_bounds` gives those ranges, :func:`lift` maps rows to their
ancestor rows.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, repeat

import networkx as nx

from advisor.catalog.profile import Distribution, Group, Profile
from advisor.catalog.profile.sampling import round_randomly
from advisor.model.errors import ProfileError
from advisor.replay.synth.dag import build_dag
from advisor.replay.synth.shapes import Shape


@dataclass
class Layout:
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


def lay_out(shapes: dict[str, Shape], profile: Profile, seed: int) -> dict[str, Layout]:
    """Size every table, parents (and what a table counts or picks from) first."""
    order: nx.DiGraph[str] = nx.DiGraph()
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
    layouts: dict[str, Layout] = {}
    for name in nx.lexicographical_topological_sort(order, key=position.__getitem__):
        layouts[name] = _lay_out_table(shapes[name], shapes, layouts, profile, seed)
    return layouts


def _lay_out_table(shape: Shape, shapes: dict[str, Shape], layouts: dict[str, Layout],
                   profile: Profile, seed: int) -> Layout:
    rng = table_rng(seed, shape.name, "layout")
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
    layout = Layout(size=offsets[-1], segments=segments, counts=counts, offsets=offsets,
                     targets=targets)
    alias = shape.table.rowid_alias
    key = shape.spec.key
    if alias and key and alias.lower() == key.lower():  # a 1:1 table keyed by its parent's id
        layout.ids = array("q", (parent.ids[p] for p in layout.parent_rows()))
    else:
        layout.ids = range(1, layout.size + 1)
    return layout


def _lay_out_root(shape: Shape, profile: Profile) -> Layout:
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
    return Layout(size=size, segments=tuple(segments), ids=range(1, size + 1))


def _counts(shape: Shape, parent: Layout, layouts: dict[str, Layout], profile: Profile,
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


def _cap(shape: Shape, shapes: dict[str, Shape], layouts: dict[str, Layout],
         counts: list[int]) -> None:
    """Keep each parent's rows within what its UNIQUE constraints allow."""
    if shape.at_most_one:
        counts[:] = [min(c, 1) for c in counts]
    for link in shape.links:
        if not link.distinct or link.parent not in layouts:
            continue
        low, high = pool_bounds(shapes, layouts, link.scope, link.parent)
        if link.scope is None:
            counts[:] = [min(c, high[0] - low[0]) for c in counts]
            continue
        owner = lift(shapes, layouts, list(range(len(counts))), shape.parent or "", link.scope)
        counts[:] = [min(c, high[a] - low[a]) for c, a in zip(counts, owner, strict=True)]


def _lay_out_graph(shape: Shape, shapes: dict[str, Shape], layouts: dict[str, Layout],
                   profile: Profile, rng: random.Random) -> tuple[list[int], array]:
    """Edges per node and their other ends: one DAG per ``within`` row (per workflow)."""
    graph = shape.spec.graph
    assert graph is not None and shape.parent is not None
    nodes = layouts[shape.parent]
    low, high = pool_bounds(shapes, layouts, shape.graph_scope, shape.parent)
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


def check_required(shapes: dict[str, Shape], layouts: dict[str, Layout],
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


def lift(shapes: dict[str, Shape], layouts: dict[str, Layout], rows: list[int], table: str,
          ancestor: str) -> list[int]:
    """Rows of ``table`` mapped to their ancestor rows in ``ancestor`` (``table`` itself: as is)."""
    while table != ancestor:
        parents = layouts[table].parent_rows()
        rows = [parents[r] for r in rows]
        table = shapes[table].parent or ""
    return rows


def pool_bounds(shapes: dict[str, Shape], layouts: dict[str, Layout], scope: str | None,
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


def table_rng(seed: int, *parts: str) -> random.Random:
    """A random stream per table and purpose: adding a table leaves the others' data alone."""
    return random.Random("/".join((str(seed), *parts)))
