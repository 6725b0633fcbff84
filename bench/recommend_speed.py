"""How long `advisor recommend` takes, measured and --estimate-only, and on what.

    python bench/recommend_speed.py [--workloads torc,tpch] [--modes estimate,measured]
                                    [--rounds 1]
                                    [--baseline /path/to/another/checkout]

Runs ``advisor recommend LOG [--db DB] [--estimate-only] --format json`` as the
command line does, in a child process: Torc at scale 1 (its database
synthesised from the profile) and TPC-H at SF 0.01 (tpchgen-cli's database,
workloads/tpch/build.py). Each run's wall seconds and CPU seconds (the
child's user + system time: on a shared machine wall time stretches with
other processes' load, CPU time much less), and from its JSON what it took:
the what-if planner's calls and cache hit rate, and for a measured run the
rounds, replays, index builds and the share of prices answered by
measurement. With ``--baseline`` the same runs of another checkout (say the
commit before a change) take turns with this one's, run by run, and the
CPU ratio of each pair is given: ratios measured in one run, interleaved.
Writes its section of docs/benchmarks.md (not with --baseline unless
--write).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import benchdoc

from workloads import WORKLOADS, advisor_commit, say, workload_script

TARGET_MEASURED = 60.0  # seconds, recommend --db end to end (issue 11)
TARGET_ESTIMATE = 10.0  # seconds, --estimate-only


@dataclass(frozen=True)
class Case:
    name: str
    log: Path
    database: Path | None  # None: synthesised from the profile beside the log


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    document: dict[str, Any]


def cases(names: list[str]) -> list[Case]:
    made = {"torc": lambda: Case("Torc, scale 1", WORKLOADS / "torc" / "workload.log", None),
            "tpch": lambda: Case("TPC-H, SF 0.01", WORKLOADS / "tpch" / "workload.log",
                                 Path(workload_script("tpch/build.py", "--scale", "0.01")))}
    return [made[name]() for name in names]


def run(tree: Path, case: Case, estimate_only: bool) -> Run:
    """One ``advisor recommend`` of ``tree``'s code, timed from outside."""
    command = [sys.executable, "-m", "advisor", "recommend", str(case.log), "--format", "json"]
    if case.database is not None:
        command += ["--db", str(case.database)]
    if estimate_only:
        command.append("--estimate-only")
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryFile() as out:
        before, wall = os.times(), time.perf_counter()
        subprocess.run(command, cwd=tree, env=environment, stdout=out,
                       stderr=subprocess.DEVNULL, check=True)
        wall, after = time.perf_counter() - wall, os.times()
        out.seek(0)
        document = json.loads(out.read())
    cpu = (after.children_user - before.children_user
           + after.children_system - before.children_system)
    return Run(wall, cpu, document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default="torc,tpch", help="comma-separated: torc, tpch")
    parser.add_argument("--modes", default="estimate,measured",
                        help="comma-separated: estimate (--estimate-only), measured")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout whose runs take turns with this one's")
    parser.add_argument("--write", action="store_true",
                        help="write docs/benchmarks.md even with --baseline")
    parser.add_argument("--section", default="recommend-speed",
                        help="the section of docs/benchmarks.md written")
    parser.add_argument("--out", type=Path, default=benchdoc.BENCHMARKS_MD)
    args = parser.parse_args()
    trees = [("this", benchdoc.ROOT)]
    if args.baseline is not None:
        trees.insert(0, ("baseline", args.baseline.resolve()))
    load = benchdoc.machine()["load"]
    started = time.perf_counter()
    results: dict[tuple[str, bool, str], list[Run]] = {}
    for number in range(args.rounds):
        for case in cases(args.workloads.split(",")):
            for estimate_only in [mode == "estimate" for mode in args.modes.split(",")]:
                order = trees if number % 2 == 0 else trees[::-1]
                for label, tree in order:
                    say(f"round {number + 1}: {case.name}, "
                        f"{'--estimate-only' if estimate_only else 'measured'}, {label}")
                    results.setdefault((case.name, estimate_only, label), []).append(
                        run(tree, case, estimate_only))
    command = ("python bench/recommend_speed.py --workloads "
               f"{args.workloads} --modes {args.modes} --rounds {args.rounds}"
               + (f" --baseline {args.baseline}" if args.baseline else "")
               + (f" --section {args.section}" if args.section != "recommend-speed" else ""))
    section = "\n".join(_section(args.section, results, trees, load, command, args.rounds,
                                 time.perf_counter() - started)) + "\n"
    if args.baseline is None or args.write:
        benchdoc.write_section(args.section, section, args.out)
    print(section)


