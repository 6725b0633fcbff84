"""docs/torc-0.10-review.md: Torc v0.10.0's own indexes judged against its workload.

Runs, on copies of the database advisor synthesises from workloads/torc-0.10
(its migrations, so with Torc's own indexes, and its profile):

- ``advisor audit`` on the copy as found (no sqlite_stat1, as a server that never ran
  ANALYZE): it measures every index's drop as found and after ANALYZE;
- ``advisor recommend --allow-drops`` on the analysed copy: what to add, what to drop;
- ``advisor digest`` of the log, for statement counts;

and writes one verdict per index Torc creates, with the measured numbers behind
it. The JSON of each command is what is read; their commands are in the document.

    python bench/torc_review.py                       # scale 1
    python bench/torc_review.py --scale 0.01 --log /tmp/x/workload.log --out /tmp/r.md
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import benchdoc

from advisor.replay.synth import cached_database
from advisor.report.recommend_report import size_text

HOME = benchdoc.ROOT / "workloads" / "torc-0.10"
MIGRATIONS = HOME / "migrations"
PROFILE = HOME / "profile.toml"
LOG = HOME / "workload.log"
DOC = benchdoc.ROOT / "docs" / "torc-0.10-review.md"


def advisor_json_all(commands: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """Run advisor commands (``--format json``) side by side from the repository root;
    their documents. Each measures within itself, so running them together costs noise,
    not validity, and saves the wall time of the slowest."""
    running = [subprocess.Popen([sys.executable, "-m", "advisor", *command[1:]],
                                cwd=benchdoc.ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for command in commands]
    documents = []
    for command, process in zip(commands, running, strict=True):
        out, err = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"{shlex.join(command)}: {err.strip()}")
        documents.append(json.loads(out))
    return documents


def analysed_copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as conn:
        conn.execute("ANALYZE")
    return target


# ------------------------------------------------------------------ reading the documents


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def state_cell(state: dict[str, Any] | None, counts: dict[str, int]) -> str:
    """One statistics state's measurement of a drop: its effect, the time the drop saves
    (negative: what the index saves), the noise band, the templates it serves."""
    if state is None:
        return "not measured"
    served = state["served"]
    statements = sum(counts.get(t, 0) for t in served)
    return (f"{state['effect']}: drop saves {state['seconds_saved']:+.4f} s "
            f"(reads {state['read_seconds_saved']:+.4f}, writes "
            f"{state['write_seconds_saved']:+.4f}) ± {state['band_seconds']:.4f} s; measured on "
            f"{_count(len(served), 'template')} ({_count(statements, 'statement')})")


def _states(verdict: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {state["statistics"]: state for state in verdict["states"]}


# Why the partial indexes serve nothing, from the server's source (torc010_statements):
# the only statements that test unblocking_processed bind the statuses as parameters.
PARTIAL_REASONS = {
    "idx_job_workflow_unblocking": (
        "the background task's statements (`SELECT DISTINCT workflow_id FROM job WHERE status "
        "IN (?, ?, ?, ?) AND unblocking_processed = 0` and the per-workflow join) bind the "
        "statuses as parameters, and include completed (5), which the index's "
        "`status IN (6, 7, 8)` leaves out: SQLite can use a partial index only when the "
        "statement's WHERE implies the index's"),
    "idx_job_internal_active_compute_node_id": (
        "the server writes `active_compute_node_id` by job id and reads it only through "
        "`list_jobs`' `active_compute_node_id` filter, which no simulated client sends"),
}
PARTIAL_REASONS["idx_job_unblocking_pending"] = PARTIAL_REASONS["idx_job_workflow_unblocking"]


# ------------------------------------------------------------------ the document


def own_verdicts(audit: dict[str, Any]) -> list[dict[str, Any]]:
    """The audit's verdicts on the indexes Torc creates (not its constraints' indexes)."""
    own = {i["name"] for i in audit["indexes"] if i["origin"] == "c"}
    return [v for v in audit["verdicts"] if v["index"] in own]


def summary(audit: dict[str, Any], recommended_drops: set[str]) -> list[str]:
    """The index names grouped by verdict, and why the partial ones go unused."""
    groups: dict[str, list[str]] = {}
    for verdict in own_verdicts(audit):
        name = verdict["index"]
        mark = "" if name not in recommended_drops else " (recommend drops it)"
        groups.setdefault(verdict["verdict"], []).append(f"`{name}`{mark}")
    lines = [f"- **{group}** ({len(names)}): {', '.join(names)}"
             for group, names in sorted(groups.items())]
    unusable = {row["index"] for row in audit["unusable_partial"]}
    for name in sorted(unusable & PARTIAL_REASONS.keys()):
        lines.append(f"- `{name}` is partial and no statement can use it: "
                     f"{PARTIAL_REASONS[name]}.")
    return lines


def index_table(audit: dict[str, Any], counts: dict[str, int],
                recommended_drops: set[str]) -> list[str]:
    sizes = {i["name"]: i["bytes"] for i in audit["indexes"]}
    states = audit["measured_states"]
    rows = ["| index | definition | size | verdict | basis | "
            + " | ".join(f"measured {s}" for s in states) + " | recommend |",
            "|---|---|---|---|---|" + "---|" * len(states) + "---|"]
    for verdict in own_verdicts(audit):
        name = verdict["index"]
        measured = _states(verdict)
        rows.append(
            f"| `{name}` | `{verdict['definition']}` | {sizes[name] / 1024:,.0f} KiB | "
            f"**{verdict['verdict']}** | {verdict['basis']} | "
            + " | ".join(state_cell(measured.get(s), counts) for s in states)
            + f" | {'drop' if name in recommended_drops else 'keep'} |")
    return rows


def recommendation(document: dict[str, Any]) -> list[str]:
    totals = document["totals"]
    lines = [f"Baseline (Torc's indexes, after ANALYZE) {totals['baseline_cost']:.3f} s; with the "
             f"recommendation {totals['recommended_cost']:.3f} s "
             f"({totals['saving_share']:.1%} saved), {totals['indexes']} indexes, "
             f"{size_text(totals['bytes'], totals['sizes_measured'], totals['indexes'])}; "
             "time in writes (their own searches "
             "and the upkeep of indexes) "
             f"{totals['write_upkeep_before']:.3f} s before, {totals['write_upkeep_after']:.3f} s "
             "after.", "", "To add (phase order):", ""]
    for index in document["indexes"]:
        if not index["exists"]:
            lines.append(f"- `{index['create_sql']}` (phase {index['phase']}, "
                         f"{index['saving_share']:.1%} of the saving)")
    kept = [i for i in document["indexes"] if i["exists"]]
    if kept:
        lines += ["", "Kept from Torc's own:", ""]
        lines += [f"- `{i['create_sql']}`" for i in kept]
    lines += ["", "To drop:", ""]
    lines += [f"- `{d['name']}` {d['index']}: {d['reason']}" for d in document["drops"]]
    return lines


def render(audit: dict[str, Any], recommended: dict[str, Any], digest: dict[str, Any],
           commands: Sequence[str], regenerate: str, seconds: float) -> str:
    info = benchdoc.machine()
    counts = {t["id"]: t["count"] for t in digest["templates"]}
    recommended_drops = {d["name"] for d in recommended["drops"]}
    analysed = recommended["analysed"]
    unanalysed = analysed["unanalysed"]
    own = [i for i in audit["indexes"] if i["origin"] == "c"]
    partial = [i for i in own if " WHERE " in i["definition"]]
    return "\n".join([
        "# Torc v0.10.0's own indexes, reviewed against its workload",
        "",
        f"Generated by `{regenerate}`, which runs the advisor commands listed at the end "
        "(concurrently) and reads their JSON. Measured "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {info['cores']} cores of "
        f"{info['cpu']} (load average {info['load']}), SQLite {info['sqlite']}, in "
        f"{seconds / 60:.0f} minutes.",
        "",
        "The workload is workloads/torc-0.10 (its README says what it models): torc-server's "
        "statements at v0.10.0 over the same simulated lifecycle as workloads/torc (in "
        "which the focus workflow stalls, its last jobs left blocked: the README says why). "
        "The database is synthesised from its migrations and profile, so it carries Torc's "
        f"own indexes: {len(own)} by CREATE INDEX ({len(partial)} partial), beside the "
        "ones its PRIMARY KEY and UNIQUE constraints imply. (The issue counted 14; the "
        "migrations at v0.10.0 create 16: six in the squashed schema, one with the integer "
        "event times, one for active compute nodes, one for remote workers, four for access "
        "groups, one for failure handlers and two on the rebuilt result table.)",
        "",
        f"Digest: {digest['totals']['statements']:,} statements in "
        f"{len(digest['templates'])} templates; advisor analyses {analysed['templates']} of "
        f"{analysed['of']} ({analysed['share_of_statements']:.1%} of statements)"
        + (f"; not analysed: {', '.join(str(u) for u in unanalysed)}." if unanalysed else "."),
        "",
        "## Summary",
        "",
        *summary(audit, recommended_drops),
        "",
        "## Verdicts",
        "",
        "One row per index Torc creates: `advisor audit`'s verdict, measured by replaying "
        "the templates each index serves with and without it on copies of the database, "
        f"in each statistics state ({', '.join(audit['measured_states'])}). *Drop saves*: "
        "the time the workload's executions of those templates save when the index is "
        "dropped (negative: the index saves that much), with the noise band; *recommend*: "
        "whether `advisor recommend --allow-drops` keeps it.",
        "",
        *index_table(audit, counts, recommended_drops),
        "",
        "## What to add, what to drop: `advisor recommend --allow-drops`",
        "",
        *recommendation(recommended),
        "",
        "## Commands",
        "",
        "```sh",
        *commands,
        "```",
        "",
    ])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--log", type=Path, default=LOG)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    source = cached_database(MIGRATIONS, PROFILE, scale=args.scale)
    log = benchdoc.shown(args.log)
    reps = ["--repetitions", str(args.repetitions)]
    with tempfile.TemporaryDirectory(prefix="torc-review-") as scratch:
        found = Path(scratch) / "found.sqlite"
        shutil.copyfile(source, found)
        analysed = analysed_copy(source, Path(scratch) / "analysed.sqlite")
        commands = [
            ["advisor", "audit", "--db", str(found), log, "--format", "json", *reps, "-q"],
            ["advisor", "recommend", log, "--db", str(analysed), "--allow-drops",
             "--format", "json", *reps, "-q"],
            ["advisor", "digest", log, "--format", "json", "-q"],
        ]
        audit, recommended, digest = advisor_json_all(commands)
    regenerate = shlex.join(["python", "bench/torc_review.py", *(argv or sys.argv[1:])])
    shown = [f"DB=$(python -c \"from advisor.replay.synth import cached_database; "
             f"print(cached_database('{benchdoc.shown(MIGRATIONS)}', '{benchdoc.shown(PROFILE)}', "
             f"scale={args.scale:g}))\")",
             "cp \"$DB\" /tmp/found.sqlite; cp \"$DB\" /tmp/analysed.sqlite; "
             "sqlite3 /tmp/analysed.sqlite ANALYZE"]
    shown += [shlex.join(c).replace(str(found), "/tmp/found.sqlite")
              .replace(str(analysed), "/tmp/analysed.sqlite") for c in commands]
    args.out.write_text(render(audit, recommended, digest, shown, regenerate,
                               time.perf_counter() - started))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
