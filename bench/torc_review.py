"""docs/torc-0.10-review.md: Torc v0.10.0's own indexes judged against its workload.

Runs, on copies of the database advisor synthesises from workloads/torc-0.10
(its migrations, so with Torc's own indexes, and its profile):

- ``advisor audit`` as found (no sqlite_stat1, as a server that never ran ANALYZE)
  and after ANALYZE;
- ``advisor recommend --allow-drops`` on the analysed copy: what to add, what to drop;
- ``advisor digest`` of the log, for statement counts;

and writes one verdict per index Torc creates, with the measured numbers behind
it. The JSON of each command is what is read; their commands are in the document.

    python bench/torc_review.py                       # scale 1, about half an hour
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

HOME = benchdoc.ROOT / "workloads" / "torc-0.10"
MIGRATIONS = HOME / "migrations"
PROFILE = HOME / "profile.toml"
LOG = HOME / "workload.log"
DOC = benchdoc.ROOT / "docs" / "torc-0.10-review.md"
ROWS_MINIMUM_REPORTED = 1e-4  # seconds: below this a replayed difference prints as 0


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(benchdoc.ROOT))
    except ValueError:
        return str(path)


def advisor_json(command: Sequence[str]) -> dict[str, Any]:
    """Run an advisor command (``--format json``) from the repository root; its document."""
    done = subprocess.run([sys.executable, "-m", "advisor", *command[1:]], cwd=benchdoc.ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(command)}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def analysed_copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as conn:
        conn.execute("ANALYZE")
    return target


# ------------------------------------------------------------------ reading the documents


def _by_index(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["index"]: row for row in rows}


def audit_finding(audit: dict[str, Any], name: str, counts: dict[str, int]) -> str:
    """One audit's word on one index: dropped (and why), harmful but kept, unused,
    redundant, or the templates whose plans use it."""
    index = next(i for i in audit["indexes"] if i["name"] == name)
    drops, harmful = _by_index(audit["drops"]), _by_index(audit["harmful"])
    redundant = _by_index(audit["redundant"])
    used = index["used_by"]
    statements = sum(counts.get(t, 0) for t in used)
    parts = []
    if name in drops:
        parts.append("**drop**: " + "; ".join(r["reason"] if r["code"] in r["reason"]
                                               else f"{r['code']}: {r['reason']}"
                                               for r in drops[name]["reasons"]))
    elif name in harmful:
        row = harmful[name]
        slower = ", ".join(f"{s['template']} {s['seconds_with'] * 1e3:.3f} ms with, "
                           f"{s['seconds_without'] * 1e3:.3f} ms without"
                           for s in row["slower"])
        parts.append(f"slows {slower}; kept: {row['note']}")
    if name in redundant and redundant[name]["verdict"] != "needed":
        row = redundant[name]
        parts.append(f"{row['verdict']}: {row['kind']} of {row['covered_definition']}")
    if used:
        parts.append(f"in the plans of {_count(len(used), 'template')} "
                     f"({_count(statements, 'statement')})")
    elif name not in drops:
        parts.append("in no template's plan")
    return "; ".join(parts)


def replay_figures(audit: dict[str, Any], name: str) -> str:
    """What dropping it did on the replay: reads and writes saved (negative: cost)."""
    row = _by_index(audit["replayed"]).get(name)
    if row is None:
        return "not replayed"
    return (f"reads {_signed(row['read_seconds_saved'])}, writes "
            f"{_signed(row['write_seconds_saved'])} ± {row['uncertainty_seconds']:.3f} s")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _signed(seconds: float) -> str:
    return "0 s" if abs(seconds) < ROWS_MINIMUM_REPORTED else f"{seconds:+.3f} s"


def verdict(name: str, audits: Sequence[dict[str, Any]], recommended_drops: set[str],
            unusable: set[str]) -> str:
    """The review's verdict, from both audits and the recommendation."""
    dropped = [a for a in audits if name in _by_index(a["drops"])]
    reasons = {r["code"] for a in dropped for r in _by_index(a["drops"])[name]["reasons"]}
    used = any(i["used_by"] or i["used_after_analyze"]
               for a in audits for i in a["indexes"] if i["name"] == name)
    if name in unusable:
        return "unused (partial: no statement can use it)"
    if "harmful" in reasons:
        return "harmful" + (" as found only" if len(dropped) < len(audits) else "")
    if not used:
        return "unused"
    if reasons & {"duplicate", "prefix", "rowid", "redundant"}:
        return "redundant"
    saves = [_by_index(a["replayed"]).get(name) for a in audits]
    earns = any(s is not None and -s["read_seconds_saved"] > s["uncertainty_seconds"]
                for s in saves)
    if earns and name not in recommended_drops:
        return "earns its keep"
    if earns:
        return "earns its keep, replaced by the recommendation"
    return "used, no measurable saving"


