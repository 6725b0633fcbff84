"""Torc's capacity review: the seed analysis's size and latency estimates against measurement.

    python bench/capacity.py [--scales 10k,30k,100k,1M] [--repetitions 3]

Runs ``advisor capacity`` on the default Torc workload (its library call, with
the recommended set and the seed analysis's thirteen indexes as the two
configurations), then sets each row of the seed's "Index Size Estimates" and
"Performance Impact Estimates" beside the measured figure at 10,000 jobs per
workflow and beyond. Writes docs/torc-capacity.md, docs/torc-capacity.png and
bench/out/torc-capacity.json. The seed's rows are mapped to indexes and
templates by the tables below; everything else is computed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import benchdoc

from advisor.analysis.inputs import Inputs
from advisor.analysis.workload import load_workload
from advisor.catalog.database import open_read_only
from advisor.catalog.index_lists import load_index_list
from advisor.catalog.profile import load_profile
from advisor.catalog.scales import Scale, parse_scales
from advisor.digest.digest import DigestOptions, digest_logs
from advisor.model.indexes import parse_index
from advisor.replay.synth import cached_database
from advisor.report import capacity_report
from advisor.report.common import render_json
from advisor.review.capacity import BASELINE, plan_capacity
from advisor.review.requests import RecommendRequest, run_recommend

TORC = Path("workloads") / "torc"
SCHEMA, PROFILE = TORC / "schema.sql", TORC / "profile.toml"
DOC = benchdoc.ROOT / "docs" / "torc-capacity.md"
CHART = benchdoc.ROOT / "docs" / "torc-capacity.png"
JSON_OUT = benchdoc.ROOT / "bench" / "out" / "torc-capacity.json"
SEED = "seed"  # the label of the seed analysis's configuration

# The seed's "Index Size Estimates" (for a workflow with 10,000 jobs): its row, its
# estimate as written, and the bounds in bytes where it gives numbers (KB read as 1000).
SEED_SIZES = [
    ("job(workflow_id)", "~40-80 KB (4-8 bytes per entry)", (40e3, 80e3)),
    ("job(workflow_id, status)", "~60-120 KB (6-12 bytes per entry)", (60e3, 120e3)),
    ("result(workflow_id)", "~40-80 KB per run", (40e3, 80e3)),
    ("job_blocked_by(blocked_by_job_id)", "varies with dependency graph density", None),
    ("resource_requirements(num_gpus, runtime_s, memory_bytes)",
     "~100-200 KB for unique resource specs", (100e3, 200e3)),
]
SEED_TOTAL = ("~500 KB - 1 MB per 10,000-job workflow", (500e3, 1e6))

# The seed's "Performance Impact Estimates": row, before, after, and the Torc template
# (an id from `advisor digest workloads/torc/workload.log`) that does what the row says.
SEED_LATENCIES = [
    ("List 10,000 jobs for a workflow", "~100-500ms (table scan)", "~5-20ms (index scan)",
     "a8b267e44141"),  # list_jobs: SELECT … FROM job WHERE workflow_id = ? ORDER BY id LIMIT ?
    ("Find ready jobs (status filter)", "~100-500ms (table scan)", "~2-10ms (composite index)",
     "2bd03ff0452c"),  # list_jobs: … WHERE workflow_id = ? AND status = ? ORDER BY id LIMIT ?
    ("List results for workflow", "~50-200ms (table scan)", "~5-15ms (index scan)",
     "e634590f450a"),  # list_results: … result r JOIN workflow_result … ORDER BY id LIMIT ?
    ("Reverse dependency lookup", "~50-200ms (table scan)", "~1-5ms (index seek)",
     "e44be7227406"),  # the unblock CTE: job_blocked_by WHERE blocked_by_job_id = ? …
]
SEED_SPEEDUP = "10-50x faster for common queries"
SEED_WRITE_OVERHEAD = "~10-15% write amplification"
# Writes that find their row by id or only insert: what they gain from the indexes is nothing,
# so their change is the indexes' upkeep alone (the net write time also holds UPDATEs that
# search by workflow and get faster).
POINT_WRITES = ("eed2bf6c7e97",  # UPDATE job SET status = ? WHERE id = ?
                "19fcac2889f6",  # UPDATE job SET status = ? WHERE id = ? AND workflow_id = ? …
                "450b1419e97f",  # INSERT INTO result (...)
                "d377c20b3173")  # INSERT INTO job (...)
# What changed in the workload (issue 13), said in the document.
CHANGED = (
    "What changed (issue 13): the workload is now torc-server's own SQL at revision ff3df9a "
    "(workloads/torc/README.md). The seed's latency rows map to the server's statements: "
    "its job and result lists name their columns, sort by id and page (the TUI asks for "
    "10,000 rows at once), and the reverse dependency lookup is the recursive unblock CTE "
    "complete_job runs. The recommended set is what `advisor recommend` gives for that log, "
    "measured on the synthesised database (docs/torc-recommendation.md), where the bench used "
    "to take the cost model's set: the cost model alone misses is_workflow_complete, the "
    "server's hottest statement. Since the review of issue 13's first part a busy runner "
    "sends its claim with LIMIT 0 at every poll, as torc-job-runner does."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="10k,30k,100k,1M")
    parser.add_argument("--repetitions", type=int, default=5)  # the machine is shared
    parser.add_argument("--max-synth-scale", type=float, default=10.0)
    args = parser.parse_args()
    started = time.perf_counter()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    os.chdir(benchdoc.ROOT)  # paths in the review read as from the repository's root
    log = str(TORC / "workload.log")
    workload = load_workload([log], digest=digest_logs([log], DigestOptions()))
    configurations = [
        # what `advisor recommend workloads/torc/workload.log` recommends: measured
        ("recommended", tuple(entry.spec for entry in run_recommend(
            RecommendRequest(Inputs(logs=(log,)))).recommendation.chosen)),
        (SEED, tuple(load_index_list(str(TORC / "seed-indexes.sql"), workload.catalog))),
    ]
    profile = load_profile(PROFILE)
    scales = parse_scales(args.scales, profile.reference)
    result = plan_capacity(workload, SCHEMA, PROFILE, scales, configurations,
                           args.max_synth_scale, args.repetitions,
                           progress=lambda message: print(message, file=sys.stderr, flush=True))
    command = "python bench/capacity.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    document = capacity_report.capacity_document(result, workload, command.strip())
    focus = {p.scale.label: focus_shares(p.scale, document) for p in result.measured}
    CHART.write_bytes(capacity_report.render_chart(document))
    seconds = time.perf_counter() - started
    JSON_OUT.parent.mkdir(parents=True, exist_ok=True)
    JSON_OUT.write_text(render_json(document))
    review = capacity_report.render_table(document, markdown=True, top=12)
    DOC.write_text("\n\n".join([
        review.replace("# Capacity-planning review", "# Torc capacity review", 1),
        CHANGED,
        f"The whole run (digest, recommendation, synthesis, replays, chart) took "
        f"{seconds:,.0f} s of wall time; the load average at its start was {load} on a "
        "shared machine, so times measured in one run against each other say more than "
        "their absolute values.",
        f"![Latency and size against jobs per workflow]({CHART.name})",
        seed_section(document, focus),
    ]) + "\n")
    print(f"wrote {DOC}, {CHART} and {JSON_OUT} in {seconds:,.0f} s", file=sys.stderr)


def focus_shares(scale: Scale, document: dict[str, Any]) -> dict[str, float]:
    """Per added index, the share of its entries that belong to the focus workflow (the one
    holding the reference's count of jobs): the seed sizes indexes "for a workflow with
    10,000 jobs", and the database holds 40 workflows."""
    database = cached_database(SCHEMA, PROFILE, scale=scale.factor)
    connection = open_read_only(database)
    try:
        (workflow,) = connection.execute(
            "SELECT workflow_id FROM job GROUP BY workflow_id "
            "ORDER BY abs(count(*) - ?) LIMIT 1", (scale.rows,)).fetchone()
        point = next(s for s in document["scales"] if s["label"] == scale.label)
        shares = {}
        for size in point["indexes"]:
            spec = parse_index(size["index"])
            try:
                (mine,) = connection.execute(
                    f'SELECT count(*) FROM "{spec.table}" WHERE workflow_id = ?',
                    (workflow,)).fetchone()
            except sqlite3.OperationalError:
                continue  # a table without workflow_id: not sized per workflow
            shares[size["index"]] = mine / size["entries"] if size["entries"] else 0.0
        return shares
    finally:
        connection.close()


def seed_section(document: dict[str, Any], focus: dict[str, dict[str, float]]) -> str:
    scales = document["scales"]
    largest = next(s["label"] for s in reversed(scales) if not s["extrapolated"])
    header = [capacity_report.scale_heading(s) for s in scales]
    lines = [
        "## The seed analysis beside the measurement",
        "",
        "The seed's *Index Size Estimates* are \"for a workflow with 10,000 jobs\"; the "
        "synthesised database holds 40 workflows, so each cell gives the part of the index "
        "holding the focus workflow's entries (measured with dbstat, prorated by entries), "
        "then the whole index. Extrapolated scales (*) use the focus share measured at "
        f"{largest}.",
        "",
        "| seed row | seed estimate | " + " | ".join(header) + " |",
        "|---|---|" + "---|" * len(scales),
    ]
    totals = [0.0] * len(scales)
    for name, estimate, _bounds in SEED_SIZES:
        cells = []
        for position, scale in enumerate(scales):
            size = next(i for i in scale["indexes"] if i["index"] == name)
            share = focus.get(scale["label"], focus[largest]).get(name)
            part = None if share is None or size["bytes"] is None else size["bytes"] * share
            totals[position] += part or 0.0
            cells.append(f"{capacity_report.format_bytes(part)} of "
                         f"{capacity_report.format_bytes(size['bytes'])}")
        lines.append(f"| `{name}` | {estimate} | " + " | ".join(cells) + " |")
    lines.append(f"| five indexes above | {SEED_TOTAL[0]} | "
                 + " | ".join(capacity_report.format_bytes(t) for t in totals) + " |")
    seed = next(c for c in document["configurations"] if c["label"] == SEED)
    lines += ["", f"All {len(seed['indexes'])} of the seed's indexes, whole (every workflow): "
              + ", ".join(f"{capacity_report.scale_heading(s)} "
                          f"{capacity_report.format_bytes(_run(s, SEED)['index_bytes'])}"
                          for s in scales) + "."]
    lines += ["", "The seed's *Performance Impact Estimates*, per execution (median of the "
              "replayed sample, on the focus workflow's rows where the template names a "
              f"workflow). `{BASELINE}`: no added index; `{SEED}`: the seed's thirteen; "
              "`recommended`: advisor's set.", "",
              "| seed row | template | seed before | seed after | configuration | "
              + " | ".join(header) + " |",
              "|---|---|---|---|---|" + "---|" * len(scales)]
    for row, before, after, template in SEED_LATENCIES:
        for number, label in enumerate((BASELINE, SEED, "recommended")):
            first = number == 0
            cells = [capacity_report.format_ms(s["templates"].get(template, {}).get(label))
                     for s in scales]
            lines.append(f"| {row if first else ''} | {f'`{template}`' if first else ''} | "
                         f"{before if first else ''} | {after if first else ''} | {label} | "
                         + " | ".join(f"{c} ms" if c != "–" else c for c in cells) + " |")
    lines += ["", "| seed claim | configuration | " + " | ".join(header) + " |",
              "|---|---|" + "---|" * len(scales)]
    for label in (SEED, "recommended"):
        lines.append(f"| {SEED_SPEEDUP} (the four rows above, median speed-up) | {label} | "
                     + " | ".join(_speedup(s, label) for s in scales) + " |")
        lines.append(f"| {SEED_WRITE_OVERHEAD}: all writes, net | {label} | "
                     + " | ".join(_write_overhead(s, label) for s in scales) + " |")
        lines.append(f"| {SEED_WRITE_OVERHEAD}: single-row writes, upkeep only "
                     f"({', '.join(POINT_WRITES)}) | {label} | "
                     + " | ".join(_point_write_overhead(document, s, label) for s in scales)
                     + " |")
    return "\n".join(lines)


def _run(scale: dict[str, Any], label: str) -> dict[str, Any]:
    return next(c for c in scale["configurations"] if c["label"] == label)


def _speedup(scale: dict[str, Any], label: str) -> str:
    ratios = []
    for *_, template in SEED_LATENCIES:
        timing = scale["templates"].get(template, {})
        before, after = timing.get(BASELINE), timing.get(label)
        if before and after:
            ratios.append(before / after)
    if not ratios:
        return "–"
    ratios.sort()
    middle = len(ratios) // 2
    median = ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2
    return f"{median:,.0f}x ({ratios[0]:,.1f}x to {ratios[-1]:,.0f}x)"


def _point_write_overhead(document: dict[str, Any], scale: dict[str, Any], label: str) -> str:
    counts = {t["id"]: t["count"] for t in document["templates"]}
    timings = {t: scale["templates"].get(t, {}) for t in POINT_WRITES}
    if not all(t.get(BASELINE) and t.get(label) for t in timings.values()):
        return "–"
    before = sum(counts[t] * timing[BASELINE] for t, timing in timings.items())
    after = sum(counts[t] * timing[label] for t, timing in timings.items())
    return f"{(after - before) / before:+.0%} of their time"


def _write_overhead(scale: dict[str, Any], label: str) -> str:
    before = _run(scale, BASELINE)["write_seconds"]
    after = _run(scale, label)["write_seconds"]
    if not before or after is None:
        return "–"
    return f"{(after - before) / before:+.0%} of write time"


if __name__ == "__main__":
    main()
