"""Warm or cold page cache: which sampled timing is nearer the log replayed in order.

    python bench/cold_pages.py --log workloads/tpcc/workload.log \
        --db "$(python workloads/tpcc/build.py)" --indexes workloads/tpcc/expert-union.sql

Per template, under no index and under ``--indexes``, three timings: in log order
(every statement once, writes applied: the way the server ran it), sampled warm
(the template's first statements, cycled, at least 3 runs and fast ones until
5 ms are timed, the median kept, writes rolled back in a savepoint: the replay's
protocol until 2026-12-03), and sampled cold (the same, with SQLite's page cache
emptied before every run, ``PRAGMA shrink_memory``: the protocol since). What
the indexes save (reads) or cost (writes' upkeep) over the log's executions is
compared by each protocol to the log-order figure. CPU seconds of this thread;
copies neither synced nor journaled on disk. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import benchdoc

from advisor.digest.fingerprint import canonicalize

SAMPLES = 3
RUNS = 3
FAST_SECONDS = 0.005
FAST_RUNS = 31


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


def _timed(connection: sqlite3.Connection, sql: str) -> float:
    started = time.thread_time()
    connection.execute(sql).fetchall()
    return time.thread_time() - started


def _copy(database: Path, folder: Path, name: str, ddl: list[str]) -> sqlite3.Connection:
    path = folder / name
    shutil.copyfile(database, path)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA journal_mode = MEMORY")
    for statement in ddl:
        connection.execute(statement)
    return connection


def _sampled(connection: sqlite3.Connection, kind: str, sqls: list[str], cold: bool) -> float:
    """The replay's sampled protocol on one template: its median run."""
    runs: list[float] = []
    write = kind == "write"
    if write:
        connection.execute("BEGIN IMMEDIATE")
    while len(runs) < RUNS or (sum(runs) < FAST_SECONDS and len(runs) < FAST_RUNS):
        if cold:
            connection.execute("PRAGMA shrink_memory")
        if write:
            connection.execute("SAVEPOINT bench")
        runs.append(_timed(connection, sqls[len(runs) % len(sqls)]))
        if write:
            connection.execute("ROLLBACK TO bench")
            connection.execute("RELEASE bench")
    if write:
        connection.execute("ROLLBACK")
    return statistics.median(runs)


def measure(log: list[tuple[str, str, str]], database: Path, ddl: list[str]
            ) -> dict[str, Timed]:
    with tempfile.TemporaryDirectory(prefix="advisor-cold-") as name:
        folder = Path(name)
        connection = _copy(database, folder, "in-order.db", ddl)
        connection.execute("PRAGMA shrink_memory")
        seconds: Counter[str] = Counter()
        counts: Counter[str] = Counter()
        kinds: dict[str, str] = {}
        samples: dict[str, list[str]] = defaultdict(list)
        for template_id, kind, sql in log:
            try:
                took = _timed(connection, sql)
            except sqlite3.DatabaseError:
                continue
            if kind in ("read", "write"):
                seconds[template_id] += took
                counts[template_id] += 1
                kinds[template_id] = kind
                if len(samples[template_id]) < SAMPLES:
                    samples[template_id].append(sql)
        connection.close()
        connection = _copy(database, folder, "sampled.db", ddl)
        out = {}
        for template_id, sqls in samples.items():
            kind = kinds[template_id]
            warm = _sampled(connection, kind, sqls, cold=False)
            cold = _sampled(connection, kind, sqls, cold=True)
            out[template_id] = Timed(kind, counts[template_id],
                                     seconds[template_id] / counts[template_id], warm, cold)
        connection.close()
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
