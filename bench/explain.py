"""Explain throughput: analyse and cost every template of the Torc workload.

    python bench/explain.py [--log workloads/torc/workload.sqlx.log] [--repeat 3]

Times, in one process and in order: the digest of the log, the analysis of
every template (sqlglot parse and bind, once per template), candidate
generation, and the what-if planning and costing of every template against
each of its candidates (plus the pairs that could avoid an ORDER BY sort).
Reports what-if calls and the cache hit rate, and writes its section of
docs/benchmarks.md. Medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import benchdoc

from advisor.advise.explain import explain_workload
from advisor.analysis.analyze import analyze_all
from advisor.analysis.workload import Sources, Workload, resolve_catalog, resolve_statistics
from advisor.candidates.generate import generate
from advisor.digest.digest import DigestOptions, digest_logs

DEFAULT_LOG = benchdoc.ROOT / "workloads" / "torc" / "workload.sqlx.log"


@dataclass(frozen=True)
class Timing:
    digest_s: float
    analysis_s: float
    candidates_s: float
    explain_s: float
    templates: int
    analysed: int
    candidates: int
    calls: int
    hits: int


def measure(log: Path) -> Timing:
    start = time.perf_counter()
    digest = digest_logs([str(log)], DigestOptions(workers=1))
    digested = time.perf_counter()
    catalog, schema = resolve_catalog([str(log)], None, None)
    stats, stats_from = resolve_statistics(catalog, [str(log)], None, None)
    templates = [s.template for s in digest.templates.values()]
    samples = {tid: [s.sql for s in st.samples] for tid, st in digest.templates.items()}
    before = time.perf_counter()
    analyses = analyze_all(templates, catalog, samples)
    analysed = time.perf_counter()
    workload = Workload(digest, catalog, stats, analyses, Sources(schema, stats_from))
    candidate_set = generate(analyses, catalog, stats)
    generated = time.perf_counter()
    explanations, counters = explain_workload(workload, top=None)
    explained = time.perf_counter()
    assert len(explanations) == len(templates)
    return Timing(
        digest_s=digested - start,
        analysis_s=analysed - before,
        candidates_s=generated - analysed,
        explain_s=explained - generated,
        templates=len(templates),
        analysed=sum(a.ok for a in analyses.values()),
        candidates=len(candidate_set.kept),
        calls=counters.calls,
        hits=counters.hits,
    )


def render(runs: list[Timing], log: Path, repeat: int) -> str:
    begin, end = benchdoc.markers("explain")
    first = runs[0]

    def median(attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in runs)

    rows = [
        ("digest the log", median("digest_s")),
        ("analyse every template (sqlglot parse + bind)", median("analysis_s")),
        ("generate candidates", median("candidates_s")),
        ("plan and cost every template against its candidates", median("explain_s")),
    ]
    name = log.relative_to(benchdoc.ROOT) if log.is_relative_to(benchdoc.ROOT) else log
    lines = [
        begin,
        *benchdoc.preamble("Explain: analysing and costing every Torc template",
                           f"python bench/explain.py --log {name} --repeat {repeat}"),
        "",
        f"Input: `{name}`, {first.templates} templates ({first.analysed} analysed), "
        f"{first.candidates} candidate indexes after merging. Medians of {len(runs)} runs in "
        "one process each.",
        "",
        "| stage | seconds | per template (ms) |",
        "|---|--:|--:|",
        *(f"| {label} | {seconds:.2f} | {seconds / first.templates * 1000:.1f} |"
          for label, seconds in rows),
        "",
        f"What-if plans asked: {first.calls:,}; from the cache: {first.hits:,} "
        f"({first.hits / first.calls * 100:.0f}%). Each template is planned with today's "
        "indexes, with each of its candidates alone, and, where today's plan sorts for its "
        "ORDER BY, with every pair of its candidates; the cache answers repeats of a "
        "(statement, indexes on its tables) pair.",
        end,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=benchdoc.BENCHMARKS_MD)
    args = parser.parse_args()
    runs = [measure(args.log.resolve()) for _ in range(args.repeat)]
    section = render(runs, args.log.resolve(), args.repeat)
    benchdoc.write_section("explain", section, args.out)
    print(section)


if __name__ == "__main__":
    main()
