"""Redundant indexes: exact duplicates, indexes on the rowid alone, and left prefixes of
a longer index that no template needs on its own.

Its key makes an index a duplicate, an index on the rowid alone or a prefix;
whether it is redundant is measured. Where the replays measured it
(advisor.review.audit.replay), it is redundant when its drop saves no time
beyond the noise band in any statistics state measured, and "needed" when it
does (the templates measured slower without it say why). Where nothing was
measured (--no-replay, or beyond --max-replays) the estimate decides as it
did before: a duplicate or an index on the rowid is redundant by its key, a
prefix when no template on its table gets dearer (estimated, beyond
COST_TOLERANCE) without it, today and after ANALYZE. Without a log a prefix is
only "possibly redundant".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from advisor.advise.explain import NO_GAIN
from advisor.catalog.schema import Index
from advisor.review.audit.plans import AuditContext
from advisor.review.audit.replay import HARMFUL, SAVES, Replayed
from advisor.review.audit.usage import AuditedIndex, describe

# A template's estimated cost "rises" without an index beyond this share
# (explain's threshold for a real difference).
COST_TOLERANCE = NO_GAIN


@dataclass(frozen=True)
class CostRise:
    """A template that gets dearer without an index: measured (seconds) or estimated
    (row steps), as its Redundancy's ``basis`` says."""

    template_id: str
    count: int
    cost_with: float | None  # per execution; None when the template cannot be costed
    cost_without: float | None
    plan_without: tuple[str, ...]


@dataclass(frozen=True)
class Redundancy:
    index: str
    definition: str
    kind: str  # "duplicate", "prefix", "rowid"
    covered_by: str
    covered_definition: str
    verdict: str  # "redundant", "possibly redundant" (no log), "needed"
    templates_checked: int
    needed_by: tuple[CostRise, ...]
    basis: str = "estimated"  # "measured": the replays decided, in seconds
    drop_saves: bool = False  # measured: its drop makes the workload faster beyond noise


def _where_key(where: str | None) -> str:
    """A partial index's WHERE with spacing and keyword case normalised (not literals)."""
    if not where:
        return ""
    parts = re.split(r"('[^']*(?:''[^']*)*')", where)
    return "".join(p if p.startswith("'") else re.sub(r"\s+", "", p).lower() for p in parts)


def redundant(context: AuditContext, indexes: Sequence[AuditedIndex],
              dropped: frozenset[str], measured: Mapping[str, Replayed],
              ) -> tuple[Redundancy, ...]:
    """Duplicates, indexes on the rowid alone, and left prefixes a longer index covers.

    Judged one after another against the final state: what is already being dropped
    (unused, harmful, earlier redundant ones) is absent, so a covering index is never
    itself dropped and two prefixes are never dropped on each other's account.
    ``dropped``: what the drop list already holds (unused and harmful indexes);
    ``measured``: the replays, by index name."""
    dropping = set(dropped)
    by_name = {index.name: index for index in indexes}
    keys = context.facts.keys
    order = {index.name: position for position, index in enumerate(context.catalog.indexes)}
    comparable = [ix for ix in context.catalog.indexes if keys.get(ix.name) is not None]

    def full_key(index: Index) -> tuple[object, ...]:
        return (index.table.lower(), keys[index.name], _where_key(index.where))

    def keeper_rank(index: Index) -> tuple[object, ...]:
        # Keep a constraint's index, then a unique one, one not dropped already (unused
        # or harmful), one the plans use, the oldest. Not being dropped comes before
        # use: between two identical indexes SQLite's pick is a tie-break that moves
        # when one is built again, and keeping the one dropped as harmful dropped both.
        return (index.origin == "c", not index.unique, index.name in dropping,
                not by_name[index.name].used_by, order[index.name])

    out: list[Redundancy] = []

    def judged(entry: Redundancy) -> None:
        # Where the replays measured the index, they decide (the replays are empty
        # without a log); a redundant one is absent for the indexes judged after it.
        entry = _by_measure(entry, measured.get(entry.index))
        if entry.verdict == "redundant":
            dropping.add(entry.index)
        out.append(entry)

    groups: dict[tuple[object, ...], list[Index]] = {}
    for index in comparable:
        groups.setdefault(full_key(index), []).append(index)
    for group in groups.values():
        if len(group) < 2:
            continue
        keeper = min(group, key=keeper_rank)
        for index in group:
            if index is keeper or index.origin != "c":
                continue
            if index.unique and not keeper.unique:
                continue  # keeper_rank puts unique ones first; this one keeps a constraint
            judged(Redundancy(index.name, describe(index), "duplicate", keeper.name,
                              describe(keeper), "redundant", 0, ()))
    for index in comparable:
        table = context.catalog.table(index.table)
        key = keys[index.name]
        if (index.origin == "c" and table is not None
                and table.rowid_alias and index.where is None and key is not None
                and len(key) == 1 and key[0][0] == table.rowid_alias.lower()):
            judged(Redundancy(
                index.name, describe(index), "rowid", "rowid",
                f"{table.name}({table.rowid_alias}) INTEGER PRIMARY KEY", "redundant", 0, ()))
    # Longest prefixes first: a shorter one is then judged without them.
    prefixes = sorted((ix for ix in comparable if ix.origin == "c" and not ix.unique
                       and ix.name not in dropping),
                      key=lambda ix: (ix.table.lower(), -len(keys[ix.name] or ())))
    for index in prefixes:
        key = keys[index.name] or ()
        longer = sorted((other for other in comparable
                         if other is not index and other.name not in dropping
                         and other.table.lower() == index.table.lower()
                         and _where_key(other.where) == _where_key(index.where)
                         and len(keys[other.name] or ()) > len(key)
                         and (keys[other.name] or ())[:len(key)] == key),
                        key=lambda other: (len(keys[other.name] or ()), order[other.name]))
        if not longer:
            continue
        judged(_judge_prefix(context, index, longer[0], frozenset(dropping)))
    return tuple(out)


