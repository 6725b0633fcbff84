"""Statistics from the data: what a sampled ANALYZE costs, how far it errs, which plans it fixes.

    python bench/sampled_stats.py [--log workloads/torc/workload.log] [--rounds 3]
                                  [--sizes 5000,10000,20000,50000]

Two databases: Torc's at scale 1 (synthesised from its profile, 200,000 jobs)
with the workload's candidate indexes and its own, and a TPC-H-like lineitem
synthesised here (150,000 orders of one to seven lines stored side by side,
a skewed three-valued return flag, two line statuses, 20,000 parts, 2,526
ship dates) with eight indexes. Per sample size (rows a table may have before
it is sampled): seconds (CPU and wall, medians of rounds interleaved over the
sizes), rows copied, and every sqlite_stat1 number against ANALYZE on every
row. Then Torc's plans: every template planned by the what-if planner, with
all candidates built at once and with each of its candidates alone, against
SQLite's plan on a real copy with those indexes, after ANALYZE and as found
(never analysed); with the lines guessed before (ten rows per value where no
index says) and with the sampled ones. Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import benchdoc

from advisor.analysis.workload import Workload, load_workload
from advisor.candidates.generate import generate
from advisor.candidates.sampled import with_sampled_statistics
from advisor.catalog.sampled_analyze import DEFAULT_MAX_ROWS, SampleCopy, SampleCost
from advisor.catalog.schema import load_catalog
from advisor.catalog.statistics import Statistics
from advisor.costing.pricing import template_views
from advisor.model.indexes import IndexSpec, parse_index
from advisor.replay.sandbox import copy_database
from advisor.replay.synth import cached_database
from advisor.whatif.planner import WhatIf, explain_plan, nulls_for

TORC = benchdoc.ROOT / "workloads" / "torc"
WHOLE = 10**12  # a sample size no table reaches: every table copied whole
LIMIT = 1_000  # PRAGMA analysis_limit, SQLite's own sampling, shown for comparison
LINEITEM_INDEXES = (
    "lineitem(l_returnflag)", "lineitem(l_returnflag, l_linestatus)", "lineitem(l_orderkey)",
    "lineitem(l_partkey)", "lineitem(l_shipdate)", "lineitem(l_returnflag, l_shipdate)",
    "lineitem(l_orderkey, l_partkey)", "lineitem(l_partkey) WHERE l_returnflag = 'R'")


@dataclass(frozen=True)
class Sampled:
    cpu: float
    wall: float
    lines: Mapping[IndexSpec, str]
    cost: SampleCost


def lineitem(path: Path, orders: int = 150_000) -> Path:
    rng = random.Random(11)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE lineitem (l_orderkey INTEGER, l_partkey INTEGER, "
               "l_returnflag TEXT, l_linestatus TEXT, l_shipdate INTEGER)")
    db.executemany("INSERT INTO lineitem VALUES (?, ?, ?, ?, ?)", (
        (order, rng.randrange(1, 20_001), rng.choices("ANR", (1, 2, 1))[0],
         rng.choice("FO"), rng.randrange(2_526))
        for order in range(1, orders + 1) for _ in range(rng.randrange(1, 8))))
    db.commit()
    db.close()
    return path


def timed_torc(workload: Workload, database: Path, size: int) -> Sampled:
    cpu, wall = time.process_time(), time.perf_counter()
    stats = with_sampled_statistics(workload, database, size).statistics
    assert stats.sampling is not None
    return Sampled(time.process_time() - cpu, time.perf_counter() - wall,
                   stats.index_stats, stats.sampling)


def timed_lineitem(database: Path, specs: list[IndexSpec], size: int) -> Sampled:
    cpu, wall = time.process_time(), time.perf_counter()
    with SampleCopy(database, load_catalog(database), size) as copy:
        lines = copy.stat1_lines(specs)
        cost = copy.statistics.cost
    return Sampled(time.process_time() - cpu, time.perf_counter() - wall, lines, cost)


def analysis_limit_lines(database: Path, specs: list[IndexSpec], limit: int
                         ) -> tuple[dict[IndexSpec, str], float, float]:
    """SQLite's own sampling, for comparison: the indexes built on a whole copy, then
    ANALYZE under ``PRAGMA analysis_limit``; (lines, CPU s, wall s of the ANALYZE alone)."""
    with tempfile.TemporaryDirectory(prefix="bench-limit-") as folder:
        copy = Path(folder) / "copy.db"
        copy_database(database, copy)
        connection = sqlite3.connect(copy, isolation_level=None)
        try:
            for spec in specs:
                connection.execute(spec.create_sql())
            connection.execute(f"PRAGMA analysis_limit = {limit}")
            cpu, wall = time.process_time(), time.perf_counter()
            connection.execute("ANALYZE")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            found = dict(connection.execute("SELECT idx, stat FROM sqlite_stat1"))
        finally:
            connection.close()
    return {spec: found[spec.name] for spec in specs if spec.name in found}, cpu, wall


def limit_row(name: str, limit: int, result: tuple[dict[IndexSpec, str], float, float],
              exact: Mapping[IndexSpec, str]) -> str:
    lines, cpu, wall = result
    error = sorted(ratios(lines, exact))
    return (f"| {name} | analysis_limit {limit:,} (ANALYZE alone, indexes built on every row) "
            f"| - | {cpu:.2f} | {wall:.2f} | {len(error)} | "
            f"{sum(r <= 1.5 for r in error) / len(error):.0%} | "
            f"{sum(r <= 2 for r in error) / len(error):.0%} | {error[-1]:,.2f} |")


def ratios(lines: Mapping[IndexSpec, str], exact: Mapping[IndexSpec, str]) -> list[float]:
    """Each rows-per-value number against the whole table's (1 = equal, 2 = twice or half)."""
    out = []
    for spec, line in lines.items():
        truth = exact.get(spec)
        if truth is None:
            continue
        for mine, real in zip(line.split()[1:], truth.split()[1:], strict=False):
            a, b = int(mine), int(real)
            out.append(max(a, b) / max(min(a, b), 1))
    return out


