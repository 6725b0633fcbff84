"""Ordering: the phases in which to build a chosen index set.

Build first what saves most given what is already built: each step adds the
index with the largest marginal saving over the indexes before it. Indexes
that pay off only together (neither saves alone, the pair does) form one step.
A new phase starts when a step's saving per byte falls below a tenth of the
saving per byte of its phase's first step (``PHASE_DROP``): one phase holds
steps of the same order of worth, the next phase can wait.

Each phase reports the share of the achievable saving reached once it is
built, the write cost it adds (index upkeep on the workload's writes) and the
bytes it adds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from advisor.model.indexes import IndexSpec

PHASE_DROP = 10.0

# (total cost, write upkeep) of the workload under a configuration
Costs = Callable[[frozenset[IndexSpec]], tuple[float, float]]


@dataclass(frozen=True)
class Step:
    indexes: tuple[IndexSpec, ...]  # one, or a group that pays off only together
    saving: float  # marginal, in workload cost units
    write_cost: float  # marginal index upkeep on the workload's writes
    bytes: int

    @property
    def saving_per_byte(self) -> float:
        return self.saving / max(self.bytes, 1)


@dataclass(frozen=True)
class Phase:
    number: int
    steps: tuple[Step, ...]
    cumulative_share: float  # of the achievable saving, once this phase is built
    write_cost: float
    bytes: int

    @property
    def indexes(self) -> tuple[IndexSpec, ...]:
        return tuple(spec for step in self.steps for spec in step.indexes)


def order_steps(chosen: frozenset[IndexSpec], costs: Costs,
                bytes_of: Mapping[IndexSpec, int]) -> list[Step]:
    """The chosen indexes as build steps, most valuable first."""
    built: frozenset[IndexSpec] = frozenset()
    current_total, current_upkeep = costs(built)
    remaining = set(chosen)
    steps: list[Step] = []
    while remaining:
        unit = _best_unit(built, remaining, costs, current_total)
        total, upkeep = costs(built | unit)
        steps.append(Step(tuple(sorted(unit)), current_total - total, upkeep - current_upkeep,
                          sum(bytes_of[spec] for spec in unit)))
        built |= unit
        remaining -= unit
        current_total, current_upkeep = total, upkeep
    return steps


def _best_unit(built: frozenset[IndexSpec], remaining: set[IndexSpec], costs: Costs,
               current: float) -> frozenset[IndexSpec]:
    """The single index that saves most; else the pair that does; else all the rest."""
    ranked = sorted(remaining)
    singles = [(current - costs(built | {spec})[0], spec) for spec in ranked]
    best_saving, best = max(singles, key=lambda pair: pair[0])
    if best_saving > 0:
        return frozenset({best})
    pairs = [(current - costs(built | set(pair))[0], pair)
             for pair in itertools.combinations(ranked, 2)]
    if pairs:
        pair_saving, pair = max(pairs, key=lambda item: item[0])
        if pair_saving > 0:
            return frozenset(pair)
    return frozenset(remaining)


def group_phases(steps: list[Step], costs: Costs, baseline: float,
                 final: float) -> tuple[Phase, ...]:
    """Cut the steps into phases where saving per byte drops by PHASE_DROP."""
    groups: list[list[Step]] = []
    for step in steps:
        if groups and step.saving_per_byte * PHASE_DROP >= groups[-1][0].saving_per_byte:
            groups[-1].append(step)
        else:
            groups.append([step])
    achievable = baseline - final
    phases = []
    built: frozenset[IndexSpec] = frozenset()
    for number, group in enumerate(groups, start=1):
        built |= {spec for step in group for spec in step.indexes}
        total, _ = costs(built)
        share = (baseline - total) / achievable if achievable > 0 else 1.0
        phases.append(Phase(number, tuple(group), share,
                            sum(step.write_cost for step in group),
                            sum(step.bytes for step in group)))
    return tuple(phases)