def _section(name: str, results: dict[tuple[str, bool, str], list[Run]],
             trees: list[tuple[str, Path]], load: str, command: str, rounds: int,
             seconds: float) -> list[str]:
    begin, end = benchdoc.markers(name)
    lines = [begin, *benchdoc.preamble("recommend: how long it takes, and on what", command),
             "", f"Advisor at commit {advisor_commit()}; load average before {load}; "
             f"{rounds} round(s), {seconds:.0f} s in all. Medians over the rounds; CPU is "
             "the child process's user + system time.", "",
             "| workload | recommend | code | wall s | CPU s | what-if plans asked | "
             "what-if cache hits | rounds | replays | index builds | prices measured | "
             "indexes |",
             "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for (case, estimate_only, label), runs in results.items():
        document = runs[-1].document
        search, measured = document["search"], document.get("measured")
        counters = measured["counters"] if measured else None
        lines.append(
            f"| {case} | {'--estimate-only' if estimate_only else 'measured'} | {label} | "
            f"{statistics.median(r.wall for r in runs):.1f} | "
            f"{statistics.median(r.cpu for r in runs):.1f} | {search['whatif_calls']:,} | "
            f"{search['whatif_hit_rate']:.0%} | "
            + (f"{len(measured['rounds'])} | {counters['replays']} | {counters['builds']} | "
               f"{counters['measured_share']:.0%} | " if measured else "— | — | — | — | ")
            + f"{len(document['indexes'])} |")
    lines += ["", *_ratios(results, trees), *_targets(results)]
    lines.append(end)
    return lines


def _ratios(results: dict[tuple[str, bool, str], list[Run]],
            trees: list[tuple[str, Path]]) -> list[str]:
    if len(trees) < 2:
        return []
    out = ["CPU seconds, this code against the baseline, pair by pair (the two ran in turn):",
           ""]
    for (case, estimate_only, label), runs in results.items():
        if label != "this":
            continue
        base = results[(case, estimate_only, "baseline")]
        ratios = ", ".join(f"{mine.cpu / theirs.cpu:.2f}"
                           for mine, theirs in zip(runs, base, strict=True))
        same = all(_chosen(mine) == _chosen(theirs) for mine, theirs in zip(runs, base,
                                                                             strict=True))
        out.append(f"- {case}, {'--estimate-only' if estimate_only else 'measured'}: "
                   f"{ratios}; the same indexes chosen: {'yes' if same else 'no'}")
    return [*out, ""]


def _chosen(found: Run) -> list[str]:
    return sorted(entry["create_sql"] for entry in found.document["indexes"])


def _targets(results: dict[tuple[str, bool, str], list[Run]]) -> list[str]:
    out = ["| target | workload | wall s | CPU s | met |", "|---|---|--:|--:|---|"]
    for (case, estimate_only, label), runs in results.items():
        if label != "this":
            continue
        limit = TARGET_ESTIMATE if estimate_only else TARGET_MEASURED
        wall = statistics.median(r.wall for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        verdict = ("**met**" if wall <= limit else
                   "**missed** in wall time (CPU within)" if cpu <= limit else "**missed**")
        name = "--estimate-only" if estimate_only else "recommend --db end to end"
        out.append(f"| {name} ≤ {limit:g} s | {case} | {wall:.1f} | {cpu:.1f} | {verdict} |")
    return [*out, ""]


if __name__ == "__main__":
    main()
