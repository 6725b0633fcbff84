"""Small real databases, and the cost model's estimate of a statement on one of them set
beside SQLite's own time for it (for tests/test_estimate_shapes.py).

The estimate is asked as recommend asks it: the template analysed, planned by the
what-if planner with the configuration's indexes, priced by the cost model, with
statistics counted exactly on the database (so what is judged is the cost model, not
the statistics). The measurement builds each configuration on its own copy (ANALYZE
run, so SQLite plans as the what-if planner does), runs the statement on every copy in
turn, and keeps each one's median CPU time: the time this thread spent, which the other
processes of a shared machine do not stretch.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor.analysis.analyze import analyze
from advisor.catalog.clustering import run_lengths
from advisor.catalog.schema import load_catalog
from advisor.catalog.statistics import Statistics
from advisor.costing.estimate import estimate_plan
from advisor.costing.pricing import limit_hint, offset_hint
from advisor.costing.sizes import layout
from advisor.digest.fingerprint import canonicalize
from advisor.model.indexes import IndexSpec, parse_index
from advisor.whatif.planner import WhatIf

MIN_SECONDS = 0.02  # each statement is timed until it has run this long…
MIN_RUNS = 5  # …and this often


@dataclass(frozen=True)
class Costed:
    """A statement under a configuration: estimated cost and measured CPU seconds."""

    estimated: float
    seconds: float
    plan: str


def exact_statistics(path: Path, specs: Sequence[IndexSpec]) -> Statistics:
    """Rows and distinct values counted on the database: every column, and every prefix
    of the given indexes; and every column's run lengths in stored order."""
    catalog = load_catalog(path)
    connection = sqlite3.connect(path)
    try:
        rows: dict[str, int] = {}
        distinct: dict[tuple[str, tuple[str, ...]], int] = {}
        column_sets = [(t.name, (c.name,)) for t in catalog.tables.values() for c in t.columns]
        column_sets += [(s.table, s.column_names[:width]) for s in specs
                        for width in range(2, len(s.column_names) + 1)]
        for table in catalog.tables.values():
            rows[table.name.lower()] = connection.execute(
                f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
        for table, columns in column_sets:
            names = ", ".join(f'"{c}"' for c in columns)
            counted = connection.execute(
                f'SELECT count(*) FROM (SELECT DISTINCT {names} FROM "{table}")').fetchone()[0]
            distinct[(table.lower(), tuple(c.lower() for c in columns))] = max(1, counted)
    finally:
        connection.close()
    counted = Statistics("counted", (), rows, distinct, planner_has_stats=True)
    return counted.with_run_lengths(run_lengths(path, catalog, [
        (t.name, c.name) for t in catalog.tables.values() for c in t.columns]))


def estimate(path: Path, sql: str, indexes: Sequence[str]) -> tuple[float, str]:
    """The cost model's price of ``sql`` with ``indexes`` added, and its what-if plan."""
    catalog = load_catalog(path)
    specs = [parse_index(text) for text in indexes]
    stats = exact_statistics(path, specs)
    template = canonicalize(sql)
    analysis = analyze(template, catalog, [sql])
    assert analysis.ok, analysis.unanalysed
    with WhatIf(catalog, stats) as whatif:
        plan = whatif.plan(template.text, analysis.tables, specs)
    priced = estimate_plan(plan, analysis.reads, stats, limit_hint([sql]), analysis.returns,
                           offset_hint([sql]), layout(catalog), analysis.derived_filters,
                           analysis.aggregates)
    return priced.total, "; ".join(step.detail for step in plan.steps)


def cost(path: Path, cases: Sequence[tuple[str, Sequence[str]]], folder: Path,
         ) -> list[Costed]:
    """Each (statement, indexes) estimated and measured, the copies taking turns."""
    connections = []
    for number, (_, indexes) in enumerate(cases):
        copy = folder / f"copy{number}.db"
        shutil.copy(path, copy)
        connection = sqlite3.connect(copy)
        for text in indexes:
            connection.execute(parse_index(text).create_sql())
        connection.execute("ANALYZE")
        connection.commit()
        connections.append(connection)
    seconds: list[list[float]] = [[] for _ in cases]
    try:
        live = set(range(len(cases)))
        while live:  # in turns, each until it has run MIN_RUNS times and MIN_SECONDS long
            for number in sorted(live):
                started = time.thread_time()
                connections[number].execute(cases[number][0]).fetchall()
                runs = seconds[number]
                runs.append(time.thread_time() - started)
                if len(runs) >= MIN_RUNS and sum(runs) >= MIN_SECONDS:
                    live.discard(number)
        plans = ["; ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}"))
                 for (sql, _), connection in zip(cases, connections, strict=True)]
    finally:
        for connection in connections:
            connection.close()
    out = []
    for (sql, indexes), runs, plan in zip(cases, seconds, plans, strict=True):
        estimated, planned = estimate(path, sql, indexes)
        assert _unnamed(planned) == _unnamed(plan), f"what-if plan {planned!r} is not {plan!r}"
        out.append(Costed(estimated, statistics.median(runs), plan))
    return out


