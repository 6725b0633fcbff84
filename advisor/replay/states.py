"""Both statistics states: a template's price is the worse of its measured time as found
and after ANALYZE.

A database without sqlite_stat1 is planned without statistics today, but a
later ANALYZE (or ``PRAGMA optimize``, which runs it on its own) changes
SQLite's plans: an index that saves time as found can slow a query after
ANALYZE, the planner then preferring it where a scan was faster. On TPC-H SF
0.01 the set measured as found alone ran 0.79x the ``.expert`` union as found
and 2.02x after ANALYZE (skip-scans over lineitem through a two-column index;
docs/benchmarks.md). Rejecting, after the search, each index whose absence made
the analysed workload faster was tried: the analysed planner moved to another
poor plan. So the search itself weighs both states: ``BothStates`` prices a
template under a configuration by the worse of two ``MeasuredPricer``s, one on
copies as found and one on copies analysed, and every comparison is timed in
both where the plans differ. The workload's price is then a bound on its time
in either state, and a set chosen on it is good in both: an index that slows
a template after ANALYZE pays for all of it (priced by the mean, it paid half,
and on TPC-H a two-column lineitem index whose skip-scans doubled two queries'
time after ANALYZE still earned its place), and an index that pays in one state
only earns nothing until it pays in the other.

The two share their measurements: the same plan on the same data is the same
work, so a template the what-if planner plans alike in both states is timed
once (on the copies as found) and its difference between two configurations
counts for both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

from advisor.costing.pricing import EstimatedPricer, Price, Pricer, WorkloadPrice
from advisor.model.frozen import frozen_mapping
from advisor.model.indexes import IndexSpec
from advisor.replay.measure import ANALYZED, AS_FOUND
from advisor.replay.noise import Difference
from advisor.replay.pricing import Comparison, MeasuredPricer, MeasuringCounters
from advisor.whatif.planner import WhatIf


class BothStates(Pricer):
    """The worse of a pricer on copies as found and one on analysed copies sharing its
    measurements (``MeasuredPricer(..., shared=found)``), template by template."""

    def __init__(self, found: MeasuredPricer, analysed: MeasuredPricer) -> None:
        super().__init__(found.views)
        self.found = found
        self.analysed = analysed
        self._version = (0, 0)

    @property
    def states(self) -> tuple[str, ...]:
        return (AS_FOUND, ANALYZED)

    @property
    def estimated(self) -> EstimatedPricer:
        return self.found.estimated

    @property
    def whatif(self) -> WhatIf:
        return self.found.whatif

    @property
    def replayable(self) -> tuple[str, ...]:
        return self.found.replayable

    @property
    def untrusted(self) -> set[str]:
        """Templates SQLite planned otherwise than the what-if planner, in either state."""
        return self.found.untrusted | self.analysed.untrusted

    def price(self, template_id: str, indexes: Sequence[IndexSpec]) -> Price:
        found = self.found.price(template_id, indexes)
        analysed = self.analysed.price(template_id, indexes)
        worse = found if found.total >= analysed.total else analysed
        return replace(worse, measured=found.measured and analysed.measured)

    def each_state(self, template_id: str, config: Iterable[IndexSpec]) -> tuple[Price, ...]:
        """The template's price as found and after ANALYZE."""
        config = tuple(config)
        return (self.found.priced(template_id, config),
                self.analysed.priced(template_id, config))

    def used_together(self, template_id: str, config: Iterable[IndexSpec]
                      ) -> tuple[frozenset[IndexSpec], ...]:
        config = tuple(config)
        return (*self.found.used_together(template_id, config),
                *self.analysed.used_together(template_id, config))

    def totals(self, config: frozenset[IndexSpec]) -> WorkloadPrice:
        version = (self.found.version, self.analysed.version)
        if version != self._version:  # a timing recorded in either: memoised totals stale
            self._totals.clear()
            self._version = version
        return super().totals(config)

    def named_in_plan(self, template_id: str, config: Iterable[IndexSpec]
                      ) -> frozenset[IndexSpec] | None:
        """The indexes SQLite's plans on the copies name in either state, where both
        are known."""
        config = tuple(config)
        found = self.found.named_in_plan(template_id, config)
        analysed = self.analysed.named_in_plan(template_id, config)
        return None if found is None or analysed is None else found | analysed

    def built_sizes(self) -> Mapping[IndexSpec, int]:
        """The bytes of each index built on a copy in either state (the same data: the
        same size)."""
        return frozen_mapping({**self.analysed.built_sizes(), **self.found.built_sizes()})

    def is_measured(self, template_id: str, config: Iterable[IndexSpec]) -> bool:
        config = tuple(config)
        return (self.found.is_measured(template_id, config)
                and self.analysed.is_measured(template_id, config))

    def measure(self, configs: Iterable[frozenset[IndexSpec]],
                templates: Iterable[str] | None = None, verify: bool = False) -> int:
        """Both states; the analysed one times only what is planned otherwise there
        (``verify``: see MeasuredPricer.measure)."""
        configs, templates = list(configs), None if templates is None else list(templates)
        return (self.found.measure(configs, templates, verify)
                + self.analysed.measure(configs, templates, verify))

    def compare(self, base: frozenset[IndexSpec], others: Sequence[frozenset[IndexSpec]],
                templates: Iterable[str] | None = None,
                settled: float | None = None, closer: bool = False,
                on_copies: bool = False) -> list[Comparison]:
        """Each comparison timed as found, and after ANALYZE on the templates planned
        otherwise there under either side, or that SQLite once planned otherwise than
        the what-if planner after ANALYZE (``untrusted``); per template, the worse
        state's time on each side. ``closer`` and ``on_copies`` as
        MeasuredPricer.compare's; ``on_copies`` plans every template the comparison
        touches on analysed copies too."""
        wanted = None if templates is None else list(templates)
        found = self.found.compare(base, others, wanted, settled, closer, on_copies)
        out = []
        for other, as_found in zip(others, found, strict=True):
            touched = [t for t in (wanted if wanted is not None else self.replayable)
                       if self.restrict(base, t) != self.restrict(other, t)]
            apart = touched if on_copies else [
                t for t in touched if t in self.analysed.untrusted
                or self._planned_otherwise(t, base) or self._planned_otherwise(t, other)]
            analysed = (self.analysed.compare(base, [other], apart, settled, closer,
                                              on_copies)[0] if apart else None)
            out.append(self._worse(as_found, analysed, set(apart)))
        return out

    def _planned_otherwise(self, template_id: str, config: frozenset[IndexSpec]) -> bool:
        return (self.found.key(template_id, config).plan
                != self.analysed.key(template_id, config).plan)

    def _worse(self, found: Comparison, analysed: Comparison | None,
               apart: set[str]) -> Comparison:
        """Per template, its difference between the worse state on each side: where
        the plans are alike in both, the one measured as found stands for both."""
        templates, plans, steps = dict(found.templates), dict(found.plans), dict(found.steps)
        if analysed is not None:
            for template in apart:
                mine, theirs = found.templates.get(template), analysed.templates.get(template)
                if mine is None and theirs is None:
                    continue
                templates[template] = _worse(
                    mine or self._nought(self.found, template, found.base),
                    theirs or self._nought(self.analysed, template, found.base))
                if template in analysed.plans:
                    plans[template] = analysed.plans[template]
                    steps[template] = analysed.steps[template]
        return Comparison(found.base, found.other, frozen_mapping(templates),
                          frozen_mapping(plans), frozen_mapping(steps),
                          frozen_mapping({AS_FOUND: found.templates, ANALYZED: (
                              analysed.templates if analysed is not None
                              else frozen_mapping({}))}))

    @staticmethod
    def _nought(pricer: MeasuredPricer, template_id: str,
                config: frozenset[IndexSpec]) -> Difference:
        """No difference in one state (the same work on both sides), at its price there."""
        weighted = pricer.priced(template_id, config).weighted
        return Difference(0.0, 0.0, 0.0, weighted, weighted)

    def counters(self) -> MeasuringCounters:
        """Both pricers' counts added; the measured work, shared, once (and the copies and
        their builds, where the two states share them)."""
        a, b = self.found.counters(), self.analysed.counters()
        once = {"measured"}
        if self.found.bench.counters is self.analysed.bench.counters:  # copies shared
            once |= set(_BENCH)
        added: dict[str, Any] = {}
        for field in fields(MeasuringCounters):
            x, y = getattr(a, field.name), getattr(b, field.name)
            if field.name in once:
                added[field.name] = x
            elif field.name == "steps":
                added[field.name] = _fuller(x, y)
            elif isinstance(x, tuple):
                added[field.name] = tuple(dict.fromkeys((*x, *y)))
            elif isinstance(x, int | float):
                added[field.name] = x + y
            else:  # outcomes: counts by status
                added[field.name] = frozen_mapping(
                    {k: x.get(k, 0) + y.get(k, 0) for k in {*x, *y}})
        return MeasuringCounters(**added)


_BENCH = ("copies", "copy_seconds", "builds", "build_seconds", "drops")  # a workbench's counts


def _fuller(a: object, b: object) -> object:
    """The step check over more pairs."""
    pairs = [getattr(x, "pairs", -1) for x in (a, b)]
    return a if pairs[0] >= pairs[1] else b


def _worse(a: Difference, b: Difference) -> Difference:
    """Two states' differences of one template: the worse state's time on each side. When
    one state is the worse on both sides its difference stands, with its own noise;
    else the jitter of both, and the larger floor."""
    for one, another in ((a, b), (b, a)):
        if one.base >= another.base and one.other >= another.other:
            return one
    base, other = max(a.base, b.base), max(a.other, b.other)
    return Difference(other - base, math.hypot(a.jitter, b.jitter), max(a.floor, b.floor),
                      base, other)


Measuring = MeasuredPricer | BothStates  # what the measured search prices with
