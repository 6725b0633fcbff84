"""The search problem built from a pricer: which candidates each template can use, and
the bundles the what-if planner uses together."""

from __future__ import annotations

from pathlib import Path

from advisor.analysis.inputs import Inputs, read_workload
from advisor.candidates.generate import generate
from advisor.costing.pricing import estimated_pricer
from advisor.search.problem import build_problem, candidate_specs
from advisor.search.search import select

SCHEMA = """
CREATE TABLE nation (n_nationkey INTEGER PRIMARY KEY, n_name TEXT NOT NULL);
CREATE TABLE supplier (s_suppkey INTEGER PRIMARY KEY, s_nationkey INTEGER NOT NULL,
                       s_name TEXT NOT NULL);
CREATE TABLE lineitem (l_id INTEGER PRIMARY KEY, l_suppkey INTEGER NOT NULL,
                       l_shipdate TEXT NOT NULL, l_price REAL NOT NULL);
"""
# TPC-H Q7's shape: the nation by name, its suppliers, their lines in a date range.
CHAIN = ("SELECT sum(l_price) FROM nation, supplier, lineitem WHERE n_name = 'FRANCE' "
         "AND s_nationkey = n_nationkey AND l_suppkey = s_suppkey "
         "AND l_shipdate >= '1995-01-01' AND l_shipdate < '1995-02-01'\n")


def test_a_join_chain_is_a_bundle_and_the_greedy_search_takes_it(tmp_path: Path) -> None:
    """Planned with every candidate of its tables, the chain's template seeks through
    three of them, nation(n_name) -> supplier(s_nationkey) -> lineitem(l_suppkey, ...):
    that is a bundle of the problem, and the greedy search chooses one like it."""
    (tmp_path / "schema.sql").write_text(SCHEMA)
    log = tmp_path / "chain.log"
    log.write_text(CHAIN * 20)
    workload = read_workload(Inputs(logs=(str(log),)))
    candidates = candidate_specs(generate(workload.analyses, workload.catalog,
                                          workload.statistics))
    with estimated_pricer(workload) as pricer:
        problem = build_problem(pricer, candidates, lambda _spec: 1)
        chains = [sorted(str(s) for s in b) for b in problem.bundles or ()]
        assert any(len(b) == 3 and {s.split("(")[0] for s in b}
                   == {"nation", "supplier", "lineitem"} for b in chains), chains
        chosen = select(problem, algorithm="greedy").chosen
        assert {spec.table for spec in chosen} == {"nation", "supplier", "lineitem"}
