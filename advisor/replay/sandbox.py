"""Replay: run logged statements on a real SQLite database, safely, and time them.

A log is untrusted data, not a program. Replay never touches the user's
database: it works on a copy made with SQLite's backup API from the original
opened read-only. Every statement runs under an authorizer that refuses
ATTACH and DETACH, PRAGMAs that change state, ``load_extension`` and VACUUM
(``VACUUM INTO`` writes another file), and under a per-statement time limit
(a progress handler that interrupts). Refused and timed-out statements are
counted, never fatal.

Modes:
- ``sampled``: each statement timed on its own, ``repetitions`` times, the
  median kept; a write runs inside a savepoint that is rolled back, so every
  repetition sees the same data. Every timed run starts with SQLite's page
  cache emptied (``Sandbox.forget_pages``).
- ``sequential``: statements in log order, writes applied, as the server ran
  them.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from advisor.catalog.database import database_error, open_read_only
from advisor.catalog.schema import quote_identifier
from advisor.model.errors import AdvisorError
from advisor.model.frozen import frozen_mapping
from advisor.model.indexes import IndexSpec
from advisor.model.interrupts import raise_if_interrupted

DEFAULT_STATEMENT_SECONDS = 5.0
PROGRESS_OPCODES = 10_000  # how often the deadline is checked, in VM instructions
STEP_OPCODES = 100  # the grain of count_steps, in VM instructions
PROGRESS_SECONDS = 2.0  # in-order replay: progress told at least this often
PLANS_APART = " | "  # between the distinct plans of one template's statements (Sandbox.plans)
FAST_SECONDS = 0.005  # sampled mode times a fast statement until this much is timed…
FAST_RUNS = 31  # …or it has run this often (odd: the median is one run)

# PRAGMAs that only read; every other PRAGMA is refused.
READ_ONLY_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "database_list", "page_count", "page_size", "freelist_count",
    "compile_options", "function_list", "collation_list", "user_version", "schema_version",
    "data_version", "integrity_check", "quick_check", "foreign_key_check",
})
REFUSED_FUNCTIONS = frozenset({"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"})


class ReplayError(AdvisorError):
    """Nothing could be replayed."""


@dataclass(frozen=True)
class Outcome:
    """One execution: its time, or why it did not run."""

    seconds: float | None
    status: str  # "ok", "refused", "timeout", "error"
    detail: str = ""


@dataclass(frozen=True)
class Outcomes:
    """What happened to a replay's statements, by status, with the first few details."""

    counts: Mapping[str, int]
    examples: Mapping[str, tuple[str, ...]]


@dataclass
class Tally:
    """Outcomes as a replay goes: ``add`` each; ``frozen`` once it is done."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1
        if outcome.status != "ok":
            found = self.examples.setdefault(outcome.status, [])
            if len(found) < 5:
                found.append(outcome.detail)

    def frozen(self) -> Outcomes:
        return Outcomes(frozen_mapping(self.counts), frozen_mapping(
            {status: tuple(details) for status, details in self.examples.items()}))


def copy_database(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` with the backup API; the source is only read."""
    original = open_read_only(source)
    try:
        copy = sqlite3.connect(target)
        try:
            original.backup(copy)
        except sqlite3.DatabaseError as exc:
            named = database_error(exc, str(source))
            if named is None:
                raise
            raise named from exc
        finally:
            copy.close()
    finally:
        original.close()


