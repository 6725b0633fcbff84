"""Measured decisions: what recommend costs measured and estimated, and what each set does.

    python bench/measured.py [--log workloads/torc/workload.log] [--db DB] [--rounds 3]

Runs ``advisor recommend`` twice on the workload, as the command line does
(``run_recommend``): ``--estimate-only`` and measured (the default, on --db or
the database synthesised from the schema and profile beside the log), each
timed end to end (wall and CPU seconds). Then replays every template under
each configuration on working copies that take turns run by run (CPU time of
the replaying thread, copies without fsync, as the measured decision times
them; after ANALYZE where the recommendation plans so): no new index, the
seed's list when the workload has one, the union of what the sqlite3 shell's
``.expert`` proposes per statement, the estimate's set and the measured set.
Figures are medians over --rounds whole replays. Writes its section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import benchdoc
from expert import expert_union

from advisor.analysis.inputs import Inputs
from advisor.catalog.index_lists import load_index_list
from advisor.model.indexes import IndexSpec
from advisor.replay.measure import measurement_database, replay_set
from advisor.replay.sandbox import Tally, time_together
from advisor.replay.workbench import Workbench
from advisor.review.requests import Recommended, RecommendRequest, run_recommend

TORC_LOG = benchdoc.ROOT / "workloads" / "torc" / "workload.log"
T = TypeVar("T")


def timed(call: Callable[[], T]) -> tuple[T, float, float]:
    """``call()``, its wall seconds and its CPU seconds (this process and its children)."""
    wall, cpu = time.perf_counter(), _cpu()
    result = call()
    return result, time.perf_counter() - wall, _cpu() - cpu


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", type=Path, default=TORC_LOG)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--tolerance", type=float, default=None,
                        help="Also measure the set recommend measures with this tolerance.")
    parser.add_argument("--name", default=None, help="The section's name (default: the log's "
                                                     "folder)")
    parser.add_argument("--out", type=Path, default=benchdoc.BENCHMARKS_MD)
    args = parser.parse_args()
    name = args.name or args.log.resolve().parent.name
    inputs = Inputs(logs=(str(args.log),), db=str(args.db) if args.db else None)
    load = benchdoc.machine()["load"]
    estimated, est_wall, est_cpu = timed(
        lambda: run_recommend(RecommendRequest(inputs, estimate_only=True)))
    measured, wall, cpu = timed(lambda: run_recommend(RecommendRequest(inputs)))
    decision = measured.recommendation.measured
    if decision is None:
        raise SystemExit(f"{args.log}: nothing to measure on ({measured.unmeasurable})")
    found = measurement_database([str(args.log)], inputs.db, None, None, 1.0)
    assert found is not None  # recommend measured on it
    database = found[0]
    workload = measured.workload
    seed_file = args.log.resolve().parent / "seed-indexes.sql"
    configurations: list[tuple[str, tuple[IndexSpec, ...]]] = [("none", ())]
    if seed_file.exists():
        seed = tuple(load_index_list(str(seed_file), workload.catalog))
        configurations.append((f"seed's {len(seed)}", seed))
    filled = replay_set(workload, database, args.repetitions)
    expert, served, _ = expert_union(
        database, (sqls[0] for _, _, sqls in filled.statements), workload.catalog)
    configurations += [(".expert union", expert),
                       ("estimate-only", _chosen(estimated)), ("measured", _chosen(measured))]
    if args.tolerance is not None:
        other = run_recommend(RecommendRequest(inputs, tolerance=args.tolerance))
        configurations.append((f"measured, tolerance {args.tolerance:g}", _chosen(other)))
    rounds = _replay(workload, database, configurations, filled, args, decision.analyzed)
    state = "after ANALYZE" if decision.analyzed else "as found"
    shown = benchdoc.shown(args.log)
    where = decision.database.replace(f"{benchdoc.ROOT}/", "")
    begin, end = benchdoc.markers(f"measured-{name}")
    command = f"python bench/measured.py --log {shown} --rounds {args.rounds}" + (
        f" --db {benchdoc.shown(args.db)}" if args.db else "") + (
        f" --tolerance {args.tolerance:g}" if args.tolerance is not None else "")
    section = "\n".join([
        begin,
        *benchdoc.preamble(f"Measured decisions: {name}", command),
        "",
        *_timing(est_wall, est_cpu, wall, cpu, load, measured),
        "",
        f"Then every template of `{shown}` replayed under each set on working copies of "
        f"{where} taking turns run by run ({state}; CPU seconds, count x median, at least "
        f"{args.repetitions} runs "
        f"each); `.expert` proposed indexes for {served} of {len(filled.statements)} "
        f"templates. Medians of {args.rounds} rounds; the last column gives each round's "
        "total.",
        "",
        *_table(configurations, rounds),
        end,
    ]) + "\n"
    benchdoc.write_section(f"measured-{name}", section, args.out)
    print(section)


def _chosen(recommended: Recommended) -> tuple[IndexSpec, ...]:
    return tuple(entry.spec for entry in recommended.recommendation.chosen)


def _replay(workload: Any, database: Path,
            configurations: Sequence[tuple[str, tuple[IndexSpec, ...]]], filled: Any,
            args: argparse.Namespace, analyze: bool) -> list[list[tuple[float, float]]]:
    """Per round, per configuration: (read, write) seconds weighted by the log's counts."""
    counts = {tid: stats.count for tid, stats in workload.digest.templates.items()}
    rounds = []
    with Workbench(database, workload.catalog, analyze, 5.0) as bench:
        copies = bench.copies(len(configurations))
        for copy, (_, indexes) in zip(copies, configurations, strict=True):
            copy.apply(frozenset(indexes))
        for number in range(args.rounds):
            print(f"round {number + 1}: {len(configurations)} sets taking turns", flush=True)
            tallies = [Tally() for _ in copies]
            timings = time_together([c.sandbox for c in copies], filled.statements,
                                    args.repetitions, tallies)
            totals = []
            for mine in timings:
                split = {"read": 0.0, "write": 0.0}
                for timing in mine:
                    if timing.median_seconds is not None:
                        split[timing.kind] += timing.median_seconds * counts[timing.template_id]
                totals.append((split["read"], split["write"]))
            rounds.append(totals)
    return rounds


