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

The audit walks the database's own indexes instead (drop-one: every index, then
every index but one): ``WorkingCopy.set_absent`` drops them by name and brings
them back from their own CREATE INDEX, with the sqlite_stat1 rows they had on
the copy, so that a copy holding the statistics as found keeps them as found;
``rebuild`` gives the other copy the same rebuilt (packed) index.

Both statistics states can share the copies (``both_states``): a database without
sqlite_stat1 is measured as found and after ANALYZE (advisor.replay.states), and
the two states' copies held the same data and built the same indexes, each
build twice (on TPC-H SF 0.01, 8 s of a 55 s ``recommend --db``; on the ledger,
42 s of builds). Instead each copy keeps the sqlite_stat1 rows of both states
(``TwoStates``): the copy's own, and those ANALYZE writes, every index built
analysed (as it is built, or, built as found, when the analysed state is next
loaded). A state's view of the workbench (``StateView``) loads its rows as it
hands the copy out: DELETE and INSERT on sqlite_stat1, then the copy opened
again (``Sandbox.reopened``), so that SQLite reads them afresh. Statistics are
all a state changes: the pages timed are the same.

Every added index's size is recorded as it is first built (``Workbench.sizes``):
the pages its build put in use (``Sandbox.build_indexes``). Not the file's
growth: a build takes the pages earlier drops freed first, and the file then
grows by less than the index holds.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
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

    def __init__(self, sandbox: Sandbox, analyze: bool, counters: BenchCounters,
                 own: Mapping[str, str] | None = None,
                 sizes: dict[IndexSpec, int] | None = None,
                 states: TwoStates | None = None) -> None:
        """``states``: the copy holds both statistics states, and ``states.loaded`` says
        which one it is in (``analyze`` then plays no part)."""
        self.sandbox = sandbox
        self.analyze = analyze
        self.states = states
        self.counters = counters
        self.sizes = {} if sizes is None else sizes  # shared by the bench's copies
        self.indexes: frozenset[IndexSpec] = frozenset()
        self.own = own or {}  # the database's own indexes on the copy: name -> CREATE INDEX
        self.absent: frozenset[str] = frozenset()  # of those, the ones dropped for now
        self._stat_rows: dict[str, list[tuple[object, ...]]] = {}

    def apply(self, wanted: frozenset[IndexSpec]) -> None:
        """Make the copy's added indexes exactly ``wanted``: drop first (it frees pages
        the builds can reuse), then build."""
        for spec in sorted(self.indexes - wanted):
            self.sandbox.drop_index(spec.name)
            if self.states is not None:
                self.states.dropped(spec.name)
            self.counters.drops += 1
        for spec in sorted(wanted - self.indexes):
            started = time.perf_counter()
            _, size = self.sandbox.build_indexes([spec])
            self.sizes.setdefault(spec, size)
            if self.states is not None:
                self.states.built(self.sandbox, spec.name)
            elif self.analyze:
                self.sandbox.analyze(spec.name)
            self.counters.builds += 1
            self.counters.build_seconds += time.perf_counter() - started
        self.indexes = wanted

    def cost_to_apply(self, wanted: frozenset[IndexSpec]) -> int:
        """The builds ``apply(wanted)`` would take."""
        return len(wanted - self.indexes)

    def load(self, analysed: bool) -> None:
        """Load one statistics state's sqlite_stat1 rows (a copy holding both)."""
        if self.states is not None:
            self.sandbox = self.states.load(self.sandbox, analysed)

    def set_absent(self, names: frozenset[str]) -> None:
        """Make the database's own indexes missing from the copy exactly ``names``: those
        that come back are rebuilt from their CREATE INDEX first (with the sqlite_stat1
        rows they had, or analysed when the copy is), then the others dropped."""
        for name in sorted(self.absent - names):
            started = time.perf_counter()
            self.sandbox.run_own(self.own[name])
            rows = self._stat_rows.pop(name, [])
            if self.analyze:
                self.sandbox.analyze(name)
            elif rows:
                for row in rows:
                    self.sandbox.run_own("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", row)
                self.sandbox.run_own("ANALYZE sqlite_schema")  # reads sqlite_stat1 again
            self.counters.builds += 1
            self.counters.build_seconds += time.perf_counter() - started
        for name in sorted(names - self.absent):
            if self._has_stat1():
                self._stat_rows[name] = self.sandbox.run_own(
                    "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx = ?", (name,))
            self.sandbox.drop_index(name)  # its sqlite_stat1 rows go with it
            self.counters.drops += 1
        self.absent = names

    def rebuild(self, name: str) -> None:
        """Drop one of the database's own indexes and build it again (its statistics kept,
        or analysed). CREATE INDEX packs its pages full, where an index grown row by row
        has room left in them, so writes into a rebuilt index split more pages (on a
        small table, an INSERT measured half as fast again): a copy compared with one
        where an index was rebuilt needs it rebuilt too."""
        self.set_absent(self.absent | {name})
        self.set_absent(self.absent - {name})

    def analyze_all(self) -> None:
        """ANALYZE the whole copy (the statistics as ANALYZE would write them now); an
        index built on it from then on is analysed as it is built."""
        self.sandbox.analyze()
        self.analyze = True
        self._stat_rows.clear()

    def _has_stat1(self) -> bool:
        return _has_stat1(self.sandbox)


