"""Run statements one at a time and write each to two query logs of the same run.

The simulator's connection goes through :class:`Recorder`, which executes one
statement per call, times it, and hands the record to every sink:

- :class:`TraceProfileLog` writes what the sqlite3 shell's ``.trace --profile``
  writes: the expanded SQL (values inlined) and the time in nanoseconds.
- :class:`SqlxTracingLog` writes what a Rust server using sqlx writes through
  ``tracing``'s text formatter: the statement as the application wrote it
  (placeholders, no values), row counts and the elapsed time.

Both logs therefore hold the same statements, in the same order, with the same
durations, which is what lets advisor's ingest be checked format against format.
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
import re
import sqlite3
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Protocol

import sqlparse
from sqlparse.exceptions import SQLParseError

Params = Sequence[object] | Mapping[str, object]

_NANOS_PER_SECOND = 1_000_000_000
_SLOW_QUERY_NS = _NANOS_PER_SECOND  # sqlx logs statements slower than 1 s at WARN
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_RUST_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}
_VALUES_ROWS = re.compile(r"(\((?:\?, )*\?\))(?:, \1)+")  # two or more rows of placeholders
_CTE_NAME = re.compile(r"WITH\s+(?:RECURSIVE\s+)?(\w+)", re.IGNORECASE)
_TABLE_AFTER = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class Executed:
    """One statement as it ran: the text the app wrote, the text SQLite ran, and the outcome."""

    template: str
    expanded: str
    elapsed_ns: int
    rows_returned: int
    rows_affected: int
    at_us: int


class Sink(Protocol):
    """Anything that takes executed statements, one at a time, in order."""

    def write(self, record: Executed) -> None: ...

    def close(self) -> None: ...


class SimClock:
    """Simulated wall time in microseconds: deterministic, so log timestamps are reproducible.

    Each statement moves it on by a small seeded gap; the simulation moves it to
    the time of the event it is handling.
    """

    def __init__(self, start: dt.datetime, rng: random.Random) -> None:
        self._epoch = start
        self._rng = rng
        self.now_us = 0

    def tick(self) -> int:
        """Advance by one statement's share of server time and return the new time."""
        self.now_us += self._rng.randint(40, 400)
        return self.now_us

    def advance_to(self, seconds: float) -> None:
        """Jump forward to a simulated time in seconds (never backwards)."""
        self.now_us = max(self.now_us, round(seconds * 1_000_000))

    @property
    def seconds(self) -> float:
        return self.now_us / 1_000_000

    def iso(self, at_us: int | None = None, digits: int = 3) -> str:
        """The time as ISO-8601 UTC text with ``digits`` fractional digits."""
        moment = self._epoch + dt.timedelta(microseconds=self.now_us if at_us is None else at_us)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        fraction = f".{moment.microsecond:06d}"[: digits + 1] if digits else ""
        return f"{text}{fraction}Z"

    def rfc3339(self) -> str:
        """The time as chrono's ``to_rfc3339`` writes it (microseconds, ``+00:00``)."""
        moment = self._epoch + dt.timedelta(microseconds=self.now_us)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class Recorder:
    """Executes one statement per call on an autocommit connection and logs it.

    One call, one statement, one trace line: ``executemany`` and scripts would
    break the correspondence between the two logs, so they are not offered.
    """

    def __init__(self, conn: sqlite3.Connection, clock: SimClock, sinks: Sequence[Sink],
                 on_progress: Callable[[int], None] | None = None) -> None:
        if conn.isolation_level is not None:
            raise ValueError("the recorder needs an autocommit connection (isolation_level=None)")
        self._conn = conn
        self._clock = clock
        self._sinks = tuple(sinks)
        self._traced: list[str] = []
        self._on_progress = on_progress
        self.kinds: Counter[str] = Counter()
        self.templates: set[str] = set()
        self.muted_count = 0
        self._muted = False
        conn.set_trace_callback(self._traced.append)

    @property
    def count(self) -> int:
        """Statements recorded so far."""
        return self.kinds.total()

    def run(self, sql: str, params: Params = (), *, sqlx: bool = True) -> list[tuple]:
        """Execute ``sql`` with ``params``, fetch every row, log it, and return the rows.

        ``sqlx=False`` is for statements sqlx sends below its query logger (the BEGIN
        and COMMIT of ``pool.begin()`` transactions): the trace log has them, the sqlx
        log does not.
        """
        return self._execute(sql, params, sqlx)[0]

    def run_count(self, sql: str, params: Params = ()) -> int:
        """Execute a write like :meth:`run` and return the rows it changed."""
        return self._execute(sql, params, True)[1]

    def _execute(self, sql: str, params: Params, sqlx: bool) -> tuple[list[tuple], int]:
        self._traced.clear()
        start = time.perf_counter_ns()
        cursor = self._conn.execute(sql, params)
        rows = cursor.fetchall()
        elapsed = time.perf_counter_ns() - start
        changed = max(cursor.rowcount, 0)
        if self._muted:
            self.muted_count += 1
            return rows, changed
        if len(self._traced) != 1:
            raise RuntimeError(f"expected one traced statement, got {len(self._traced)}: {sql}")
        record = Executed(sql, self._traced[0], elapsed, len(rows), changed, self._clock.tick())
        for sink in self._sinks:
            if sqlx or not isinstance(sink, SqlxTracingLog):
                sink.write(record)
        self.kinds[statement_kind(sql)] += 1
        self.templates.add(sql)
        if self._on_progress is not None:
            self._on_progress(self.count)
        return rows, changed

    @contextmanager
    def muted(self) -> Iterator[None]:
        """Statements run but are not logged: the database's state before the captured
        window (they are counted in ``muted_count``)."""
        self._muted = True
        try:
            yield
        finally:
            self._muted = False

    def close(self) -> None:
        """Stop tracing and close every sink."""
        self._conn.set_trace_callback(None)
        for sink in self._sinks:
            sink.close()