def _timing(est_wall: float, est_cpu: float, wall: float, cpu: float, load: str,
            measured: Recommended) -> list[str]:
    decision = measured.recommendation.measured
    assert decision is not None
    c = decision.counters
    return [
        "| recommend | wall s | CPU s | indexes |", "|---|--:|--:|--:|",
        f"| `--estimate-only` | {est_wall:.1f} | {est_cpu:.1f} | "
        f"{len(decision.estimate_set)} |",
        f"| measured (default) | {wall:.1f} | {cpu:.1f} | "
        f"{len(measured.recommendation.chosen)} |",
        "",
        f"Load average before: {load}. The measured decision took {decision.seconds:.1f} s of "
        f"the run ({decision.search_seconds:.1f} s searching): {len(decision.rounds)} rounds, "
        f"{c.replays} replays ({c.runs} statement runs) of {c.measured} plans priced for "
        f"{c.keys} what-if keys, {c.builds} index builds ({c.build_seconds:.1f} s) and "
        f"{c.drops} drops on {c.copies} copies ({c.copy_seconds:.1f} s); "
        f"{c.measured_share:.0%} of {c.price_calls} prices answered by measurement, "
        f"{c.estimated} (template, indexes) estimated anew and the rest from the pricer's "
        f"memo; what-if: {measured.recommendation.whatif.calls} plans asked, "
        f"{measured.recommendation.whatif.hit_rate:.0%} from its cache. "
        + (f"VM steps beside time: rho {c.steps.rho:.2f} over {c.steps.pairs} compared "
           f"templates, the same direction in {c.steps.agreeing} of {c.steps.beyond_noise} "
           "beyond noise." if c.steps and c.steps.rho is not None else ""),
    ]


def _table(configurations: Sequence[tuple[str, tuple[IndexSpec, ...]]],
           rounds: list[list[tuple[float, float]]]) -> list[str]:
    lines = ["| set | indexes | read s | write s | total s | × none | each round's total s |",
             "|---|--:|--:|--:|--:|--:|---|"]
    medians = []
    for k, (label, indexes) in enumerate(configurations):
        read = statistics.median(r[k][0] for r in rounds)
        write = statistics.median(r[k][1] for r in rounds)
        medians.append(read + write)
        each = ", ".join(f"{r[k][0] + r[k][1]:.1f}" for r in rounds)
        lines.append(f"| {label} | {len(indexes)} | {read:.3f} | {write:.3f} | "
                     f"{read + write:.3f} | {(read + write) / medians[0]:.3f} | {each} |")
    lines += ["", "Sets: " + "; ".join(f"**{label}**: " + ", ".join(map(str, indexes))
                                       for label, indexes in configurations if indexes)]
    return lines


if __name__ == "__main__":
    main()
