"""Evaluate: a workload's cost under an index configuration, as the search needs it.

The cost of a configuration is, over every analysed template, its count times
the estimated cost of one execution: the plan SQLite chooses (what-if) priced
by the cost model, plus, for writes, the upkeep of every index on the table
written (today's and the configuration's). ``build_problem`` packages this for
``advisor.search.search``: which candidates can change which template (those on a
table the template reads or writes), each candidate's estimated size, and the
per-template cost function, memoised by the what-if cache underneath.
Sizes come from advisor.costing.sizes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from advisor.advise.explain import Explainer
from advisor.analysis.workload import Workload
from advisor.candidates.generate import CandidateSet
from advisor.costing.sizes import index_bytes
from advisor.model.indexes import IndexSpec
from advisor.search.search import Problem


@dataclass(frozen=True)
class TemplateCost:
    """One template's cost under one configuration: per execution and weighted."""

    per_execution: float
    read: float
    upkeep: float
    weighted: float


class Evaluator:
    """Prices templates under configurations; every price goes through the what-if cache."""

    def __init__(self, workload: Workload, explainer: Explainer) -> None:
        self.workload = workload
        self.explainer = explainer

    def template_cost(self, template_id: str, config: Iterable[IndexSpec]) -> TemplateCost:
        stats = self.workload.digest.templates[template_id]
        analysis = self.workload.analyses[template_id]
        costed = self.explainer.cost(stats, analysis, tuple(sorted(config)), "")
        return TemplateCost(costed.total, costed.estimate.total, costed.upkeep,
                            costed.total * stats.count)

    def tables_of(self, template_id: str) -> frozenset[str]:
        return self.workload.analyses[template_id].tables

    def restrict(self, config: Iterable[IndexSpec], template_id: str) -> frozenset[IndexSpec]:
        """The part of a configuration that can change this template: its tables' indexes."""
        tables = self.tables_of(template_id)
        return frozenset(s for s in config if s.table.lower() in tables)

    def costed_templates(self) -> tuple[str, ...]:
        """Templates whose cost an index can change: analysed, reading or writing a table."""
        return tuple(
            tid for tid, analysis in self.workload.analyses.items()
            if analysis.ok and (analysis.reads or analysis.write is not None)
        )


class WorkloadPricing:
    """Workload totals under configurations (cached): what recommend and compare report."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        self.templates = evaluator.costed_templates()
        self._cache: dict[frozenset[IndexSpec], tuple[float, float, float]] = {}

    def totals(self, config: frozenset[IndexSpec]) -> tuple[float, float, float]:
        """(total, read part, write upkeep part), all weighted by template counts."""
        found = self._cache.get(config)
        if found is None:
            total = read = upkeep = 0.0
            for tid in self.templates:
                cost = self.evaluator.template_cost(tid, self.evaluator.restrict(config, tid))
                count = self.evaluator.workload.digest.templates[tid].count
                total += cost.weighted
                read += cost.read * count
                upkeep += cost.upkeep * count
            found = self._cache[config] = (total, read, upkeep)
        return found

    def costs(self, config: frozenset[IndexSpec]) -> tuple[float, float]:
        total, _, upkeep = self.totals(config)
        return total, upkeep


def build_problem(evaluator: Evaluator, candidates: Iterable[IndexSpec],
                  existing: Iterable[IndexSpec] = ()) -> Problem:
    """The search problem over ``candidates`` (``existing``: those the database has) for
    the evaluator's workload."""
    specs = tuple(sorted(set(candidates)))
    templates = evaluator.costed_templates()
    by_table: dict[str, set[IndexSpec]] = {}
    for spec in specs:
        by_table.setdefault(spec.table.lower(), set()).add(spec)
    relevant = {
        tid: frozenset(s for table in evaluator.tables_of(tid) for s in by_table.get(table, ()))
        for tid in templates
    }
    workload = evaluator.workload
    sizes = {spec: index_bytes(spec, workload.catalog, workload.statistics) for spec in specs}

    def cost(template_id: str, config: frozenset[IndexSpec]) -> float:
        return evaluator.template_cost(template_id, config).weighted

    return Problem(candidates=specs, templates=templates, relevant=relevant, bytes_of=sizes,
                   cost=cost, existing=frozenset(existing))


def candidate_specs(candidate_set: CandidateSet) -> tuple[IndexSpec, ...]:
    return tuple(candidate.spec for candidate in candidate_set.kept)
