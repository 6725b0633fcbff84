"""Explain: per template, the plan and cost today and with candidate indexes.

For every template: the plan SQLite chooses with today's indexes and its
estimated cost; the same with the indexes the user named (``--index``); with
each candidate on its own, and a reason on each (advisor.model.reasons: how
much it saves, or why it does not); and, when today's plan sorts for its ORDER BY in a temp b-tree,
the smallest combinations of candidates that let SQLite avoid that sort.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from advisor.analysis.workload import Workload
from advisor.candidates.generate import Candidate, CandidateSet, Dropped, generate
from advisor.catalog.index_lists import check_index
from advisor.costing.pricing import Price, Pricer, estimated_pricer
from advisor.digest.digest import TemplateStats
from advisor.digest.fingerprint import Template
from advisor.model.access import Analysis
from advisor.model.indexes import IndexSpec
from advisor.model.ranking import ESTIMATED_COST, LOGGED_TIME, SELECTION
from advisor.model.reasons import Decision, Reason
from advisor.whatif.planner import WhatIf, WhatIfCounters

TEMP_SORT = "USE TEMP B-TREE FOR"
MAX_COMBINATION_CANDIDATES = 24  # pairs of at most this many: 276 what-if calls
NO_GAIN = 0.005
# What a candidate's saving is measured against, as the reason sentences say it.
BESIDE_TODAY = "today's indexes"
OF_TEMPLATE = "the template's cost"


@dataclass(frozen=True)
class Costed:
    """One template under one index configuration, as the explanation names it."""

    label: str
    price: Price

    @property
    def total(self) -> float:
        return self.price.total

    @property
    def sorts_for_order_by(self) -> bool:
        """A temp b-tree sorts for the ORDER BY, wholly or in part (its right part,
        its last term): SQLite prints all of these with ``ORDER BY`` in them."""
        return any(step.detail.startswith(TEMP_SORT) and "ORDER BY" in step.detail
                   for step in self.price.plan.steps)


@dataclass(frozen=True)
class Verdict:
    """What one candidate does for one template."""

    spec: IndexSpec
    shapes: tuple[str, ...]
    costed: Costed
    saving: float  # share of today's cost saved (negative: costs more)
    decision: Decision  # SAVES, NO_GAIN, COSTS_MORE or UNUSED


@dataclass(frozen=True)
class TemplateExplanation:
    stats: TemplateStats
    analysis: Analysis
    today: Costed | None
    given: tuple[Costed, ...]  # the --index set together, then each alone when several
    verdicts: tuple[Verdict, ...]
    dropped: tuple[Dropped, ...]
    order_free: tuple[Costed, ...]

    @property
    def template(self) -> Template:
        return self.stats.template

    @property
    def best(self) -> Verdict | None:
        useful = [v for v in self.verdicts if v.decision.code is Reason.SAVES]
        return min(useful, key=lambda v: v.costed.total) if useful else None


class Explainer:
    """Explains templates, every configuration priced by one pricer."""

    def __init__(self, pricer: Pricer) -> None:
        self.pricer = pricer

    def cost(self, template_id: str, indexes: Sequence[IndexSpec], label: str) -> Costed:
        return Costed(label, self.pricer.price(template_id, indexes))

    def explain(self, stats: TemplateStats, analysis: Analysis, candidates: CandidateSet,
                given: Sequence[IndexSpec] = (), combinations: bool = True,
                ) -> TemplateExplanation:
        template_id = stats.template.id
        dropped = tuple(d for d in candidates.dropped if template_id in d.templates)
        if template_id not in self.pricer.templates:
            return TemplateExplanation(stats, analysis, None, (), (), dropped, ())
        today = self.cost(template_id, (), "today's indexes")
        sets = [tuple(given)] if given else []
        if len(given) > 1:
            sets += [(spec,) for spec in given]
        given_costed = tuple(self.cost(template_id, specs, "with " + _names(specs))
                             for specs in sets)
        mine = candidates.for_template(template_id)
        verdicts = tuple(self._verdict(template_id, candidate, today) for candidate in mine)
        order_free: tuple[Costed, ...] = ()
        if combinations and today.sorts_for_order_by:
            order_free = self._order_free(template_id, [c.spec for c in mine], given)
        return TemplateExplanation(stats, analysis, today, given_costed, verdicts, dropped,
                                   order_free)

    def _verdict(self, template_id: str, candidate: Candidate, today: Costed) -> Verdict:
        costed = self.cost(template_id, (candidate.spec,), "with " + str(candidate.spec))
        name = WhatIf.hypothetical_name(candidate.spec)
        used = name is not None and name in costed.price.plan.indexes_used()
        saving = 1 - costed.total / today.total if today.total else 0.0
        if not used:
            decision = Decision.of(Reason.UNUSED)
        elif saving > NO_GAIN:
            decision = Decision.of(Reason.SAVES, share=saving, of=OF_TEMPLATE,
                                   beside=BESIDE_TODAY)
        elif saving < -NO_GAIN:
            decision = Decision.of(Reason.COSTS_MORE, rise=-saving, of=OF_TEMPLATE,
                                   beside=BESIDE_TODAY)
        else:
            decision = Decision.of(Reason.NO_GAIN, beside=BESIDE_TODAY)
        return Verdict(candidate.spec, candidate.shapes, costed, saving, decision)

    def _order_free(self, template_id: str, specs: list[IndexSpec],
                    given: Sequence[IndexSpec]) -> tuple[Costed, ...]:
        """The smallest candidate sets (one or two, plus --index ones) whose plan needs no
        temp b-tree for the ORDER BY."""
        pool = list(dict.fromkeys([*given, *specs]))[:MAX_COMBINATION_CANDIDATES]
        found: list[Costed] = []
        singles_ok: set[IndexSpec] = set()
        for size in (1, 2):
            for combo in itertools.combinations(pool, size):
                if size == 2 and (combo[0] in singles_ok or combo[1] in singles_ok):
                    continue  # not minimal
                costed = self.cost(template_id, combo, "with " + _names(combo))
                if not costed.sorts_for_order_by and costed.price.plan.error is None:
                    found.append(costed)
                    if size == 1:
                        singles_ok.add(combo[0])
        return tuple(sorted(found, key=lambda c: c.total))


def _names(specs: Iterable[IndexSpec]) -> str:
    return " + ".join(str(spec) for spec in specs)


def ranked_by(workload: Workload, selected: bool = False) -> str:
    """What ``explain_workload`` ranks templates by: none when they were named
    (``selected``); their logged time where the log carries durations, else their
    estimated cost today."""
    if selected:
        return SELECTION
    return LOGGED_TIME if workload.digest.total_ns else ESTIMATED_COST


def explain_workload(workload: Workload, given: Sequence[IndexSpec] = (),
                     template_ids: Sequence[str] = (), top: int | None = None,
                     combinations: bool = True,
                     ) -> tuple[list[TemplateExplanation], WhatIfCounters]:
    """Explain the selected templates (by id prefix), or the ``top`` ones by logged time,
    or, where the log carries no durations, by estimated cost today (``ranked_by``)."""
    for spec in given:
        check_index(spec, workload.catalog)
    with estimated_pricer(workload) as pricer:
        candidate_set = generate(workload.analyses, workload.catalog, workload.statistics)
        explainer = Explainer(pricer)
        ranked = workload.digest.ranked("time")
        if template_ids:
            named = set(workload.template_ids(template_ids))
            chosen = [s for s in ranked if s.template.id in named]
        else:
            if ranked_by(workload) == ESTIMATED_COST:
                # By count, a newcomer's top 10 left out the templates with 89% of the cost.
                today = {t: pricer.priced(t, ()).weighted for t in pricer.templates}
                ranked.sort(key=lambda s: -today.get(s.template.id, 0.0))
            chosen = ranked if top is None else ranked[:top]
        explanations = [
            explainer.explain(stats, workload.analyses[stats.template.id], candidate_set, given,
                              combinations)
            for stats in chosen
        ]
        return explanations, pricer.whatif.counters
