"""Problem: what the search is asked, built from a pricer.

The cost of a configuration is, over every template the pricer prices, its
weighted price under the configuration (advisor.costing.pricing). The search
(advisor.search.search) needs that as a per-template cost function, which
candidates can change which template (those on a table the template reads or
writes) and each candidate's size; prices are memoised by whatever the
pricer keeps underneath (the what-if cache, for estimates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from advisor.candidates.generate import CandidateSet
from advisor.costing.pricing import Pricer
from advisor.model.indexes import IndexSpec
from advisor.search.search import Problem


def build_problem(pricer: Pricer, candidates: Iterable[IndexSpec],
                  size: Callable[[IndexSpec], int],
                  existing: Iterable[IndexSpec] = ()) -> Problem:
    """The search problem over ``candidates`` (``existing``: those the database has),
    each ``size(spec)`` bytes, for the templates ``pricer`` prices."""
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
                   existing=frozenset(existing))


def candidate_specs(candidate_set: CandidateSet) -> tuple[IndexSpec, ...]:
    return tuple(candidate.spec for candidate in candidate_set.kept)
