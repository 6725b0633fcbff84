"""Search: the minimal index set for a workload, within a budget.

``select(problem, budget)`` takes candidates, templates, which candidates can
change each template's cost, and a cost function (a what-if call in
production, a fixed table in tests), and returns a ``Selection``: the chosen
set, its cost beside the baseline and the best cost found, how each part of
the problem was searched, and a reason for every candidate left out.

How it searches
1. The interaction graph (networkx): a node per candidate, an edge between two
   candidates relevant to a common template. Its connected components share
   no template, so their costs add up independently and each is searched on
   its own. A candidate relevant to no template is rejected (``NO_GAIN``)
   without a cost call.
2. Each component is searched by an algorithm from ``ALGORITHMS`` and yields
   its *frontier*: the configurations that are Pareto-optimal in (index
   count, bytes, cost).
   - ``exact``: every subset within the budget; the frontier is exact.
   - ``greedy`` ("greedy+swaps"): add the candidate that lowers cost most
     while one does (when none does, the pair relevant to a common template
     that does: indexes that pay off only together); improve the result by
     removing, adding or replacing one index (or adding such a pair, or a
     *bundle*: the indexes one template's plan uses when all its candidates
     exist, a join chain say, that pay off only all at once) while that
     lowers cost (each move, by more than ``NEGLIGIBLE`` of the tolerance's
     band: the minimal set is picked within the band); then shrink it back
     to nothing by removing the index whose loss costs least and, under
     ``max_bytes``, also by removing or replacing by a smaller one whatever
     costs least per byte freed (the relaxation of Bruno and Chaudhuri).
     With a budget, each point of those paths that fits is improved by
     replacements no larger, and the three best again by any move that
     keeps within the budget. Given a ``start``
     set (the measured search's last), the additions are skipped: the
     improving moves begin from its members in the component.
   - ``auto``: exact for components of at most ``exact_limit`` candidates,
     greedy above.
3. Combination: the budget (``max_indexes``, ``max_bytes``) holds across
   components, so frontiers are merged one component at a time (a knapsack
   over counts and bytes), keeping the Pareto-optimal sums that fit. The
   cheapest sum is the optimum. A second merge keeps only sums whose cost can
   still end within the tolerance (a lower bound for the components not yet
   merged prunes the rest), and the minimal set is the least of them by
   (index count, bytes, cost, items in order).
4. Tidying, to a fixpoint: an index whose removal keeps the set within the
   tolerance (or does not raise its cost) goes (``WITHIN_TOLERANCE``); else the
   index with the smallest marginal saving below ``min_saving`` × baseline goes
   (``BELOW_MIN_SAVING``).
5. Narrowing: an index with a narrower variant among the candidates (the
   same keys without its wide columns, ``Problem.narrower``) is replaced by it,
   the most bytes spared first, while the whole workload stays within its
   tolerance (``NARROWER``).

Tolerance is relative to the saving the optimum achieves: a set is as good as
the optimum when its total cost is at most ``optimum + tolerance × (baseline −
optimum)``, i.e. it reaches ``1 − tolerance`` of the best saving, and at most
``optimum × (1 + OWN_COST_FACTOR × tolerance)`` (``band``), and its writes cost at
most ``OWN_COST_FACTOR × tolerance`` more than the optimum's (``write_band``): fewer
indexes are chosen to spare the writes their upkeep, so a smaller set that makes
them slower (an index it lacks found the rows a write changes) is no better. Without a
budget this holds for each component on its own (its templates' cost against
its own optimum's saving; so also for the whole): relative to the whole
workload's saving, one template saving most made every index of the other
components look negligible (issue 11, cause 3). A budget couples the
components, and the band is then the whole workload's. Relative to
the optimum's own cost instead, the band shrank with every index that made the
optimum cheaper: on Torc, 1% of a 96%-smaller workload kept 14 indexes, the
last eight buying 1% of the estimated saving, within measurement noise of the
replayed time and adding write time (docs/benchmarks.md); five times that
share of its own cost bounds the band only where the saving is five times the
optimum's cost and more, where the saving's share alone gave away as much as
the optimum's whole cost. No returned index
is redundant: removing any one takes the set out of that band (or raises its
cost, once ``min_saving`` has pushed it out).

Honest limits
- The optimum is exact when every component is searched exactly (max_bytes
  included: the merge is exact in bytes). A greedy component's frontier is a
  heuristic: its optimum, its smaller sizes and its fit under ``max_bytes``
  are best efforts, not guarantees; it finds indexes that pay off only in
  pairs, and in larger groups only as the problem's bundles name them (with
  bundles, only pairs within one). Without ``max_bytes`` it looks for no
  smaller-bytes alternative, so the bytes tie-break of the minimal set is
  weaker there.
- An exact component costs up to the sum over its templates of
  2^(relevant candidates) cost calls: with 14 candidates on one table and 30
  templates reading it, about 490,000. ``exact_limit`` bounds the count of
  candidates, not that sum.
- ``min_saving`` filters the chosen set afterwards: budget freed by a dropped
  index is not spent again.
- The merge keeps every Pareto-optimal (count, bytes, cost) sum; with
  ``max_bytes`` set and many components with rich frontiers it can grow
  (there is no byte bucketing).
- Ties after count and bytes go to the lower cost, then to the smaller items
  in order: cost before order keeps the Pareto pruning exact.
- Whether a candidate ever lowers a template's cost (``NO_GAIN``) is judged on
  the configurations evaluated: all of them for an exact component, the ones
  the greedy search visited for another (each candidate alone at least).

>>> costs = {frozenset(): 10.0, frozenset({"a"}): 4.0}
>>> problem = Problem(("a", "b"), ("t",), {"t": frozenset({"a"})}, {"a": 1, "b": 1},
...                   lambda template, config: costs[config])
>>> selection = select(problem)
>>> sorted(selection.chosen), selection.cost, dict(selection.rejected)
(['a'], 4.0, {'b': <Reason.NO_GAIN: 'no-gain'>})
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import networkx as nx

from advisor.model.errors import AdvisorError
from advisor.model.frozen import freeze_mappings
from advisor.model.reasons import Reason

Item = Any  # hashable and ordered: IndexSpec in production, str in tests

METHOD_EXACT = "exact"
METHOD_GREEDY = "greedy+swaps"
EXACT_HARD_LIMIT = 24  # 2^24 subsets: beyond this an exact search would not end in reasonable time
# A greedy move must save more than this share of the tolerance's band about the point
# it moves from (``band``): the minimal set is picked within the band anyway,
# and on TPC-H the measured searches spent half their steps growing sets by moves
# worth a hundredth of it, which the shrink then took away again.
NEGLIGIBLE = 0.1
# The band never gives away more than this many times the tolerance's share of the
# best set's own cost: where indexes save 99% of a workload of scans, 1% of the saving
# is the best set's whole cost again, and an index halving what was left went as
# "within tolerance" (a ticketing trial: 1.8x the .expert union's measured time). At
# 10 (a tenth of the best set's cost) a ledger trial's prior left out a listing's
# covering index that saves 7.5% of the set's estimated cost (0.9 s measured, of a
# 6 s set), and the measured search, one round in its time budget, never measured it.
OWN_COST_FACTOR = 5.0


def band(best: float, baseline: float, tolerance: float) -> float:
    """How much more than ``best`` a set may cost and count as good as it: the
    ``tolerance``'s share of what ``best`` saves against ``baseline``, but at most
    OWN_COST_FACTOR times that share of ``best``'s own cost.

    >>> band(10.0, 110.0, 0.01), band(0.5, 40.0, 0.01)
    (0.5, 0.025)
    """
    return min(tolerance * max(baseline - best, 0.0),
               OWN_COST_FACTOR * tolerance * max(best, 0.0))


def write_band(best: float, tolerance: float) -> float:
    """How much more than ``best`` (what the best set's writes cost) a set's writes may
    cost and the set count as good as the best: OWN_COST_FACTOR times the tolerance's
    share of it, as ``band`` bounds the whole. Fewer indexes mean less upkeep, so a
    smaller set's writes cost more only where an index it lacks finds the rows a write
    changes or reads: Torc's dependency INSERT ... SELECT on job_output_file, 0.07 s
    with job_output_file(file_id, job_id) and 0.73 s without, a saving the total's band
    (5% of the set's cost) counted as within tolerance in 6 of 8 runs, leaving the
    set's writes slower than the seed's hand-made 13 indexes.

    >>> write_band(2.0, 0.01)
    0.1
    """
    return OWN_COST_FACTOR * tolerance * max(best, 0.0)


class SearchError(AdvisorError):
    """A search was asked for with an unknown algorithm or unusable parameters."""


@dataclass(frozen=True)
class Budget:
    """Limits across the whole chosen set; None is no limit."""

    max_indexes: int | None = None
    max_bytes: int | None = None
    min_saving: float = 0.0  # a chosen index must save at least this share of the baseline

    def allows(self, count: int, size: int) -> bool:
        return (self.max_indexes is None or count <= self.max_indexes) and (
            self.max_bytes is None or size <= self.max_bytes)


@dataclass(frozen=True)
class Problem:
    """What to search: items are hashable and ordered (IndexSpec, or str in tests)."""

    candidates: tuple[Item, ...]
    templates: tuple[str, ...]
    relevant: Mapping[str, frozenset[Item]]  # template -> candidates that can change its cost
    bytes_of: Mapping[Item, int]
    # Weighted cost of one template under a configuration, called only with
    # the configuration restricted to the template's relevant candidates.
    cost: Callable[[str, frozenset[Item]], float]
    # Candidates that already exist: among sets of one size within the tolerance,
    # the one that builds fewer new indexes wins (keeping one costs no build).
    existing: frozenset[Item] = frozenset()
    # Candidates that may pay off only together (one template's plan uses them all):
    # the greedy search tries adding each at once, or two of one, when no single move
    # helps. None: not known, and every two relevant to a common template are tried.
    bundles: tuple[frozenset[Item], ...] | None = None
    # Templates that write: their cost is the statement's whole time, index upkeep and
    # the search for the rows it changes. A smaller set is as good as the best only if
    # these cost no more than the tolerance allows above the best's (``write_band``).
    writes: frozenset[str] = frozenset()
    # Candidates with narrower variants: the same seeks, fewer bytes (an index copying
    # a wide text column, and the one without it). The minimal set takes a variant in
    # place of its candidate where the workload's cost stays within the tolerance.
    narrower: Mapping[Item, tuple[Item, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        freeze_mappings(self, "relevant", "bytes_of", "narrower")


@dataclass(frozen=True)
class ComponentResult:
    """How one component of the interaction graph was searched, and its part of the set."""

    candidates: tuple[Item, ...]
    templates: tuple[str, ...]
    method: str  # METHOD_EXACT or METHOD_GREEDY
    chosen: frozenset[Item]
    baseline_cost: float  # the component's templates, nothing chosen
    cost: float  # with `chosen`


@dataclass(frozen=True)
class Selection:
    """The minimal set, the costs to judge it by, and a reason for every candidate left out."""

    chosen: frozenset[Item]
    baseline_cost: float
    cost: float
    optimum_cost: float  # best cost found within budget
    components: tuple[ComponentResult, ...]
    evaluations: int  # distinct (template, configuration) cost calls
    rejected: Mapping[Item, Reason]  # every candidate not chosen -> why
    requests: int = 0  # cost look-ups, memo hits included
    optimum: frozenset[Item] = frozenset()  # the configuration that costs optimum_cost

    def __post_init__(self) -> None:
        freeze_mappings(self, "rejected")

    @property
    def hit_rate(self) -> float:
        """Share of cost look-ups the memo answered."""
        return 1 - self.evaluations / self.requests if self.requests else 0.0


class CostMemo:
    """The problem's cost function, memoised per (template, relevant part of a
    configuration) and counted. Per-run state, kept off the value objects."""

    def __init__(self, problem: Problem) -> None:
        known = frozenset(problem.candidates)
        self.relevant = {t: frozenset(problem.relevant.get(t, frozenset())) & known
                         for t in problem.templates}
        self.values: dict[tuple[str, frozenset[Item]], float] = {}
        self._alike: dict[Component, dict[Item, frozenset[str]]] = {}
        self.requests = 0
        self._cost = problem.cost

    @property
    def calls(self) -> int:
        return len(self.values)

    def template(self, template: str, config: frozenset[Item]) -> float:
        key = (template, config & self.relevant[template])
        self.requests += 1
        value = self.values.get(key)
        if value is None:
            value = self.values[key] = float(self._cost(*key))
        return value

    def total(self, templates: Iterable[str], config: frozenset[Item]) -> float:
        return sum(self.template(t, config) for t in templates)

    def alike(self, component: Component) -> dict[Item, frozenset[str]]:
        """Each of a component's candidates -> the templates it is relevant to. A
        replacement is tried only between candidates relevant to the same templates
        (in production: on one table), the alternatives for one access. One across
        templates is nearly a removal and an addition, each a move of its own: where
        the two share no template it is exactly that, and it lowers cost only if one of
        them does. Trying every replacement cost most of the search on TPC-H (69
        candidates, 8,000 of 12,000 configurations)."""
        found = self._alike.get(component)
        if found is None:
            found = self._alike[component] = {
                c: frozenset(t for t in component.templates if c in self.relevant[t])
                for c in component.candidates}
        return found


@dataclass(frozen=True)
class Component:
    """Candidates that interact, and the templates through which they do."""

    candidates: tuple[Item, ...]  # sorted
    templates: tuple[str, ...]
    bundles: tuple[tuple[Item, ...], ...] | None = None  # the problem's within it, sorted


@dataclass(frozen=True, order=True)
class Point:
    """A configuration with its size and cost; ordered as the minimal set prefers."""

    count: int
    bytes: int
    cost: float
    config: tuple[Item, ...]  # sorted


def _cheapest(point: Point) -> tuple[float, int, int, tuple[Item, ...]]:
    """Order by cost first (Point's own order puts size first)."""
    return point.cost, point.count, point.bytes, point.config


@dataclass(frozen=True)
class Frontier:
    method: str
    points: tuple[Point, ...]  # Pareto-optimal in (count, bytes, cost), within budget


class _Band(NamedTuple):
    """Templates whose cost the tolerance bounds together: a component's without a budget,
    the whole workload's with one."""

    templates: tuple[str, ...]
    items: frozenset[Item]  # the candidates that can change their cost
    limit: float  # the most they may cost, within the tolerance
    best: float  # what they cost with the optimum
    writes: tuple[str, ...] = ()  # of the templates, those that write
    write_limit: float = 0.0  # the most those may cost (``write_band``)


@dataclass(frozen=True)
class SearchContext:
    """What a component search needs besides its component (one per run)."""

    memo: CostMemo
    bytes_of: Mapping[Item, int]
    budget: Budget
    exact_limit: int
    start: frozenset[Item] = frozenset()  # greedy: improve this set, not one grown from none
    tolerance: float = 0.0  # a move saving less than NEGLIGIBLE of its band is not taken

    def point(self, component: Component, config: Iterable[Item]) -> Point:
        items = tuple(sorted(config))
        return Point(len(items), sum(self.bytes_of[c] for c in items),
                     self.memo.total(component.templates, frozenset(items)), items)

    def fits(self, point: Point) -> bool:
        return self.budget.allows(point.count, point.bytes)


ComponentSearch = Callable[[Component, SearchContext], Frontier]


# --- the interaction graph --------------------------------------------------------


def interaction_graph(problem: Problem) -> nx.Graph:
    """Candidates as nodes; an edge where two candidates are relevant to one template."""
    known = frozenset(problem.candidates)
    return _linking(problem.candidates, (frozenset(problem.relevant.get(t, frozenset()))
                                         & known for t in problem.templates))


def linked(items: Iterable[Item], groups: Iterable[Iterable[Item]]) -> list[set[Item]]:
    """``items`` in sets linked where some group holds two of them: the components of
    the interaction graph, for a group per template of the items relevant to it."""
    return [set(nodes) for nodes in nx.connected_components(_linking(items, groups))]


def _linking(items: Iterable[Item], groups: Iterable[Iterable[Item]]) -> nx.Graph:
    graph: nx.Graph[Item] = nx.Graph()
    graph.add_nodes_from(items)
    for group in groups:
        graph.add_edges_from(itertools.combinations(sorted(group), 2))
    return graph


def split(problem: Problem) -> tuple[tuple[Component, ...], frozenset[Item]]:
    """The components with a template, in order of their first candidate, and the
    candidates relevant to no template."""
    known = frozenset(problem.candidates)
    relevant = {t: frozenset(problem.relevant.get(t, frozenset())) & known
                for t in problem.templates}
    components, idle = [], set()
    for nodes in nx.connected_components(interaction_graph(problem)):
        templates = tuple(t for t in problem.templates if relevant[t] & nodes)
        if templates:
            bundles = (None if problem.bundles is None else tuple(sorted(
                {tuple(sorted(b)) for b in problem.bundles if len(b) > 1 and b <= nodes})))
            components.append(Component(tuple(sorted(nodes)), templates, bundles))
        else:
            idle |= nodes
    return tuple(sorted(components, key=lambda c: c.candidates[0])), frozenset(idle)


# --- frontiers ----------------------------------------------------------------------


def pareto(points: Iterable[Point], use_bytes: bool = True) -> tuple[Point, ...]:
    """The points no other point matches or beats in count, cost and (if
    ``use_bytes``) bytes; among equals the first in Point order."""
    if not use_bytes:
        kept: list[Point] = []
        for point in sorted(points, key=lambda p: (p.count, p.cost, p.bytes, p.config)):
            if not kept or point.cost < kept[-1].cost:
                kept.append(point)
        return tuple(kept)
    # Per count, the kept points form a staircase: bytes rising, cost falling.
    sizes: dict[int, list[int]] = {}
    costs: dict[int, list[float]] = {}
    result = []
    for point in sorted(points):
        dominated = False
        for count in sizes:
            if count <= point.count:
                at = bisect.bisect_right(sizes[count], point.bytes) - 1
                if at >= 0 and costs[count][at] <= point.cost:
                    dominated = True
                    break
        if not dominated:
            sizes.setdefault(point.count, []).append(point.bytes)
            costs.setdefault(point.count, []).append(point.cost)
            result.append(point)
    return tuple(result)


def combine(fronts: Sequence[Sequence[Point]], budget: Budget, use_bytes: bool,
            limit: float | None = None) -> tuple[Point, ...]:
    """Merge component frontiers into Pareto-optimal whole configurations within
    the budget; with ``limit``, only those whose cost can stay at or under it."""
    floors = [0.0] * (len(fronts) + 1)  # least cost the components after i can add
    for i in reversed(range(len(fronts))):
        floors[i] = floors[i + 1] + min(p.cost for p in fronts[i])
    combined: tuple[Point, ...] = (Point(0, 0, 0.0, ()),)
    for i, front in enumerate(fronts):
        merged = (Point(a.count + b.count, a.bytes + b.bytes, a.cost + b.cost,
                        tuple(sorted(a.config + b.config)))
                  for a in combined for b in front)
        combined = pareto((p for p in merged if budget.allows(p.count, p.bytes)
                           and (limit is None or p.cost + floors[i + 1] <= limit)), use_bytes)
    return combined


# --- the algorithms -------------------------------------------------------------------


def search_exact(component: Component, context: SearchContext) -> Frontier:
    """Every subset of the component within the budget."""
    if len(component.candidates) > EXACT_HARD_LIMIT:
        raise SearchError(f"exact search over {len(component.candidates)} candidates would not "
                          f"end: use algorithm 'auto' or 'greedy' (exact allows "
                          f"{EXACT_HARD_LIMIT})")
    largest = len(component.candidates)
    if context.budget.max_indexes is not None:
        largest = min(largest, context.budget.max_indexes)
    budget_bytes = context.budget.max_bytes
    points = [context.point(component, subset)
              for k in range(largest + 1)
              for subset in itertools.combinations(component.candidates, k)
              if budget_bytes is None or sum(context.bytes_of[c] for c in subset) <= budget_bytes]
    return Frontier(METHOD_EXACT, pareto(points))


def search_greedy(component: Component, context: SearchContext) -> Frontier:
    """Greedy additions, improving swaps, then shrinking; see the module docstring. From
    ``context.start`` (its members in the component), improving swaps from there."""
    free = replace(context, budget=Budget())
    begun = context.start.intersection(component.candidates)
    if begun:
        path = [free.point(component, ()), free.point(component, begun)]
    else:
        path = _greedy_path(component, free)
    top = _improve(path[-1], component, free, _MOVES)
    points = [*path, top, *_shrink(top, component, free, per_byte=False)]
    if context.budget.max_bytes is not None:
        points += _shrink(top, component, free, per_byte=True)
    if context.budget.max_indexes is not None or context.budget.max_bytes is not None:
        front = pareto(p for p in points if context.fits(p))
        improved = [_improve(p, component, context, (("smaller",),)) for p in front]
        points += improved
        starts = sorted(set(improved), key=_cheapest)[:3]
        points += [_improve(p, component, context, _MOVES) for p in starts]
    return Frontier(METHOD_GREEDY, pareto(p for p in points if context.fits(p)))


def search_auto(component: Component, context: SearchContext) -> Frontier:
    """Exact up to ``exact_limit`` candidates, greedy with swaps above."""
    if len(component.candidates) <= context.exact_limit:
        return search_exact(component, context)
    return search_greedy(component, context)


ALGORITHMS: dict[str, ComponentSearch] = {
    "exact": search_exact,
    "greedy": search_greedy,
    "auto": search_auto,
}


# Tiers of moves: the second is tried only when the first finds nothing better.
_MOVES = (("remove", "add", "replace"), ("pair", "bundle"))
_GROW = (("add",), ("pair", "bundle"))


def _greedy_path(component: Component, context: SearchContext) -> list[Point]:
    """From nothing, add the candidate (or else the pair) that saves most while one saves."""
    path = [context.point(component, ())]
    while (step := _step(path[-1], component, context, _GROW)) is not None:
        path.append(step)
    return path


def _improve(start: Point, component: Component, context: SearchContext,
             tiers: tuple[tuple[str, ...], ...]) -> Point:
    """Take the best improving move while there is one."""
    current = start
    while (step := _step(current, component, context, tiers)) is not None:
        current = step
    return current


def _step(point: Point, component: Component, context: SearchContext,
          tiers: tuple[tuple[str, ...], ...]) -> Point | None:
    """The best configuration one move away that costs less (by more than NEGLIGIBLE
    of the tolerance's band about the point), trying each tier in turn."""
    baseline = context.memo.total(component.templates, frozenset())
    least = NEGLIGIBLE * band(point.cost, baseline, context.tolerance)
    for moves in tiers:
        better = [p for p in _neighbours(point, component, context, moves)
                  if p.cost < point.cost - least]
        if better:
            return min(better, key=_cheapest)
    return None


def _shrink(start: Point, component: Component, context: SearchContext,
            per_byte: bool) -> list[Point]:
    """Down to nothing: remove the index whose loss costs least; or, ``per_byte``,
    remove one or replace one by a smaller one, whichever costs least per byte freed
    (the relaxation of Bruno and Chaudhuri)."""
    current, out = start, []
    moves = ("remove", "smaller") if per_byte else ("remove",)
    while current.config:
        options = [p for p in _neighbours(current, component, context, moves)
                   if p.count < current.count or p.bytes < current.bytes]
        base = current
        current = min(options, key=lambda p: (_loss(p, base, per_byte), p.bytes, p.config))
        out.append(current)
    return out


def _loss(point: Point, base: Point, per_byte: bool) -> float:
    if per_byte:
        return (point.cost - base.cost) / max(base.bytes - point.bytes, 1)
    return point.cost - base.cost


def _neighbours(point: Point, component: Component, context: SearchContext,
                moves: tuple[str, ...]) -> Iterator[Point]:
    """Configurations one move away that fit the budget. Moves: remove one, add one,
    replace one by another, replace one by another no larger ("smaller"), add two
    relevant to a common template ("pair"), or add the missing members (two or more)
    of one of the component's bundles ("bundle")."""
    inside = set(point.config)
    outside = [c for c in component.candidates if c not in inside]
    size = context.bytes_of
    configs: list[Iterable[Item]] = []
    if "remove" in moves:
        configs += [inside - {c} for c in point.config]
    if "add" in moves:
        configs += [(*point.config, c) for c in outside]
    if "replace" in moves:  # by one alike: see CostMemo.alike
        alike = context.memo.alike(component)
        configs += [(inside - {c}) | {d} for c in point.config for d in outside
                    if alike[c] == alike[d]]
    elif "smaller" in moves:
        configs += [(inside - {c}) | {d} for c in point.config for d in outside
                    if size[d] <= size[c]]
    if "pair" in moves:  # two that may pay off only together
        configs += [(*point.config, *pair) for pair in _pairs(component, context, inside)]
    if "bundle" in moves and component.bundles:
        configs += [inside.union(bundle) for bundle in component.bundles
                    if len(set(bundle) - inside) > 1]
    for config in configs:
        candidate = context.point(component, config)
        if context.fits(candidate):
            yield candidate


def _pairs(component: Component, context: SearchContext,
           inside: set[Item]) -> list[tuple[Item, Item]]:
    """Two candidates outside the configuration that may pay off only together: two of
    one bundle where the problem names its bundles (a part of a join chain, say), else
    any two relevant to a common template. Every two of a template's 30 candidates on
    TPC-H's lineitem were 3,000 configurations a step."""
    if component.bundles is not None:
        groups: Iterable[Iterable[Item]] = component.bundles
    else:
        groups = (context.memo.relevant[t] for t in component.templates)
    return sorted({pair for group in groups
                   for pair in itertools.combinations(sorted(set(group) - inside), 2)})


# --- selection ----------------------------------------------------------------------


def select(problem: Problem, budget: Budget = Budget(), tolerance: float = 0.01,
           algorithm: str = "auto", exact_limit: int = 14,
           start: frozenset[Item] = frozenset()) -> Selection:
    """The minimal set within ``tolerance`` of the best cost found within ``budget``;
    ``start``: a set the greedy search improves in place of growing one from none."""
    if algorithm not in ALGORITHMS:
        raise SearchError(f"unknown search algorithm {algorithm!r}: choose one of "
                          f"{', '.join(ALGORITHMS)}")
    for name, value in (("tolerance", tolerance), ("max_indexes", budget.max_indexes),
                        ("max_bytes", budget.max_bytes), ("min_saving", budget.min_saving)):
        if value is not None and value < 0:
            raise SearchError(f"{name} must be 0 or more, not {value}")
    missing = [c for c in problem.candidates if c not in problem.bytes_of]
    if missing:
        raise SearchError(f"no size estimate for {len(missing)} candidate(s), e.g. {missing[0]}")
    memo = CostMemo(problem)
    context = SearchContext(memo, problem.bytes_of, budget, exact_limit, frozenset(start),
                            tolerance)
    components, idle = split(problem)
    fronts = [ALGORITHMS[algorithm](component, context) for component in components]
    fixed = [t for t in problem.templates if not memo.relevant[t]]
    fixed_cost = memo.total(fixed, frozenset())

    def total(config: frozenset[Item]) -> float:
        return sum(memo.total(c.templates, config) for c in components) + fixed_cost

    if budget.max_indexes is None and budget.max_bytes is None:
        best, minimal, bands = _per_component(components, fronts, memo, tolerance,
                                              problem.existing, problem.writes)
    else:  # a budget couples the components: one band, over the whole workload
        writes = tuple(t for c in components for t in c.templates if t in problem.writes)
        best, minimal, limit, write_limit = _optimum_and_minimal(
            [f.points for f in fronts], budget, tolerance, fixed_cost, total(frozenset()),
            problem.existing, functools.partial(memo.total, writes))
        bands = [_Band(tuple(problem.templates), frozenset(problem.candidates),
                       limit - fixed_cost, best.cost, writes, write_limit)]
    optimum_cost = best.cost + fixed_cost

    def fits(config: frozenset[Item]) -> bool:
        """Within the tolerance: every band's templates cost no more than its limit, and
        its writes no more than theirs."""
        return all(memo.total(band.templates, config) <= band.limit
                   and memo.total(band.writes, config) <= band.write_limit for band in bands)

    def slack(item: Item) -> float:
        return next((band.limit - band.best for band in bands if item in band.items), 0.0)

    chosen, dropped = _tidy(frozenset(minimal.config), total, fits,
                            budget.min_saving * total(frozenset()))
    whole = _inclusive(optimum_cost + band(optimum_cost, total(frozenset()), tolerance))
    chosen, narrowed = _narrowed(chosen, problem, total, whole)
    dropped = {**dropped, **narrowed}
    rejected = _reasons(problem, memo, chosen, frozenset(best.config), dropped, idle,
                        total, slack, budget)
    return Selection(
        chosen=chosen,
        baseline_cost=total(frozenset()),
        cost=total(chosen),
        optimum_cost=optimum_cost,
        components=tuple(
            ComponentResult(c.candidates, c.templates, f.method,
                            chosen & frozenset(c.candidates),
                            memo.total(c.templates, frozenset()), memo.total(c.templates, chosen))
            for c, f in zip(components, fronts, strict=True)),
        evaluations=memo.calls,
        rejected=rejected,
        requests=memo.requests,
        optimum=frozenset(best.config),
    )


def _optimum_and_minimal(fronts: Sequence[Sequence[Point]], budget: Budget, tolerance: float,
                         fixed_cost: float, baseline: float, existing: frozenset[Item],
                         write_cost: Callable[[frozenset[Item]], float]
                         ) -> tuple[Point, Point, float, float]:
    """The cheapest combination, the minimal one within tolerance of it, and the
    tolerance's upper limits on the total cost (``fixed_cost`` included) and on what
    the writes cost (``write_cost`` of a configuration)."""
    sums = combine(fronts, budget, use_bytes=budget.max_bytes is not None)
    best = min(sums, key=_cheapest)
    optimum = best.cost + fixed_cost
    limit = _inclusive(optimum + band(optimum, baseline, tolerance))
    writes = write_cost(frozenset(best.config))
    write_limit = _inclusive(writes + write_band(writes, tolerance))
    if budget.max_bytes is None:  # the first merge kept one point per count: merge again
        sums = combine(fronts, budget, use_bytes=True, limit=limit - fixed_cost)
    minimal = min((p for p in sums if p.cost + fixed_cost <= limit
                   and write_cost(frozenset(p.config)) <= write_limit),
                  key=lambda p: (p.count, sum(i not in existing for i in p.config), p))
    return best, minimal, limit, write_limit


def _inclusive(limit: float) -> float:
    """``limit`` and a rounding's worth more: the same sums, added in another order, must
    still fit under it."""
    return limit + 1e-9 * max(1.0, abs(limit))


def _per_component(components: Sequence[Component], fronts: Sequence[Frontier],
                   memo: CostMemo, tolerance: float, existing: frozenset[Item],
                   writing: frozenset[str]) -> tuple[Point, Point, list[_Band]]:
    """Without a budget the components are independent, and the tolerance applies to
    each one's own saving: the optimum and the minimal set are the unions of each
    component's, and its band is (its templates, its candidates, its cost limit, its
    best cost). Relative to the whole workload's saving, one template that saves
    most (or that the estimate over-prices by orders) made every index of every
    other component look negligible beside it (issue 11, cause 3): an index that
    saves most of its own templates' cost was dropped for saving under 1% of the
    workload's saving."""
    bests, minimals, bands = [], [], []
    for component, front in zip(components, fronts, strict=True):
        baseline = memo.total(component.templates, frozenset())
        writes = tuple(t for t in component.templates if t in writing)
        best, minimal, limit, write_limit = _optimum_and_minimal(
            [front.points], Budget(), tolerance, 0.0, baseline, existing,
            functools.partial(memo.total, writes))
        bests.append(best)
        minimals.append(minimal)
        bands.append(_Band(component.templates, frozenset(component.candidates), limit,
                           best.cost, writes, write_limit))
    return _union(bests), _union(minimals), bands


def _union(points: Sequence[Point]) -> Point:
    return Point(sum(p.count for p in points), sum(p.bytes for p in points),
                 sum(p.cost for p in points), tuple(sorted(i for p in points for i in p.config)))


def _tidy(chosen: frozenset[Item], total: Callable[[frozenset[Item]], float],
          fits: Callable[[frozenset[Item]], bool],
          floor: float) -> tuple[frozenset[Item], dict[Item, Reason]]:
    """Drop indexes the set is within tolerance without (``fits``), then those saving
    less than ``floor``, one at a time."""
    dropped: dict[Item, Reason] = {}
    while chosen:
        current = total(chosen)
        without = {c: total(chosen - {c}) for c in sorted(chosen)}
        spare = [c for c in without if fits(chosen - {c}) or without[c] <= current]
        small = [c for c in without if without[c] - current < floor]
        if spare:
            drop, reason = min(spare, key=lambda c: (without[c], c)), Reason.WITHIN_TOLERANCE
        elif small:
            drop, reason = min(small, key=lambda c: (without[c], c)), Reason.BELOW_MIN_SAVING
        else:
            break
        chosen -= {drop}
        dropped[drop] = reason
    return chosen, dropped


def _narrowed(chosen: frozenset[Item], problem: Problem,
              total: Callable[[frozenset[Item]], float], limit: float
              ) -> tuple[frozenset[Item], dict[Item, Reason]]:
    """``chosen`` with each index that has a narrower variant (``Problem.narrower``)
    replaced by it, the most bytes spared first, while the workload's cost stays
    within ``limit``: the whole workload's tolerance, not one component's. A covering
    index copying review bodies (108 bytes a row) made its component 28% faster than
    the one without them on a read taking 0.8% of a web shop's time, for 21 of its 151
    MiB; the component's band (5% of its own cost) kept the bodies."""
    narrowed: dict[Item, Reason] = {}
    swaps = sorted(((problem.bytes_of[wide] - problem.bytes_of[narrow], wide, narrow)
                    for wide in chosen for narrow in problem.narrower.get(wide, ())
                    if problem.bytes_of[narrow] < problem.bytes_of[wide]), reverse=True)
    for _, wide, narrow in swaps:
        if wide not in chosen:
            continue
        swapped = chosen - {wide} | {narrow}
        if total(swapped) <= limit:
            chosen = swapped
            narrowed[wide] = Reason.NARROWER
    return chosen, narrowed


def _helpful(memo: CostMemo) -> set[Item]:
    """Candidates that lowered some template's cost in some evaluated configuration."""
    helps: set[Item] = set()
    for (template, config), cost in memo.values.items():
        for item in config - helps:
            without = memo.values.get((template, config - {item}))
            if without is not None and cost < without:
                helps.add(item)
    return helps


def _reasons(problem: Problem, memo: CostMemo, chosen: frozenset[Item],
             optimum: frozenset[Item], dropped: Mapping[Item, Reason], idle: frozenset[Item],
             total: Callable[[frozenset[Item]], float], slack: Callable[[Item], float],
             budget: Budget) -> dict[Item, Reason]:
    """A reason for every candidate not chosen."""
    helps = _helpful(memo)
    current, baseline = total(chosen), total(frozenset())
    chosen_bytes = sum(problem.bytes_of[c] for c in chosen)
    reasons: dict[Item, Reason] = {}
    for item in sorted(set(problem.candidates) - chosen):
        if item in idle:
            reasons[item] = Reason.NO_GAIN
        elif item in dropped:
            reasons[item] = dropped[item]
        elif current - total(chosen | {item}) > slack(item):
            fits = budget.allows(len(chosen) + 1, chosen_bytes + problem.bytes_of[item])
            reasons[item] = Reason.NOT_IN_OPTIMUM if fits else Reason.OVER_BUDGET
        elif item not in helps:
            reasons[item] = Reason.NO_GAIN
        elif item in optimum or total(frozenset({item})) < baseline:
            # It helps, alone or in the best set, but adds no more than the tolerance.
            reasons[item] = Reason.WITHIN_TOLERANCE
        else:
            reasons[item] = Reason.NOT_IN_OPTIMUM
    return reasons