# ------------------------------------------------------------------ the document


def index_table(audits: Sequence[dict[str, Any]], counts: dict[str, int],
                recommended_drops: set[str]) -> list[str]:
    found, analysed = audits
    unusable = {row["index"] for a in audits for row in a["unusable_partial"]}
    rows = ["| index | definition | size | verdict | as found | after ANALYZE | "
            "dropping it, replayed (as found) | dropping it, replayed (after ANALYZE) |",
            "|---|---|---|---|---|---|---|---|"]
    for index in found["indexes"]:
        if index["origin"] != "c":
            continue
        name = index["name"]
        rows.append(
            f"| `{name}` | `{index['definition']}` | {index['bytes'] / 1024:,.0f} KiB | "
            f"{verdict(name, audits, recommended_drops, unusable)} | "
            f"{audit_finding(found, name, counts)} | {audit_finding(analysed, name, counts)} | "
            f"{replay_figures(found, name)} | {replay_figures(analysed, name)} |")
    return rows


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


def summary(audits: Sequence[dict[str, Any]], recommended_drops: set[str]) -> list[str]:
    """The index names grouped by verdict, and why the partial ones go unused."""
    unusable = {row["index"] for a in audits for row in a["unusable_partial"]}
    groups: dict[str, list[str]] = {}
    for index in audits[0]["indexes"]:
        if index["origin"] == "c":
            name = index["name"]
            groups.setdefault(verdict(name, audits, recommended_drops, unusable), []).append(
                f"`{name}`")
    lines = [f"- **{group}** ({len(names)}): {', '.join(names)}"
             for group, names in sorted(groups.items())]
    for name in sorted(unusable & PARTIAL_REASONS.keys()):
        lines.append(f"- `{name}` is partial and unusable here: {PARTIAL_REASONS[name]}.")
    return lines


