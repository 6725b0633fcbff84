"""Workbench: working copies of a database on which index configurations come and go.

The measured search (advisor.replay.pricing) asks for one configuration after
another, most of them an index away from the one before. A fresh copy per
configuration would copy every table each time; a working copy instead
creates the indexes a configuration adds and drops the ones it lacks, so a
walk S, S - a, S - b, ... costs one build a step (a drop only frees pages).
On Torc at scale 1 a copy costs about as much as building its largest index
twice (docs/recommend.md, "Measured decisions"), so the workbench keeps a few
copies for the whole search, made once each with the backup API from the
database opened read-only.

Each copy starts as "today": the workload's catalog (the database's own
indexes it lacks, with --allow-drops, are dropped there first). With
``analyze`` (the recommendation plans as after ANALYZE) a copy without
sqlite_stat1 is analysed once when made (one that has it keeps the target's
own), and every index built on it is analysed as it is built, so that SQLite
plans there as it will on the target after the migration's ANALYZE. The copies are
throwaway files: their commits are neither synced nor journaled on disk
(``Sandbox(durable=False)``), which keeps a rolled-back write's fsync out of
the time between runs.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from advisor.catalog.schema import Catalog
from advisor.model.indexes import IndexSpec
from advisor.replay.sandbox import Sandbox, copy_database


@dataclass
class BenchCounters:
    """What the workbench has done so far (it only ever grows)."""

    copies: int = 0
    copy_seconds: float = 0.0
    builds: int = 0  # CREATE INDEX on a copy (and its ANALYZE, when analysed)
    build_seconds: float = 0.0
    drops: int = 0


class WorkingCopy:
    """One copy of the database, holding the workload's catalog plus ``indexes``."""

    def __init__(self, sandbox: Sandbox, analyze: bool, counters: BenchCounters) -> None:
        self.sandbox = sandbox
        self.analyze = analyze
        self.counters = counters
        self.indexes: frozenset[IndexSpec] = frozenset()

    def apply(self, wanted: frozenset[IndexSpec]) -> None:
        """Make the copy's added indexes exactly ``wanted``: drop first (it frees pages
        the builds can reuse), then build."""
        for spec in sorted(self.indexes - wanted):
            self.sandbox.drop_index(spec.name)
            self.counters.drops += 1
        for spec in sorted(wanted - self.indexes):
            started = time.perf_counter()
            self.sandbox.build_indexes([spec])
            if self.analyze:
                self.sandbox.analyze(spec.name)
            self.counters.builds += 1
            self.counters.build_seconds += time.perf_counter() - started
        self.indexes = wanted

    def cost_to_apply(self, wanted: frozenset[IndexSpec]) -> int:
        """The builds ``apply(wanted)`` would take."""
        return len(wanted - self.indexes)


class Workbench:
    """Working copies of ``database`` (only read), made as they are first asked for and
    removed on ``close`` (use it in a ``with`` block)."""

    def __init__(self, database: Path, catalog: Catalog, analyze: bool,
                 statement_seconds: float) -> None:
        self.database = database
        self.catalog = catalog
        self.analyze = analyze
        self.statement_seconds = statement_seconds
        self.counters = BenchCounters()
        self._folder = tempfile.TemporaryDirectory(prefix="advisor-workbench-")
        self._copies: list[WorkingCopy] = []

    def copies(self, count: int) -> list[WorkingCopy]:
        """The first ``count`` working copies, made now if they are not yet."""
        while len(self._copies) < count:
            self._copies.append(self._make(len(self._copies)))
        return self._copies[:count]

    def _make(self, number: int) -> WorkingCopy:
        started = time.perf_counter()
        path = Path(self._folder.name) / f"copy-{number}.db"
        copy_database(self.database, path)
        sandbox = Sandbox(path, self.statement_seconds, durable=False, clock=time.thread_time)
        known = {index.name for index in self.catalog.indexes}
        own = [name for (name,) in sandbox.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")]
        for name in own:
            if name not in known:  # --allow-drops: the catalog starts without it
                sandbox.drop_index(name)
        has_stat1 = sandbox.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
        if self.analyze and not has_stat1:  # statistics it has are the target's: kept
            sandbox.analyze()
        self.counters.copies += 1
        self.counters.copy_seconds += time.perf_counter() - started
        return WorkingCopy(sandbox, self.analyze, self.counters)

    def close(self) -> None:
        for copy in self._copies:
            copy.sandbox.close()
        self._copies.clear()
        self._folder.cleanup()

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
