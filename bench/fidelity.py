"""Fidelity: estimated against measured, on the Torc workload and a synthesised database.

    python bench/fidelity.py [--scale 1] [--repetitions 3]

Digests workloads/torc/workload.log, synthesises (or reuses, cached) the
profile's database at --scale, and measures three configurations on copies of
it: today's indexes (none), the seed analysis's thirteen, and advisor's
recommended set. Reports read and write time, index bytes and count per
configuration, and Spearman's rho between each template's estimated cost and
its measured median across the configurations, with the worst mis-estimates.
Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import benchdoc

from advisor.compare import compare, fidelity
from advisor.digest import DigestOptions, digest_logs
from advisor.indexes import load_index_list
from advisor.recommend import recommend
from advisor.synth import cached_database
from advisor.workload import load_workload

TORC = benchdoc.ROOT / "workloads" / "torc"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--out", type=Path, default=benchdoc.BENCHMARKS_MD)
    args = parser.parse_args()
    log = str(TORC / "workload.log")
    started = time.perf_counter()
    workload = load_workload([log], digest=digest_logs([log], DigestOptions()))
    database = cached_database(TORC / "schema.sql", TORC / "profile.toml", scale=args.scale)
    seed = tuple(load_index_list(str(TORC / "seed-indexes.sql"), workload.catalog))
    recommended = tuple(entry.spec for entry in recommend(workload).chosen)
    configurations = [("none", ()), ("seed's 13", seed), ("recommended", recommended)]
    result = compare(workload, configurations, database, args.repetitions)
    agreement = fidelity(result, workload)
    seconds = time.perf_counter() - started
    rows = []
    for c in result.configurations:
        m = c.measurement
        assert m is not None
        rows.append(f"| {c.label} | {len(c.indexes)} | {m.weighted_read_seconds:.3f} | "
                    f"{m.weighted_write_seconds:.3f} | {m.index_bytes / 2**20:.1f} | "
                    f"{m.build_seconds:.2f} | {c.estimated_total:,.0f} |")
    worst = [f"| {w.template_id} | {w.configuration} | {w.estimated:,.1f} | "
             f"{w.measured_seconds * 1000:.3f} | {w.rank_gap:.0f} |" for w in agreement.worst]
    begin, end = benchdoc.markers("fidelity")
    rho = "n/a" if agreement.spearman_rho is None else f"{agreement.spearman_rho:.2f}"
    section = "\n".join([
        begin,
        *benchdoc.preamble("Fidelity: estimated against measured on the Torc workload",
                           f"python bench/fidelity.py --scale {args.scale:g} "
                           f"--repetitions {args.repetitions}"),
        "",
        f"`workloads/torc/workload.log` replayed (sampled: each template's logged sample "
        f"{args.repetitions} times, median, writes rolled back; seconds weighted by the log's "
        f"counts) on copies of a database synthesised from `profile.toml` at scale "
        f"{args.scale:g}. Whole run: {seconds:.0f} s.",
        "",
        "| configuration | indexes | read s | write s | index MiB | build s | estimated cost |",
        "|---|--:|--:|--:|--:|--:|--:|",
        *rows,
        "",
        f"Spearman rho between estimated per-execution cost and measured median, over "
        f"{agreement.pairs} (template, configuration) pairs: **{rho}** (target 0.9).",
        "",
        "Worst mis-estimates (largest gap between the two rankings):",
        "",
        "| template | configuration | estimated | measured ms | rank gap |",
        "|---|---|--:|--:|--:|",
        *worst,
        end,
    ]) + "\n"
    benchdoc.write_section("fidelity", section, args.out)
    print(section)


if __name__ == "__main__":
    main()