def statement_kind(sql: str) -> str:
    """A coarse label for summaries: the verb and the first table, e.g. ``UPDATE job``."""
    verb = sql.split(None, 1)[0].upper()
    if verb == "WITH":  # name the common table expression: its body reads many tables
        cte = _CTE_NAME.match(sql)
        return f"WITH {cte.group(1)}" if cte else verb
    table = _TABLE_AFTER.search(sql)
    return f"{verb} {table.group(1)}" if table else verb


class TraceProfileLog:
    """The sqlite3 shell's ``.trace --profile`` format: ``<sql>; -- <ns> ns`` per statement."""

    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8", newline="\n")

    def write(self, record: Executed) -> None:
        self._file.write(f"{record.expanded}; -- {record.elapsed_ns} ns\n")

    def close(self) -> None:
        self._file.close()


class SqlxTracingLog:
    """sqlx's ``sqlx::query`` events as ``tracing``'s default text formatter prints them (gzip)."""

    def __init__(self, path: Path, clock: SimClock) -> None:
        # Open for the whole run; close() closes it.
        self._file: IO[str] = gzip.open(path, "wt", encoding="utf-8", newline="\n")  # noqa: SIM115
        self._clock = clock

    def write(self, record: Executed) -> None:
        level = " WARN" if record.elapsed_ns >= _SLOW_QUERY_NS else "DEBUG"
        self._file.write(
            f"{self._clock.iso(record.at_us, digits=6)} {level} sqlx::query: "
            f"{_sqlx_statement_fields(record.template)} "
            f"rows_affected={record.rows_affected} rows_returned={record.rows_returned} "
            f"elapsed={rust_debug_duration(record.elapsed_ns)} "
            f"elapsed_secs={rust_debug_f64(record.elapsed_ns / _NANOS_PER_SECOND)}\n"
        )

    def close(self) -> None:
        self._file.close()


@lru_cache(maxsize=4096)
def _sqlx_statement_fields(sql: str) -> str:
    """``summary=... db.statement=...`` for a template: the same text every time it runs."""
    summary, statement = sqlx_summary(sql)
    return f"summary={rust_debug_str(summary)} db.statement={rust_debug_str(statement)}"


def sqlx_summary(sql: str) -> tuple[str, str]:
    """sqlx's ``summary`` and ``db.statement`` fields for one statement text.

    The summary is the first four words; when that is not the whole statement it
    gets " …" and the statement is logged pretty-printed between blank lines,
    otherwise the statement field is empty.
    """
    summary = " ".join(sql.split()[:4])
    if summary == sql:
        return summary, ""
    return f"{summary} …", f"\n\n{pretty_sql(sql)}\n"


def pretty_sql(sql: str) -> str:
    """Reindented SQL, as sqlx's formatter would print it (sqlparse stands in for it).

    A multi-row VALUES list is laid out from a two-row copy, its row separator
    repeated: the result is the same, and formatting a 250-row INSERT no longer
    costs a tenth of a second per distinct row count.
    """
    rows = _VALUES_ROWS.search(sql)
    if rows is None:
        return _reindent(sql)
    row = rows.group(1)
    count = (len(rows.group(0)) + 2) // (len(row) + 2)
    pretty = _reindent(f"{sql[: rows.start()]}{row}, {row}{sql[rows.end():]}")
    first = pretty.find(row)
    second = pretty.find(row, first + len(row))
    if first < 0 or second < 0:
        return _reindent(sql)
    separator = pretty[first + len(row): second]
    return f"{pretty[:first]}{separator.join([row] * count)}{pretty[second + len(row):]}"


@lru_cache(maxsize=1024)
def _reindent(sql: str) -> str:
    """sqlparse's reindent; it refuses to group very long statements, which stay on one line."""
    try:
        return sqlparse.format(sql, reindent=True, keyword_case="upper")
    except SQLParseError:
        return sqlparse.format(sql, keyword_case="upper")


def rust_debug_str(text: str) -> str:
    """``format!("{:?}", text)`` in Rust: quoted, with control characters escaped."""
    out = ['"']
    for char in text:
        if char in _RUST_ESCAPES:
            out.append(_RUST_ESCAPES[char])
        elif unicodedata.category(char) in _UNPRINTABLE:
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def rust_debug_duration(nanos: int) -> str:
    """``format!("{:?}", Duration::from_nanos(nanos))``: largest unit >= 1, no trailing zeros."""
    seconds, rest = divmod(nanos, _NANOS_PER_SECOND)
    if seconds:
        whole, fraction, digits, unit = seconds, rest, 9, "s"
    elif rest >= 1_000_000:
        (whole, fraction), digits, unit = divmod(rest, 1_000_000), 6, "ms"
    elif rest >= 1_000:
        (whole, fraction), digits, unit = divmod(rest, 1_000), 3, "µs"
    else:
        return f"{rest}ns"
    decimals = f"{fraction:0{digits}d}".rstrip("0")
    return f"{whole}.{decimals}{unit}" if decimals else f"{whole}{unit}"


def rust_debug_f64(value: float) -> str:
    """``format!("{:?}", value)`` for an f64: shortest round-trip digits, Rust's exponent style.

    Python's repr switches to scientific notation at the same thresholds; only
    the exponent is written differently (``1e-05`` in Python, ``1e-5`` in Rust).
    """
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"
