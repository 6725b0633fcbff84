"""Simulate a Torc server's database workload and capture it as two query logs.

    python workloads/torc/simulate.py [--profile PROFILE] [--seed N] [--out-dir DIR]
                                      [--scale FACTOR] [--keep-db PATH]

Builds a Torc SQLite database from migrations/ (torc-server's schema at
ff3df9a) at the profile's scale and drives the server's job lifecycle against
it with the statements torc-server runs (create, initialize, claim, run,
complete, unblock, with completion polling, event monitors and list calls
throughout), writing every statement of the captured window to
``workload.log`` (sqlite3 ``.trace --profile`` format) and
``workload.sqlx.log`` (sqlx ``tracing`` events), both gzip-compressed under
those names (advisor recognises gzip by content). The history workflows exist
before the window opens: they are created through the same calls, unlogged.
The same seed gives the same statements with the same values in the same
order; only the measured durations differ between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from capture import Recorder, SimClock, SqlxTracingLog, TraceProfileLog
from job_runners import LiveWorkflow, RunOptions, Simulation
from torc_clients import Browser, archive_workflow, cancel_workflow, start_workflow
from torc_create import create_planned_workflow
from torc_server import TorcServer
from workflow_plan import WorkflowPlan, check_profile, plan_workflows

from advisor.catalog.profile import Profile, load_profile
from advisor.model.errors import AdvisorError

HERE = Path(__file__).resolve().parent
PLAIN_LOG = "workload.log"
SQLX_LOG = "workload.sqlx.log"
CLOCK_START = dt.datetime(2026, 11, 23, 10, 0, 0)
PROGRESS_EVERY = 10_000
_COLLAPSE = re.compile(r"\?(?:, \?)+|\((?:\?(?:, \?)*)\)(?:, \((?:\?(?:, \?)*)\))+")


@dataclass(frozen=True)
class Revision:
    """What differs between Torc revisions with the same lifecycle: the folder holding the
    profile, the migrations and the logs, and the server class that runs its statements.
    Another revision's simulate.py calls :func:`main` with its own."""

    home: Path
    server: Callable[[Recorder, SimClock], TorcServer]

    @property
    def migrations(self) -> Path:
        return self.home / "migrations"


FF3DF9A = Revision(HERE, TorcServer)


@dataclass(frozen=True)
class Settings:
    revision: Revision
    profile: Profile
    seed: int
    out_dir: Path
    keep_db: Path | None
    options: RunOptions


class Progress:
    """Phase and statement count on stderr, so a long run shows it is alive."""

    def __init__(self) -> None:
        self.phase = "setup"
        self.started = time.perf_counter()

    def enter(self, phase: str, count: int) -> None:
        self.phase = phase
        self._say(count)

    def tick(self, count: int) -> None:
        if count % PROGRESS_EVERY == 0:
            self._say(count)

    def _say(self, count: int) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:7.1f}s] {self.phase:<10} {count:>8,} statements", file=sys.stderr)


def main(argv: Sequence[str] | None = None, revision: Revision = FF3DF9A) -> int:
    started = time.perf_counter()
    try:
        settings = parse_settings(argv, revision)
        with tempfile.TemporaryDirectory(prefix="torc-sim-") as scratch:
            db_path = settings.keep_db or Path(scratch) / "torc.db"
            recorder = simulate(settings, db_path, Progress())
            actual = table_counts(db_path)
    except AdvisorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    plain = finish_plain_log(settings.out_dir)
    print_summary(settings, recorder, plain, actual, time.perf_counter() - started)
    return 0


def parse_settings(argv: Sequence[str] | None, revision: Revision = FF3DF9A) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", type=Path, default=revision.home / "profile.toml")
    parser.add_argument("--seed", type=int, help="default: the profile's seed")
    parser.add_argument("--out-dir", type=Path, default=revision.home)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply job counts (0.01 runs in seconds)")
    parser.add_argument("--keep-db", type=Path, metavar="PATH",
                        help="build the database here and keep it")
    args = parser.parse_args(argv)
    profile = load_profile(args.profile)
    if args.scale != 1.0:
        profile = profile.scaled(args.scale)
    check_profile(profile)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    return Settings(revision, profile, profile.seed if args.seed is None else args.seed,
                    args.out_dir, args.keep_db, RunOptions.from_app(profile.app))