def recommendation(document: dict[str, Any]) -> list[str]:
    totals = document["totals"]
    lines = [f"Baseline (Torc's indexes, after ANALYZE) {totals['baseline_cost']:.3f} s; with the "
             f"recommendation {totals['recommended_cost']:.3f} s "
             f"({totals['saving_share']:.1%} saved), {totals['indexes']} indexes, "
             f"{totals['estimated_bytes'] / 1024:,.0f} KiB; write upkeep "
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


def render(audits: Sequence[dict[str, Any]], recommended: dict[str, Any],
           digest: dict[str, Any], commands: Sequence[str], regenerate: str,
           seconds: float) -> str:
    info = benchdoc.machine()
    counts = {t["id"]: t["count"] for t in digest["templates"]}
    recommended_drops = {d["name"] for d in recommended["drops"]}
    analysed = recommended["analysed"]
    unanalysed = analysed["unanalysed"]
    found = audits[0]
    own = [i for i in found["indexes"] if i["origin"] == "c"]
    partial = [i for i in own if " WHERE " in i["definition"]]
    parts = [
        "# Torc v0.10.0's own indexes, reviewed against its workload",
        "",
        f"Generated by `{regenerate}`, which runs the advisor commands listed at the end "
        "and reads their JSON. Measured "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {info['cores']} cores of "
        f"{info['cpu']}, SQLite {info['sqlite']}, in {seconds / 60:.0f} minutes.",
        "",
        "The workload is workloads/torc-0.10 (its README says what it models): torc-server's "
        "statements at v0.10.0, the same simulated day and a half as workloads/torc. The "
        "database is synthesised from its migrations and profile, so it carries Torc's "
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
        *summary(audits, recommended_drops),
        "",
        "## Verdicts",
        "",
        "One row per index Torc creates. *Verdict* combines both audits and the "
        "recommendation: **earns its keep** (plans use it and dropping it measurably slows "
        "reads), **used, no measurable saving**, **unused**, **redundant**, **harmful** "
        "(dropping it made templates measurably faster). *Dropping it, replayed*: the "
        "audit replays the workload without the index; reads and writes saved by the drop "
        "(negative: the drop costs that much), with the replay's uncertainty.",
        "",
        *index_table(audits, counts, recommended_drops),
        "",
        "## What to add, what to drop: `advisor recommend --allow-drops`",
        "",
        *recommendation(recommended),
        "",
        "## The audits as rendered",
        "",
    ]
    for title, audit in zip(("As found", "After ANALYZE"), audits, strict=True):
        parts += [f"### {title}", "", f"Statistics: {audit['statistics']['state']}. "
                  f"{len(audit['drops'])} drops, {len(audit['harmful'])} harmful, "
                  f"{len(audit['unused'])} unused, {len(audit['unusable_partial'])} unusable "
                  "partial indexes.", ""]
        for row in audit["unusable_partial"]:
            parts.append(f"- `{row['index']}` WHERE {row['where']}: no statement among "
                         f"{row['statements_checked']:,} checked ({row['templates_checked']} "
                         "templates on its table) implies its WHERE clause.")
        parts.append("")
    parts += ["## Commands", "", "```sh", *commands, "```", ""]
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--log", type=Path, default=LOG)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    source = cached_database(MIGRATIONS, PROFILE, scale=args.scale)
    log = _relative(args.log)
    reps = ["--repetitions", str(args.repetitions)]
    with tempfile.TemporaryDirectory(prefix="torc-review-") as scratch:
        found = Path(scratch) / "found.sqlite"
        shutil.copyfile(source, found)
        analysed = analysed_copy(source, Path(scratch) / "analysed.sqlite")
        commands = [
            ["advisor", "audit", "--db", str(found), log, "--format", "json", *reps, "-q"],
            ["advisor", "audit", "--db", str(analysed), log, "--format", "json", *reps, "-q"],
            ["advisor", "recommend", log, "--db", str(analysed), "--allow-drops",
             "--format", "json", *reps, "-q"],
            ["advisor", "digest", log, "--format", "json", "-q"],
        ]
        audit_found, audit_analysed, recommended, digest = (advisor_json(c) for c in commands)
    regenerate = shlex.join(["python", "bench/torc_review.py", *(argv or sys.argv[1:])])
    shown = [f"DB=$(python -c \"from advisor.replay.synth import cached_database; "
             f"print(cached_database('{_relative(MIGRATIONS)}', '{_relative(PROFILE)}', "
             f"scale={args.scale:g}))\")",
             "cp \"$DB\" /tmp/found.sqlite; cp \"$DB\" /tmp/analysed.sqlite; "
             "sqlite3 /tmp/analysed.sqlite ANALYZE"]
    shown += [shlex.join(c).replace(str(found), "/tmp/found.sqlite")
              .replace(str(analysed), "/tmp/analysed.sqlite") for c in commands]
    args.out.write_text(render((audit_found, audit_analysed), recommended, digest, shown,
                               regenerate, time.perf_counter() - started))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
