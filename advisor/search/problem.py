"""Problem: what the search is asked, built from a pricer.

The cost of a configuration is, over every template the pricer prices, its
weighted price under the configuration (advisor.costing.pricing). The search
(advisor.search.search) needs that as a per-template cost function, which
candidates can change which template (those on a table the template reads or
writes) and each candidate's size; prices are memoised by whatever the
pricer keeps underneath (the what-if cache, for estimates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from advisor.candidates.generate import CandidateSet
from advisor.costing.pricing import Pricer
from advisor.model.indexes import IndexSpec
from advisor.search.search import Problem


def build_problem(pricer: Pricer, candidates: Iterable[IndexSpec],
                  size: Callable[[IndexSpec], int],
                  existing: Iterable[IndexSpec] = (),
                  narrower: Mapping[IndexSpec, tuple[IndexSpec, ...]] | None = None
                  ) -> Problem:
    """The search problem over ``candidates`` (``existing``: those the database has;
    ``narrower``: the variants of some without their wide columns), each ``size(spec)``
    bytes, for the templates ``pricer`` prices."""
    specs = tuple(sorted(set(candidates)))
    by_table: dict[str, set[IndexSpec]] = {}
    for spec in specs:
        by_table.setdefault(spec.table.lower(), set()).add(spec)
    relevant = {
        tid: frozenset(s for table in pricer.tables_of(tid) for s in by_table.get(table, ()))
        for tid in pricer.templates
    }

    def cost(template_id: str, config: frozenset[IndexSpec]) -> float:
        return pricer.priced(template_id, config).weighted

    return Problem(candidates=specs, templates=pricer.templates, relevant=relevant,
                   bytes_of={spec: size(spec) for spec in specs}, cost=cost,
                   existing=frozenset(existing), bundles=bundles(pricer, relevant),
                   writes=frozenset(t for t in pricer.templates
                                    if pricer.views[t].write is not None),
                   narrower=dict(narrower or {}))


def bundles(pricer: Pricer, relevant: Mapping[str, frozenset[IndexSpec]]
            ) -> tuple[frozenset[IndexSpec], ...]:
    """Per template, the candidates its plan uses when all of its own are there (in each
    statistics state it is planned in), where that is two or more: a join chain such
    as nation(n_name) -> supplier(s_nationkey) -> lineitem(l_suppkey, ...) saves only
    whole, so no single or pair move of the greedy search finds it (.expert proposes
    such sets statement by statement)."""
    found = {used for tid, candidates in relevant.items() if len(candidates) > 1
             for used in pricer.used_together(tid, candidates) if len(used) > 1}
    return tuple(sorted(found, key=lambda b: sorted(b)))


def candidate_specs(candidate_set: CandidateSet) -> tuple[IndexSpec, ...]:
    return tuple(candidate.spec for candidate in candidate_set.kept)
