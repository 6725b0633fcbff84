"""Explain: per template, the plan and cost today and with candidate indexes.

For every template: the plan SQLite chooses with today's indexes and its
estimated cost; the same with the indexes the user named (``--index``); with
each candidate on its own, and a verdict on each (used and how much it saves,
or why not); and, when today's plan sorts for its ORDER BY in a temp b-tree,
the smallest combinations of candidates that let SQLite avoid that sort.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from advisor.analysis.workload import Workload
from advisor.candidates.generate import Candidate, CandidateSet, Dropped, generate
from advisor.catalog.index_lists import check_index
from advisor.catalog.statistics import Statistics
from advisor.costing.estimate import Estimate, estimate_plan, maintenance
from advisor.digest.digest import TemplateStats
from advisor.digest.fingerprint import Template
from advisor.model.access import Analysis
from advisor.model.indexes import IndexSpec
from advisor.whatif.planner import Plan, WhatIf, WhatIfCounters

TEMP_SORT = "USE TEMP B-TREE FOR"
MAX_COMBINATION_CANDIDATES = 24  # pairs of at most this many: 276 what-if calls
_LIMIT = re.compile(r"\bLIMIT\s+(\d+)", re.I)
NO_GAIN = 0.005


@dataclass(frozen=True)
class Costed:
    """One template under one index configuration."""

    label: str
    indexes: tuple[IndexSpec, ...]
    plan: Plan
    estimate: Estimate
    upkeep: float  # index maintenance per execution (writes only)

    @property
    def total(self) -> float:
        return self.estimate.total + self.upkeep

    @property
    def sorts_for_order_by(self) -> bool:
        """A temp b-tree sorts for the ORDER BY, wholly or in part (its right part,
        its last term): SQLite prints all of these with ``ORDER BY`` in them."""
        return any(step.detail.startswith(TEMP_SORT) and "ORDER BY" in step.detail
                   for step in self.plan.steps)


@dataclass(frozen=True)
class Verdict:
    """What one candidate does for one template."""

    spec: IndexSpec
    shapes: tuple[str, ...]
    costed: Costed
    saving: float  # share of today's cost saved (negative: costs more)
    verdict: str  # "saves", "used, no gain", "costs more", "not used by the planner"


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
        useful = [v for v in self.verdicts if v.verdict == "saves"]
        return min(useful, key=lambda v: v.costed.total) if useful else None


def limit_hint(samples: Iterable[str]) -> int | None:
    """The LIMIT value the samples used (their largest), if any."""
    values = [int(m.group(1)) for sql in samples for m in _LIMIT.finditer(sql)]
    return max(values) if values else None


class Explainer:
    """Costs templates under configurations, sharing one what-if planner."""

    def __init__(self, whatif: WhatIf, statistics: Statistics,
                 value_matches: Mapping[str, Mapping[tuple[str, frozenset[str]], float]]
                 | None = None) -> None:
        self.whatif = whatif
        self.statistics = statistics
        self.existing = tuple(ix.spec for ix in whatif.catalog.indexes)
        # Per template: rows its replayed values match (advisor.replay.matches), for costing.
        self.value_matches = value_matches or {}

    def cost(self, stats: TemplateStats, analysis: Analysis, indexes: Sequence[IndexSpec],
             label: str) -> Costed:
        plan = self.whatif.plan(stats.template.text, analysis.tables, indexes)
        matches = self.value_matches.get(stats.template.id)
        statistics = self.statistics.with_matches(matches) if matches else self.statistics
        estimate = estimate_plan(plan, analysis.reads, statistics,
                                 limit_hint(s.sql for s in stats.samples), analysis.returns)
        upkeep = 0.0
        if analysis.write is not None:
            upkeep = maintenance(analysis.write, (*self.existing, *indexes),
                                 self.statistics).total
        return Costed(label, tuple(indexes), plan, estimate, upkeep)

    def explain(self, stats: TemplateStats, analysis: Analysis, candidates: CandidateSet,
                given: Sequence[IndexSpec] = (), combinations: bool = True,
                ) -> TemplateExplanation:
        template_id = stats.template.id
        dropped = tuple(d for d in candidates.dropped if template_id in d.templates)
        if not analysis.ok or (not analysis.reads and analysis.write is None):
            return TemplateExplanation(stats, analysis, None, (), (), dropped, ())
        today = self.cost(stats, analysis, (), "today's indexes")
        sets = [tuple(given)] if given else []
        if len(given) > 1:
            sets += [(spec,) for spec in given]
        given_costed = tuple(self.cost(stats, analysis, specs, "with " + _names(specs))
                             for specs in sets)
        mine = candidates.for_template(template_id)
        verdicts = tuple(self._verdict(stats, analysis, candidate, today)
                         for candidate in mine)
        order_free: tuple[Costed, ...] = ()
        if combinations and today.sorts_for_order_by:
            order_free = self._order_free(stats, analysis, [c.spec for c in mine], given)
        return TemplateExplanation(stats, analysis, today, given_costed, verdicts, dropped,
                                   order_free)

    def _verdict(self, stats: TemplateStats, analysis: Analysis, candidate: Candidate,
                 today: Costed) -> Verdict:
        costed = self.cost(stats, analysis, (candidate.spec,), "with " + str(candidate.spec))
        name = self.whatif.hypothetical_name(candidate.spec)
        used = name is not None and name in costed.plan.indexes_used()
        saving = 1 - costed.total / today.total if today.total else 0.0
        if not used:
            verdict = "not used by the planner"
        elif saving > NO_GAIN:
            verdict = "saves"
        elif saving < -NO_GAIN:
            verdict = "costs more"
        else:
            verdict = "used, no gain"
        return Verdict(candidate.spec, candidate.shapes, costed, saving, verdict)

    def _order_free(self, stats: TemplateStats, analysis: Analysis, specs: list[IndexSpec],
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
                costed = self.cost(stats, analysis, combo, "with " + _names(combo))
                if not costed.sorts_for_order_by and costed.plan.error is None:
                    found.append(costed)
                    if size == 1:
                        singles_ok.add(combo[0])
        return tuple(sorted(found, key=lambda c: c.total))


def _names(specs: Iterable[IndexSpec]) -> str:
    return " + ".join(str(spec) for spec in specs)


def explain_workload(workload: Workload, given: Sequence[IndexSpec] = (),
                     template_ids: Sequence[str] = (), top: int | None = None,
                     combinations: bool = True,
                     ) -> tuple[list[TemplateExplanation], WhatIfCounters]:
    """Explain the selected templates (by id prefix), or the ``top`` ones by logged time."""
    for spec in given:
        check_index(spec, workload.catalog)
    whatif = WhatIf(workload.catalog, workload.statistics)
    candidate_set = generate(workload.analyses, workload.catalog, workload.statistics)
    explainer = Explainer(whatif, workload.statistics)
    ranked = workload.digest.ranked("time")
    if template_ids:
        named = set(workload.template_ids(template_ids))
        chosen = [s for s in ranked if s.template.id in named]
    else:
        chosen = ranked if top is None else ranked[:top]
    explanations = [
        explainer.explain(stats, workload.analyses[stats.template.id], candidate_set, given,
                          combinations)
        for stats in chosen
    ]
    return explanations, whatif.counters