def cost_rows(name: str, runs: dict[int, list[Sampled]], exact: Mapping[IndexSpec, str]
              ) -> list[str]:
    rows = []
    for size, samples in runs.items():
        first = samples[0]
        error = sorted(ratios(first.lines, exact))
        within = (f"{sum(r <= 1.5 for r in error) / len(error):.0%} | "
                  f"{sum(r <= 2 for r in error) / len(error):.0%} | {error[-1]:.2f}"
                  if error else "- | - | -")
        label = "whole" if size == WHOLE else f"{size:,}"
        rows.append(f"| {name} | {label} | {first.cost.rows_copied:,} of "
                    f"{first.cost.rows_total:,} | "
                    f"{statistics.median(s.cpu for s in samples):.2f} | "
                    f"{statistics.median(s.wall for s in samples):.2f} | {len(error)} | "
                    f"{within} |")
    return rows


@dataclass(frozen=True)
class PlanCounts:
    together: int
    together_of: int
    alone: int
    alone_of: int


def plan_agreement(workload: Workload, database: Path, lines: Statistics,
                   candidates: list[tuple[IndexSpec, tuple[str, ...]]]
                   ) -> dict[tuple[str, str], PlanCounts]:
    """(label, state) -> how many what-if plans equal the real planner's."""
    views = template_views(workload)
    specs = [spec for spec, _ in candidates]
    out: dict[tuple[str, str], PlanCounts] = {}
    with tempfile.TemporaryDirectory(prefix="bench-plans-") as folder:
        real: dict[str, tuple[dict[str, str], dict[tuple[IndexSpec, str], str]]] = {}
        for state, analyze in (("as found", False), ("after ANALYZE", True)):
            copy = Path(folder) / "real.db"
            copy.unlink(missing_ok=True)
            copy_database(database, copy)
            connection = sqlite3.connect(copy, isolation_level=None)
            if analyze:
                connection.execute("ANALYZE")
            alone: dict[tuple[IndexSpec, str], str] = {}
            for spec, templates in candidates:
                connection.execute(spec.create_sql())
                if analyze:
                    connection.execute(f'ANALYZE "{spec.name}"')
                for tid in templates:
                    if tid in views:
                        alone[(spec, tid)] = explain_plan(connection, views[tid].text,
                                                          nulls_for(views[tid].text)).text()
                connection.execute(f'DROP INDEX "{spec.name}"')
            for spec in specs:
                connection.execute(spec.create_sql())
            if analyze:
                connection.execute("ANALYZE")
            together = {tid: explain_plan(connection, view.text, nulls_for(view.text)).text()
                        for tid, view in views.items()}
            connection.close()
            real[state] = (together, alone)
        for label, stats in (("guessed (before)", workload.statistics), ("sampled", lines)):
            for state, analyze in (("as found", False), ("after ANALYZE", True)):
                together, alone = real[state]
                with WhatIf(workload.catalog, replace(stats, planner_has_stats=analyze)) as whatif:
                    same = sum(whatif.plan(view.text, view.tables, specs).text() == together[tid]
                               for tid, view in views.items())
                    same_alone = sum(
                        whatif.plan(views[tid].text, views[tid].tables, [spec]).text() == plan
                        for (spec, tid), plan in alone.items())
                out[(label, state)] = PlanCounts(same, len(views), same_alone, len(alone))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", type=Path, default=TORC / "workload.log")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="5000,10000,20000,50000")
    parser.add_argument("--out", type=Path, default=benchdoc.BENCHMARKS_MD)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + [WHOLE]
    begin, end = benchdoc.markers("sampled-stats")
    head = benchdoc.preamble(
        "Statistics from the data: a sampled ANALYZE for every candidate",
        f"python bench/sampled_stats.py --rounds {args.rounds} --sizes {args.sizes}"
        + ("" if args.log == TORC / "workload.log" else f" --log {args.log}"))
    torc_db = cached_database(TORC / "schema.sql", TORC / "profile.toml")
    workload = load_workload([str(args.log)], db=str(torc_db))
    with tempfile.TemporaryDirectory(prefix="bench-lineitem-") as folder:
        tpch = lineitem(Path(folder) / "lineitem.db")
        specs = [parse_index(text) for text in LINEITEM_INDEXES]
        torc_runs: dict[int, list[Sampled]] = {size: [] for size in sizes}
        tpch_runs: dict[int, list[Sampled]] = {size: [] for size in sizes}
        for _ in range(args.rounds):
            for size in sizes:
                torc_runs[size].append(timed_torc(workload, torc_db, size))
                tpch_runs[size].append(timed_lineitem(tpch, specs, size))
        torc_exact = torc_runs[WHOLE][0].lines
        tpch_exact = tpch_runs[WHOLE][0].lines
        limited = {name: analysis_limit_lines(database, list(exact), LIMIT)
                   for name, database, exact in (("Torc scale 1", torc_db, torc_exact),
                                                 ("TPC-H-like lineitem", tpch, tpch_exact))}
        flag = parse_index("lineitem(l_returnflag)")
        flags = (tpch_exact[flag], tpch_runs[DEFAULT_MAX_ROWS][0].lines[flag]
                 if DEFAULT_MAX_ROWS in tpch_runs else None,
                 limited["TPC-H-like lineitem"][0].get(flag))
    sampled = with_sampled_statistics(workload, torc_db).statistics
    candidates = [(c.spec, c.templates)
                  for c in generate(workload.analyses, workload.catalog, sampled).kept]
    agreement = plan_agreement(workload, torc_db, sampled, candidates)
    log = args.log.resolve()
    log_name = log.relative_to(benchdoc.ROOT) if log.is_relative_to(benchdoc.ROOT) else log
    lines = [
        begin, *head, "",
        f"Torc: `{log_name}` ({len(workload.digest.templates)} templates, "
        f"{len(candidates)} candidates) on the scale-1 database; lineitem: "
        f"{tpch_runs[WHOLE][0].cost.rows_total:,} rows, {len(specs)} indexes (one partial). "
        f"Medians of {args.rounds} rounds; `numbers`: the rows-per-value numbers of every "
        "line, each against the whole table's; the default sample size is "
        f"{DEFAULT_MAX_ROWS:,}.",
        "",
        "| database | sample size | rows copied | CPU s | wall s | numbers | within 1.5× | "
        "within 2× | worst ratio |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        *cost_rows("Torc scale 1", torc_runs, torc_exact),
        limit_row("Torc scale 1", LIMIT, limited["Torc scale 1"], torc_exact),
        *cost_rows("TPC-H-like lineitem", tpch_runs, tpch_exact),
        limit_row("TPC-H-like lineitem", LIMIT, limited["TPC-H-like lineitem"], tpch_exact),
        "",
        f"lineitem(l_returnflag), three values, one of them half the rows: ANALYZE on every "
        f"row writes `{flags[0]}`, the default sample `{flags[1]}`, `PRAGMA analysis_limit = "
        f"{LIMIT}` `{flags[2]}` (it reads the first entries of each index only).",
        "",
        "Torc plans equal to SQLite's on a real copy (templates with all candidates built at "
        "once; (candidate, template) pairs with each candidate alone):",
        "",
        "| what-if lines | state | all candidates | each candidate alone |",
        "|---|---|--:|--:|",
        *(f"| {label} | {state} | {c.together}/{c.together_of} | {c.alone}/{c.alone_of} |"
          for (label, state), c in agreement.items()),
        end,
    ]
    section = "\n".join(lines) + "\n"
    benchdoc.write_section("sampled-stats", section, args.out)
    print(section)


if __name__ == "__main__":
    main()