def open_database(path: Path, migrations: Path) -> sqlite3.Connection:
    """A fresh database, migrated as torc-server migrates it at start (every up migration
    in order), in autocommit mode, set up as the server sets up its sqlx pool."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    for migration in sorted(migrations.glob("*.up.sql")):
        conn.executescript(migration.read_text(encoding="utf-8"))
    return conn


def simulate(settings: Settings, db_path: Path, progress: Progress) -> Recorder:
    """Run every phase with the recorder attached; returns it for the summary."""
    seed = settings.seed
    conn = open_database(db_path, settings.revision.migrations)
    clock = SimClock(CLOCK_START, random.Random(f"{seed}/clock"))
    recorder = Recorder(conn, clock, [
        TraceProfileLog(settings.out_dir / f"{PLAIN_LOG}.partial"),
        SqlxTracingLog(settings.out_dir / f"{SQLX_LOG}.partial", clock),
    ], progress.tick)
    finished = False
    try:
        server = settings.revision.server(recorder, clock)
        users = [f"user{k + 1:02d}" for k in range(8)]
        browser = Browser(server, random.Random(f"{seed}/browse"), users)
        sim = Simulation(server, clock, settings.options, random.Random(f"{seed}/run"), browser)
        progress.enter("create", recorder.count)
        for plan in plan_workflows(settings.profile, seed):
            prepare_workflow(server, clock, plan, sim)
        progress.enter("run", recorder.count)
        sim.run()
        progress.enter("report", recorder.count)
        for workflow in sim.finished_workflows():
            browser.report(workflow.ids, workflow.run_id)
            server.list_jobs(workflow.ids.workflow_id, server.status.CANCELED)
        progress.enter("done", recorder.count)
        finished = True
    finally:
        recorder.close()
        conn.close()
        settle_logs(settings.out_dir, keep=finished)
    return recorder


def settle_logs(out_dir: Path, keep: bool) -> None:
    """Give finished logs their names; drop the pieces of a run that failed."""
    for name in (PLAIN_LOG, SQLX_LOG):
        partial = out_dir / f"{name}.partial"
        if keep:
            partial.replace(out_dir / name)
        else:
            partial.unlink(missing_ok=True)


def prepare_workflow(server: TorcServer, clock: SimClock, plan: WorkflowPlan,
                     sim: Simulation) -> None:
    """History workflows exist before the window: created, started, some canceled and
    archived, unlogged. The others are created, started and run in the window."""
    lifecycle = plan.lifecycle
    host = f"login{plan.index % 3 + 1}"
    if lifecycle.kind == "created":
        with server.db.muted():
            ids = create_planned_workflow(server, plan)
            run_id = start_workflow(server, ids.workflow_id, clock, host)
            if plan.archive:
                cancel_workflow(server, ids.workflow_id)
                archive_workflow(server, ids.workflow_id)
        sim.add_browsable(ids, run_id)
        return
    ids = create_planned_workflow(server, plan)
    run_id = start_workflow(server, ids.workflow_id, clock, host)
    target = len(plan.jobs) if lifecycle.kind == "full" else round(
        lifecycle.run_fraction * len(plan.jobs))
    sim.add(LiveWorkflow(plan, ids, run_id, max(target, 1),
                         {job_id: i for i, job_id in enumerate(ids.job_ids)}))


def finish_plain_log(out_dir: Path) -> Path:
    """Compress the trace log in place, keeping its name.

    The plain text is about 80 MB at scale 1: too large to keep in the
    repository, while the README's command names ``workload.log``. advisor
    reads gzip by its magic bytes, whatever the file is called.
    """
    plain = out_dir / PLAIN_LOG
    packing = out_dir / f"{PLAIN_LOG}.gz.partial"
    with plain.open("rb") as source, gzip.open(packing, "wb") as target:
        shutil.copyfileobj(source, target)
    packing.replace(plain)
    (out_dir / f"{PLAIN_LOG}.gz").unlink(missing_ok=True)  # an older run's name
    return plain


def table_counts(db_path: Path) -> dict[str, int]:
    """Rows per table in the finished database (read after capture, so not logged)."""
    with sqlite3.connect(db_path) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY rowid")]
        return {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                for name in names}


def template_shape(sql: str) -> str:
    """A template with its IN lists and VALUES rows collapsed, for counting distinct shapes."""
    return _COLLAPSE.sub("…", sql)


def print_summary(settings: Settings, recorder: Recorder, plain: Path, actual: dict[str, int],
                  seconds: float) -> None:
    out = sys.stderr
    print(f"\n{recorder.count:,} statements logged ({recorder.muted_count:,} more built the "
          "history workflows unlogged), "
          f"{len(recorder.templates):,} distinct template "
          f"texts, {len({template_shape(t) for t in recorder.templates}):,} after collapsing "
          "IN lists and VALUES rows", file=out)
    print("statements per kind:", file=out)
    for kind, count in recorder.kinds.most_common():
        print(f"  {count:>8,}  {kind}", file=out)
    expected = settings.profile.table_rows()
    print("rows per table (profile's expectation / database):", file=out)
    for name, rows in actual.items():
        print(f"  {name:<24} {expected.get(name, '-'):>9} / {rows:>9,}", file=out)
    for path in (plain, settings.out_dir / SQLX_LOG):
        print(f"{path}: {path.stat().st_size / 2**20:.1f} MiB", file=out)
    print(f"wall time {seconds:.1f} s, seed {settings.seed}", file=out)


if __name__ == "__main__":
    sys.exit(main())