def _unnamed(plan: str) -> str:
    """A plan with its index names left out (the what-if planner names them its way)."""
    return " ".join(word for word in plan.split() if not word.startswith(("advisor_", "ix_")))


def ratio_error(costed: Sequence[Costed]) -> float:
    """How many times the estimate's ratio of the second to the first is off the
    measured ratio, either way."""
    first, second = costed
    estimated = second.estimated / first.estimated
    measured = second.seconds / first.seconds
    return max(estimated / measured, measured / estimated)


# --- databases ---------------------------------------------------------------------------


def shop(path: Path, products: int = 2_000, events: int = 60_000, seed: int = 1) -> Path:
    """Products and their events, spread over time and products at random."""
    rng = random.Random(seed)
    connection = sqlite3.connect(path)
    connection.executescript("""
        CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT, price REAL, category INTEGER);
        CREATE TABLE event (id INTEGER PRIMARY KEY, product_id INTEGER REFERENCES product (id),
                            at INTEGER, kind INTEGER, payload TEXT);
    """)
    connection.executemany("INSERT INTO product VALUES (?, ?, ?, ?)", [
        (i, f"product {i}", i * 1.5, i % 20) for i in range(1, products + 1)])
    connection.executemany("INSERT INTO event VALUES (?, ?, ?, ?, ?)", [
        (i, rng.randint(1, products), rng.randint(0, 100_000), i % 7, "x" * 40)
        for i in range(1, events + 1)])
    connection.commit()
    connection.close()
    return path


def jobs(path: Path, workflows: int = 4, per_workflow: int = 10_000, seed: int = 1,
         together: bool = False) -> Path:
    """Torc's job and job_blocked_by tables, the workflows' jobs written interleaved (as
    a server running them side by side writes them: a workflow's rows lie scattered),
    or ``together``, one workflow after the other (as a workflow created whole is
    written: its rows side by side); each job blocked by up to three earlier jobs of
    its workflow; statuses 0-7 alike (skew is the statistics' business, not the cost
    model's)."""
    rng = random.Random(seed)
    connection = sqlite3.connect(path)
    connection.executescript("""
        CREATE TABLE job (id INTEGER PRIMARY KEY AUTOINCREMENT, workflow_id INTEGER NOT NULL,
            name TEXT NOT NULL, command TEXT NOT NULL,
            cancel_on_blocking_job_failure INTEGER NOT NULL DEFAULT 1,
            resource_requirements_id INTEGER, status INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE job_blocked_by (job_id INTEGER NOT NULL, blocked_by_job_id INTEGER NOT NULL,
            workflow_id INTEGER NOT NULL, PRIMARY KEY (job_id, blocked_by_job_id));
    """)
    rows, edges = [], []
    members: dict[int, list[int]] = {workflow: [] for workflow in range(1, workflows + 1)}
    for job in range(1, workflows * per_workflow + 1):
        workflow = (job - 1) // per_workflow + 1 if together else rng.randint(1, workflows)
        rows.append((job, workflow, f"job {job}", f"python run.py --input /data/{job}.h5",
                     1, rng.randint(1, 5), rng.randrange(8)))
        earlier = members[workflow]
        for blocker in {rng.choice(earlier) for _ in range(rng.randint(0, 3)) if earlier}:
            edges.append((job, blocker, workflow))
        earlier.append(job)
    connection.executemany("INSERT INTO job VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    connection.executemany("INSERT INTO job_blocked_by VALUES (?, ?, ?)", edges)
    connection.commit()
    connection.close()
    return path


def tree(path: Path, depth: int = 11) -> Path:
    """A binary tree of 2^depth - 1 nodes as parent -> child edges."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE edge (parent INTEGER NOT NULL, child INTEGER NOT NULL)")
    connection.executemany("INSERT INTO edge VALUES (?, ?)", [
        (node // 2, node) for node in range(2, 2 ** depth)])
    connection.commit()
    connection.close()
    return path
