"""Warm or cold page cache: which sampled timing is nearer the log replayed in order.

    python bench/cold_pages.py --log workloads/tpcc/workload.log \
        --db "$(python workloads/tpcc/build.py)" --indexes workloads/tpcc/expert-union.sql

Per template, under no index and under ``--indexes``, three timings: in log order
(every statement once, writes applied: the way the server ran it), sampled warm
(the template's first statements, cycled, at least 3 runs and fast ones until
5 ms are timed, the median kept, writes rolled back in a savepoint: the replay's
protocol until 2026-12-03), and sampled cold (``time_sampled`` as replay runs it
since: SQLite's page cache emptied before every run, ``Sandbox.forget_pages``). What
the indexes save (reads) or cost (writes' upkeep) over the log's executions is
compared by each protocol to the log-order figure. CPU seconds of this thread;
copies neither synced nor journaled on disk. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import benchdoc

from advisor.digest.fingerprint import canonicalize
from advisor.replay.sandbox import (
    FAST_RUNS,
    FAST_SECONDS,
    Sandbox,
    Tally,
    copy_database,
    time_sampled,
)

SAMPLES = 3
RUNS = 3  # replay's default repetitions


@dataclass
class Timed:
    """A template's figures under one configuration: seconds per execution."""

    kind: str
    count: int
    in_order: float
    warm: float
    cold: float


def statements(log: Path) -> list[tuple[str, str, str]]:
    """(template id, kind, sql) of every statement of a one-per-line log."""
    out = []
    for line in log.read_text().splitlines():
        sql = line.strip().rstrip(";")
        if sql and not sql.startswith("--"):
            template = canonicalize(sql)
            out.append((template.id, template.kind, sql))
    return out


def _copy(database: Path, folder: Path, name: str, ddl: list[str]) -> Sandbox:
    """A throwaway copy, as replay makes them, with ``ddl`` run on it."""
    path = folder / name
    copy_database(database, path)
    box = Sandbox.throwaway(path)
    for statement in ddl:
        box.run_own(statement)
    return box


def _warm(box: Sandbox, kind: str, sqls: list[str]) -> float:
    """The sampled protocol as it was, the page cache left as the runs before left it:
    the template's median run."""
    runs: list[float] = []
    write = kind == "write"
    if write:
        box.hold_transaction()
    try:
        while len(runs) < RUNS or (sum(runs) < FAST_SECONDS and len(runs) < FAST_RUNS):
            sql = sqls[len(runs) % len(sqls)]
            outcome = box.run_rolled_back(sql) if write else box.run(sql)
            if outcome.seconds is None:
                break
            runs.append(outcome.seconds)
    finally:
        if write:
            box.release_transaction()
    return statistics.median(runs) if runs else 0.0


def _cold(box: Sandbox, template_id: str, kind: str, sqls: list[str]) -> float:
    """The sampled protocol as replay runs it now (``time_sampled``)."""
    [timing] = time_sampled(box, [(template_id, kind, tuple(sqls))], RUNS, Tally())
    return timing.median_seconds or 0.0


def measure(log: list[tuple[str, str, str]], database: Path, ddl: list[str]
            ) -> dict[str, Timed]:
    with tempfile.TemporaryDirectory(prefix="advisor-cold-") as name:
        folder = Path(name)
        box = _copy(database, folder, "in-order.db", ddl)
        seconds: Counter[str] = Counter()
        counts: Counter[str] = Counter()
        kinds: dict[str, str] = {}
        samples: dict[str, list[str]] = defaultdict(list)
        for template_id, kind, sql in log:
            took = box.run(sql).seconds
            if took is not None and kind in ("read", "write"):
                seconds[template_id] += took
                counts[template_id] += 1
                kinds[template_id] = kind
                if len(samples[template_id]) < SAMPLES:
                    samples[template_id].append(sql)
        box.close()
        box = _copy(database, folder, "sampled.db", ddl)
        out = {template_id: Timed(kinds[template_id], counts[template_id],
                                  seconds[template_id] / counts[template_id],
                                  _warm(box, kinds[template_id], sqls),
                                  _cold(box, template_id, kinds[template_id], sqls))
               for template_id, sqls in samples.items()}
        box.close()
    return out


def section(name: str, command: str, none: dict[str, Timed], indexed: dict[str, Timed],
            indexes: list[str]) -> str:
    begin, end = benchdoc.markers("cold-pages")
    lines = [begin, *benchdoc.preamble("Cold pages: sampled timing against the log in order",
                                       command), "",
             f"{name}: {len(indexes)} indexes against none. Per kind, what the indexes save "
             f"over the log's executions (a write's negative saving is its upkeep) by each "
             f"protocol, and the sum over the templates of each protocol's gap to the "
             f"log-order figure (lower is nearer). The module docstring of "
             f"bench/cold_pages.py says how each is timed.", "",
             "| kind | in log order s | sampled warm s | sampled cold s | gaps warm s "
             "| gaps cold s |", "|---|--:|--:|--:|--:|--:|"]
    rows = []
    for template_id, a in none.items():
        b = indexed.get(template_id)
        if b is not None:
            rows.append((a.kind, template_id, *(a.count * (getattr(a, f) - getattr(b, f))
                                                for f in ("in_order", "warm", "cold"))))
    for kind in ("read", "write"):
        mine = [r for r in rows if r[0] == kind]
        totals = [sum(r[i] for r in mine) for i in (2, 3, 4)]
        gaps = [sum(abs(r[i] - r[2]) for r in mine) for i in (3, 4)]
        lines.append(f"| {kind} | {totals[0]:.4f} | {totals[1]:.4f} | {totals[2]:.4f} "
                     f"| {gaps[0]:.4f} | {gaps[1]:.4f} |")
    lines += ["", "The templates the indexes move most (ms per execution, none / indexed):",
              "", "| template | kind | count | in log order | sampled warm | sampled cold |",
              "|---|---|--:|--:|--:|--:|"]
    for row in sorted(rows, key=lambda r: -abs(r[2]))[:8]:
        a, b = none[row[1]], indexed[row[1]]
        lines.append(f"| {row[1]} | {a.kind} | {a.count} "
                     + " ".join(f"| {getattr(a, f) * 1e3:.3f} / {getattr(b, f) * 1e3:.3f}"
                                for f in ("in_order", "warm", "cold")) + " |")
    lines.append(end)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", type=Path, required=True,
                        help="a log of one SQL statement per line, values inline")
    parser.add_argument("--db", type=Path, required=True, help="the database (copied)")
    parser.add_argument("--indexes", type=Path, required=True,
                        help="CREATE INDEX statements, one per line")
    parser.add_argument("--name", default=None, help="the workload's name in the section")
    parser.add_argument("--out", type=Path, default=benchdoc.BENCHMARKS_MD)
    args = parser.parse_args()
    text = "\n".join(line for line in args.indexes.read_text().splitlines()
                     if not line.strip().startswith("--"))
    ddl = [s.strip() for s in text.split(";") if s.strip()]
    log = statements(args.log)
    none, indexed = measure(log, args.db, []), measure(log, args.db, ddl)
    command = (f"python bench/cold_pages.py --log {benchdoc.shown(args.log)} --db DB "
               f"--indexes {benchdoc.shown(args.indexes)}")
    text = section(args.name or benchdoc.shown(args.log), command, none, indexed, ddl)
    benchdoc.write_section("cold-pages", text, args.out)
    print(text)


if __name__ == "__main__":
    main()