class Workbench:
    """Working copies of ``database`` (only read), made as they are first asked for and
    removed on ``close`` (use it in a ``with`` block)."""

    def __init__(self, database: Path, catalog: Catalog, analyze: bool,
                 statement_seconds: float, both_states: bool = False) -> None:
        """``both_states``: every copy holds the statistics as found and after ANALYZE
        (``TwoStates``), handed out in one of them by ``state``; ``analyze`` is then
        the state a copy is in when made."""
        self.database = database
        self.catalog = catalog
        self.analyze = analyze
        self.both_states = both_states
        self.statement_seconds = statement_seconds
        self.counters = BenchCounters()
        # Each added index's bytes as first built on a copy: every copy holds the same
        # data, so an index has the same pages on each.
        self.sizes: dict[IndexSpec, int] = {}
        self._folder = tempfile.TemporaryDirectory(prefix="advisor-workbench-")
        self._copies: list[WorkingCopy] = []
        self._own = {index.name: index.sql for index in catalog.droppable if index.sql}

    def copies(self, count: int) -> list[WorkingCopy]:
        """The first ``count`` working copies, made now if they are not yet."""
        while len(self._copies) < count:
            self._copies.append(self._make(len(self._copies)))
        return self._copies[:count]

    def _make(self, number: int) -> WorkingCopy:
        started = time.perf_counter()
        path = Path(self._folder.name) / f"copy-{number}.db"
        copy_database(self.database, path)
        sandbox = Sandbox.throwaway(path, self.statement_seconds)
        known = {index.name for index in self.catalog.indexes}
        own = [name for (name,) in sandbox.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")]
        for name in own:
            if name not in known:  # --allow-drops: the catalog starts without it
                sandbox.drop_index(name)
        states = None
        if self.both_states:
            states = TwoStates(sandbox)
            sandbox = states.load(sandbox, self.analyze)
        elif self.analyze and not _has_stat1(sandbox):  # statistics it has are the target's
            sandbox.analyze()
        self.counters.copies += 1
        self.counters.copy_seconds += time.perf_counter() - started
        return WorkingCopy(sandbox, self.analyze, self.counters, self._own, self.sizes, states)

    def state(self, analysed: bool) -> StateView:
        """This workbench (made ``both_states``) in one statistics state."""
        if not self.both_states:
            raise ValueError("a workbench holding one statistics state has no other")
        return StateView(self, analysed)

    def close(self) -> None:
        for copy in self._copies:
            copy.sandbox.close()
        self._copies.clear()
        self._folder.cleanup()

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class StateView:
    """One statistics state of a workbench whose copies hold both: its copies, each
    loaded with this state's statistics as it is handed out (the pricer of a state
    then builds, plans and times on it before the other state's pricer asks)."""

    def __init__(self, bench: Workbench, analysed: bool) -> None:
        self.bench = bench
        self.analyze = analysed
        self.counters = bench.counters  # one workbench's: both states' builds counted once
        self.sizes = bench.sizes
        self.statement_seconds = bench.statement_seconds

    def copies(self, count: int) -> list[WorkingCopy]:
        copies = self.bench.copies(count)
        for copy in copies:
            copy.load(self.analyze)
        return copies


Bench = Workbench | StateView  # what a measured pricer builds on


class TwoStates:
    """The sqlite_stat1 rows of one copy as found (the copy's own, as made) and after
    ANALYZE; the copy holds one state's at a time. Made as the copy is made: ANALYZE
    runs on it once. An index built as found is analysed as the analysed state is next
    loaded (as one built there is analysed as it is built, ``WorkingCopy.apply``)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.rows = {False: _stat1_rows(sandbox)}
        sandbox.analyze()
        self.rows[True] = _stat1_rows(sandbox)
        self.loaded = True
        self.pending: set[str] = set()  # built as found, not analysed yet

    def load(self, sandbox: Sandbox, analysed: bool) -> Sandbox:
        """Put ``analysed``'s rows in sqlite_stat1 and open the copy again (so that SQLite
        reads them afresh); the sandbox to use from now on."""
        if analysed == self.loaded:
            return sandbox
        if self.loaded:  # the analysed rows as they are now, with those built since
            self.rows[True] = _stat1_rows(sandbox)
        sandbox.run_own("DELETE FROM sqlite_stat1")
        for row in self.rows[analysed]:
            sandbox.run_own("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", row)
        sandbox = sandbox.reopened()
        self.loaded = analysed
        if analysed:
            for name in sorted(self.pending):
                sandbox.analyze(name)
            self.pending.clear()
        return sandbox

    def built(self, sandbox: Sandbox, name: str) -> None:
        """An index just built: analysed now if the analysed state is loaded, else when
        it next is."""
        if self.loaded:
            sandbox.analyze(name)
        else:
            self.pending.add(name)

    def dropped(self, name: str) -> None:
        """An index dropped (SQLite deletes its rows from the loaded state's table)."""
        self.pending.discard(name)
        for state, rows in self.rows.items():
            self.rows[state] = [row for row in rows if row[1] != name]


def _stat1_rows(sandbox: Sandbox) -> list[tuple[object, ...]]:
    if not _has_stat1(sandbox):
        return []
    return sandbox.run_own("SELECT tbl, idx, stat FROM sqlite_stat1")


def _has_stat1(sandbox: Sandbox) -> bool:
    """Whether the copy has sqlite_stat1 (ANALYZE has run on it, or on its source)."""
    return bool(sandbox.run_own("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"))