class Sandbox:
    """A connection to a replay copy that runs untrusted statements safely."""

    def __init__(self, path: Path, statement_seconds: float = DEFAULT_STATEMENT_SECONDS,
                 durable: bool = True, clock: Callable[[], float] = time.perf_counter) -> None:
        """``durable=False``: a throwaway copy, its commits neither synced nor journaled on
        disk (a rolled-back write then costs no fsync between timed runs). ``clock`` times
        statements (``time.thread_time``: CPU time, which other processes' load does not
        stretch); the time limit is always wall time."""
        self.path = path
        self.statement_seconds = statement_seconds
        self.clock = clock
        self.durable = durable
        self.connection = sqlite3.connect(path, isolation_level=None)
        if not durable:  # set before the authorizer, which refuses writing PRAGMAs
            self.connection.execute("PRAGMA synchronous = OFF")
            self.connection.execute("PRAGMA journal_mode = MEMORY")
        self._deadline = 0.0
        self._refusal = ""
        self._held = False  # rolled-back writes run inside one open transaction
        self._permitted = ""  # a PRAGMA of our own the authorizer lets through
        # Timed cold when the database, as copied, outgrows SQLite's page cache
        # (cache_size: negative in KiB, else in pages) (``forget_pages``).
        size, page = (int(self.connection.execute(f"PRAGMA {name}").fetchone()[0])
                      for name in ("cache_size", "page_size"))
        self._cold = self.used_bytes() > (-size * 1024 if size < 0 else size * page)
        self.connection.set_authorizer(self._authorize)
        self.connection.set_progress_handler(self._progress, PROGRESS_OPCODES)

    @classmethod
    def throwaway(cls, path: Path, statement_seconds: float = DEFAULT_STATEMENT_SECONDS
                  ) -> Sandbox:
        """A sandbox on a copy made to be thrown away, timed in the replaying thread's CPU
        time: its commits neither synced nor journaled on disk."""
        return cls(path, statement_seconds, durable=False, clock=time.thread_time)

    def _authorize(self, action: int, arg1: str | None, arg2: str | None, database: str | None,
                   trigger: str | None) -> int:
        if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
            self._refusal = "ATTACH/DETACH"
            return sqlite3.SQLITE_DENY
        if (action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() not in READ_ONLY_PRAGMAS
                and (arg1 or "").lower() != self._permitted):
            self._refusal = f"PRAGMA {arg1}"
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
            self._refusal = f"function {arg2}"
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Statements run under ``seconds`` of time limit here, the sandbox's own after."""
        own, self.statement_seconds = self.statement_seconds, seconds
        try:
            yield
        finally:
            self.statement_seconds = own

    def _progress(self) -> int:
        return 1 if time.perf_counter() > self._deadline else 0

    def run(self, sql: str, params: Sequence[object] | dict[str, object] = ()) -> Outcome:
        """Execute one statement (fetching every row); never raises for the statement's sake."""
        if sql.lstrip()[:6].upper() == "VACUUM":
            return Outcome(None, "refused", "VACUUM (it may write another file)")
        self._refusal = ""
        self._deadline = time.perf_counter() + self.statement_seconds
        started = self.clock()
        try:
            cursor = self.connection.execute(sql, params)
            cursor.fetchall()
        except sqlite3.DatabaseError as exc:
            self._raise_unless_the_statements(exc)
            message = str(exc)
            if self._refusal or "not authorized" in message:
                return Outcome(None, "refused", self._refusal or message)
            if "interrupted" in message:
                self._rollback_if_open()
                return Outcome(None, "timeout", f"over {self.statement_seconds:g} s: {sql[:80]}")
            return Outcome(None, "error", f"{message}: {sql[:80]}")
        return Outcome(self.clock() - started, "ok")

    def forget_pages(self) -> None:
        """Empty this connection's page cache (its clean pages: a held transaction keeps
        the ones it wrote), so that the next run reads its pages from the operating
        system's cache, as a statement does in a database far larger than SQLite's
        cache whose pages the log's other statements keep evicting. Timed warm, after
        runs of the same statements, every page a lookup scatters over a large table
        was cached already: on the TPC-C-like workload the stock-level query's saving
        from stock(s_w_id, s_i_id, s_quantity) came out a fifth of what replaying the
        log in order measured, and the stock update's upkeep of it a fourth
        (docs/recommend.md, "Cold pages"). A database SQLite's cache holds whole stays
        cached on the server too, and is left warm: emptying its cache made the
        measurements of small databases jitter under load, for nothing."""
        if not self._cold:
            return
        self._deadline = float("inf")
        self._permitted = "shrink_memory"
        try:
            self.connection.execute("PRAGMA shrink_memory")
        finally:
            self._permitted = ""

    def hold_transaction(self) -> None:
        """Open a write transaction that rolled-back writes then run inside (each in its
        own savepoint) until ``release_transaction``: its start (the write lock, the
        journal opened) is then paid once, not timed with every write, where it was
        about half of a one-row insert's time and masked the upkeep of its indexes
        (docs/recommend.md, "Noise"). A server's writes run inside transactions too."""
        self._held = True
        self._begin_held()

    def release_transaction(self) -> None:
        """Roll back the transaction ``hold_transaction`` opened."""
        self._held = False
        self._rollback_if_open()

    def _own(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """One statement of our own, run to the end whatever the last statement's
        deadline: SQLite counts a cached statement's VM steps across its runs and calls
        the progress handler when they cross the next multiple of its grain, so the
        thousandth ROLLBACK TO of a replay was once interrupted by the deadline of the
        write before it, and the error ended a recommend."""
        self._deadline = float("inf")
        return self.connection.execute(sql, params)

    def _begin_held(self) -> None:
        if self._held and not self.connection.in_transaction:
            self._own("BEGIN IMMEDIATE")

    def run_rolled_back(self, sql: str, params: Sequence[object] | dict[str, object] = ()
                        ) -> Outcome:
        """Execute inside a savepoint that is rolled back: the data stays as it was."""
        self._begin_held()  # an interrupted write rolled the held transaction back
        self._own("SAVEPOINT advisor_replay")
        try:
            return self.run(sql, params)
        finally:
            # An interrupted write (a timeout, Ctrl-C) rolls back the whole transaction,
            # savepoint and all: there is nothing left to roll back then.
            if self.connection.in_transaction:
                self._own("ROLLBACK TO advisor_replay")
                self._own("RELEASE advisor_replay")

    def _raise_unless_the_statements(self, exc: sqlite3.DatabaseError) -> None:
        """A statement's error is counted; a stop signal its callbacks swallowed, or a
        corrupt copy, is not the statement's doing and ends the replay."""
        raise_if_interrupted()
        if database_error(exc) is not None:
            raise exc

    def count_steps(self, sql: str, write: bool) -> tuple[int | None, str]:
        """VM instructions one execution of ``sql`` takes (a write rolled back), counted
        to STEP_OPCODES, and how the run ended (Outcome.status); None if it did not run
        to the end. The same statement on the same data takes the same steps whatever
        the machine is doing."""
        steps = 0

        def count() -> int:
            nonlocal steps
            steps += 1
            return self._progress()

        self.connection.set_progress_handler(count, STEP_OPCODES)
        try:
            outcome = self.run_rolled_back(sql) if write else self.run(sql)
        finally:
            self.connection.set_progress_handler(self._progress, PROGRESS_OPCODES)
        return (steps * STEP_OPCODES if outcome.status == "ok" else None), outcome.status

    def _rollback_if_open(self) -> None:
        if self.connection.in_transaction:
            self._own("ROLLBACK")

    def build_indexes(self, specs: Iterable[IndexSpec]) -> tuple[float, int]:
        """Create indexes; returns (seconds, bytes of the pages they put in use).

        Pages in use, not the file's growth: a build takes free pages first (a dropped
        index's, or those of a database with a freelist), and the file then grows by
        less than the indexes hold, or not at all."""
        self._deadline = float("inf")  # our own statements run to the end
        before = self.used_bytes()
        started = time.perf_counter()
        try:
            for spec in specs:
                self.connection.execute(spec.create_sql())
        except sqlite3.OperationalError:
            raise_if_interrupted()  # a stop signal SQLite's progress handler turned into
            raise                   # "interrupted" (a build of a large index takes seconds)
        return time.perf_counter() - started, self.used_bytes() - before

    def plan(self, sql: str) -> str:
        """SQLite's plan for ``sql`` on this copy, its steps joined by "; " (or the error).

        The text asked carries the schema version: an EXPLAIN QUERY PLAN reads no
        table, so after an index is created or dropped SQLite would not notice, and the
        statement cache would give the plan from before."""
        version = self._own("PRAGMA schema_version").fetchone()[0]
        self._deadline = time.perf_counter() + self.statement_seconds
        try:
            rows = self.connection.execute(
                f"EXPLAIN QUERY PLAN /* schema {version} */ {sql}").fetchall()
        except sqlite3.DatabaseError as exc:
            self._raise_unless_the_statements(exc)
            return f"(no plan: {exc})"
        return "; ".join(str(row[-1]) for row in rows)

    def plans(self, statements: Sequence[str]) -> str:
        """SQLite's plans of one template's filled ``statements``: each distinct one, in
        the order they came, apart by PLANS_APART. A value written into the text can
        change the plan: a partial index WHERE status = 'delivered' serves the samples
        naming 'delivered' and not the others, and by its first sample alone a chat
        workload's configurations with it and without it planned alike, and their 0.35
        ms against 15.4 ms a run were called noise."""
        return PLANS_APART.join(dict.fromkeys(self.plan(sql) for sql in statements))

    def analyze(self, index: str | None = None) -> float:
        """Gather sqlite_stat1 (and stat4 where built in), of every table or of one index;
        returns the seconds it took."""
        started = time.perf_counter()
        self._own("ANALYZE" if index is None else f"ANALYZE {quote_identifier(index)}")
        return time.perf_counter() - started

    def run_own(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """One statement of our own (not the log's: no time limit, errors raised); its
        rows."""
        return self._own(sql, params).fetchall()

    def drop_index(self, name: str) -> None:
        """Drop an index (its sqlite_stat1 rows go with it)."""
        self._own(f"DROP INDEX {quote_identifier(name)}")

    def used_bytes(self) -> int:
        """The file's pages that hold something (all but the freelist's), in bytes."""
        pages, free, size = (self._own(f"PRAGMA {name}").fetchone()[0]
                             for name in ("page_count", "freelist_count", "page_size"))
        return (int(pages) - int(free)) * int(size)

    def reopened(self) -> Sandbox:
        """This sandbox closed, and its copy opened again alike: the new connection reads
        the schema and sqlite_stat1 afresh, where ``ANALYZE sqlite_schema`` keeps a
        table's row count from statistics that are gone (plans on TPC-H then differed
        from those on a copy that never had them)."""
        self.close()
        return Sandbox(self.path, self.statement_seconds, self.durable, self.clock)

    def close(self) -> None:
        self.connection.close()


@dataclass(frozen=True)
class TemplateTiming:
    template_id: str
    kind: str
    median_seconds: float | None
    runs: int
    seconds: tuple[float, ...] = ()  # every run's time, in the order run
    status: str = "ok"  # else why it stopped before a run was timed (an Outcome status)
    total_seconds: float | None = None  # replayed in log order: its statements' seconds summed


def time_sampled(sandbox: Sandbox, samples: Sequence[tuple[str, str, Sequence[str]]],
                 repetitions: int, tally: Tally) -> list[TemplateTiming]:
    """:func:`time_together` on one sandbox."""
    return time_together([sandbox], samples, repetitions, [tally])[0]


Progress = Callable[[str, int, int | None], None]  # (work, done, of total)


def time_together(sandboxes: Sequence[Sandbox],
                  samples: Sequence[tuple[str, str, Sequence[str]]], repetitions: int,
                  tallies: Sequence[Tally],
                  progress: Progress | None = None, closer: int = 1
                  ) -> list[list[TemplateTiming]]:
    """Median time of each (template id, kind, statements) sample on every sandbox (one
    list of timings per sandbox), each run at least ``repetitions`` times cycling over
    its statements, each run with SQLite's page cache emptied first; writes are rolled
    back. ``closer``: every run count and the time a fast statement is timed for, that
    many times over.

    The sandboxes take turns run by run, so that a burst of load on a shared
    machine slows every configuration alike instead of whichever ran then. A
    statement of a few microseconds is timed mostly by jitter: fast ones run
    on, up to FAST_RUNS times, until FAST_SECONDS have been timed. ``progress`` is
    told the templates done.
    """
    timings: list[list[TemplateTiming]] = [[] for _ in sandboxes]
    for done, (template_id, kind, statements) in enumerate(samples):
        if progress is not None:
            progress("replaying templates", done, len(samples))
        seconds: list[list[float]] = [[] for _ in sandboxes]
        stopped = ["ok"] * len(sandboxes)
        live = list(range(len(sandboxes)))
        if kind == "write":
            for box in sandboxes:
                box.hold_transaction()
        try:
            _take_turns(sandboxes, kind, statements, repetitions, tallies, seconds, stopped,
                        live, closer)
        finally:
            if kind == "write":
                for box in sandboxes:
                    box.release_transaction()
        for i, mine in enumerate(seconds):
            median = statistics.median(mine) if mine else None
            timings[i].append(TemplateTiming(template_id, kind, median, len(mine), tuple(mine),
                                             "ok" if mine else stopped[i]))
    return timings


def _take_turns(sandboxes: Sequence[Sandbox], kind: str, statements: Sequence[str],
                repetitions: int, tallies: Sequence[Tally], seconds: list[list[float]],
                stopped: list[str], live: list[int], closer: int = 1) -> None:
    """One template's runs, the sandboxes taking turns, until each has enough."""
    while live:
        for i in list(live):
            mine = seconds[i]
            sql = statements[len(mine) % len(statements)]
            box = sandboxes[i]
            box.forget_pages()
            outcome = box.run_rolled_back(sql) if kind == "write" else box.run(sql)
            tallies[i].add(outcome)
            if outcome.seconds is None:
                stopped[i] = outcome.status
                live.remove(i)
                continue
            mine.append(outcome.seconds)
            if len(mine) >= repetitions * closer and (sum(mine) >= FAST_SECONDS * closer
                                                      or len(mine) >= FAST_RUNS * closer):
                live.remove(i)


def counted(seconds: float | None, status: str, limit: float) -> float | None:
    """A run's seconds (or a template's median) as a total counts them: a time-out as
    the limit, a lower bound. Left out, the configuration slowest on it came out
    fastest (a ledger trial: no index at 43.6 s with 147 statements left out, each
    of them at least 1 s)."""
    return limit if status == "timeout" else seconds


def run_in_turns(sandboxes: Sequence[Sandbox], statements: Iterable[tuple[str, str]],
                 tallies: Sequence[Tally], progress: Progress | None = None,
                 seed: int = 0, each: Sequence[array] | None = None
                 ) -> list[dict[str, float]]:
    """Every (kind, sql) in log order, writes applied, on each sandbox; total seconds per
    template kind, per sandbox. Each statement runs on every sandbox before the next
    statement runs, in an order shuffled statement by statement. ``progress`` is told
    the statements run, every thousand and at least every PROGRESS_SECONDS (a ledger
    trial's slow statements put a minute between thousands).

    One log replayed on each copy in turn put minutes between the configurations, and
    the machine's load moved between them: the same configuration replayed twice that
    way differed by 8% on the ticketing workload. Taking turns in a fixed order was
    worse: among 33 copies, the first to run each statement, its caches cold after 32
    others, measured 25% slower than its twin. Shuffled, twins differ by 2%.
    ``each``: one array per sandbox, to which every statement's seconds are appended
    (0 where it did not run). A statement that runs into the time limit counts as the
    limit (``counted``)."""
    rng = random.Random(seed)
    order = list(range(len(sandboxes)))
    totals: list[dict[str, float]] = [{} for _ in sandboxes]
    told = time.perf_counter()
    for done, (kind, sql) in enumerate(statements):
        if progress is not None and (done % 1000 == 0
                                     or time.perf_counter() - told >= PROGRESS_SECONDS):
            progress("replaying the log in order", done, None)
            told = time.perf_counter()
        rng.shuffle(order)
        for i in order:
            outcome = sandboxes[i].run(sql)
            tallies[i].add(outcome)
            seconds = counted(outcome.seconds, outcome.status, sandboxes[i].statement_seconds)
            if seconds is not None:
                totals[i][kind] = totals[i].get(kind, 0.0) + seconds
            if each is not None:
                each[i].append(seconds or 0.0)
    return totals