def _by_measure(entry: Redundancy, replayed: Replayed | None) -> Redundancy:
    """The verdict the replays give, where they measured the index: needed when its drop
    makes the workload slower beyond noise in some statistics state, else redundant."""
    if replayed is None:
        return entry
    needing = [s for s in replayed.states if s.effect == SAVES]
    rises = {} if not needing else {
        t.template_id: CostRise(t.template_id, t.count, t.seconds_with, t.seconds_without,
                                (t.plan_without,))
        for state in reversed(needing) for t in state.faster}
    checked = max(len(s.templates) for s in replayed.states)
    return Redundancy(entry.index, entry.definition, entry.kind, entry.covered_by,
                      entry.covered_definition, "needed" if needing else "redundant", checked,
                      tuple(sorted(rises.values(), key=lambda r: -_weighted_rise(r))),
                      "measured", any(s.effect == HARMFUL for s in replayed.states))


def _judge_prefix(context: AuditContext, index: Index, longer: Index,
                  dropping: frozenset[str]) -> Redundancy:
    """Redundant when no template on its table gets dearer (estimated) without it, in
    today's statistics state and after ANALYZE."""
    if context.workload is None:
        return Redundancy(index.name, describe(index), "prefix", longer.name,
                          describe(longer), "possibly redundant", 0, ())
    templates = context.on_table(index.table)
    planners = [context.current]
    if context.analyzed is not None:
        planners.append(context.analyzed)
    base = dropping
    rises: dict[str, CostRise] = {}
    for planner in planners:
        for tid in templates:
            statement = context.templates[tid][0]
            with_it = planner.plan(statement, base)
            without = planner.plan(statement, base | {index.name})
            if with_it.lines() == without.lines():
                continue
            cost_with, cost_without = context.cost(tid, with_it), context.cost(tid, without)
            # A changed plan that cannot be costed counts as needing the index.
            rose = (cost_with is None or cost_without is None
                    or cost_without > cost_with * (1 + COST_TOLERANCE))
            if rose and tid not in rises:
                rises[tid] = CostRise(tid, context.count(tid), cost_with, cost_without,
                                      tuple(without.lines()))
    needed = sorted(rises.values(), key=lambda r: -_weighted_rise(r))
    return Redundancy(index.name, describe(index), "prefix", longer.name, describe(longer),
                      "needed" if needed else "redundant", len(templates), tuple(needed))


def _weighted_rise(rise: CostRise) -> float:
    if rise.cost_with is None or rise.cost_without is None:
        return float("inf")
    return (rise.cost_without - rise.cost_with) * rise.count
