"""A sampled ANALYZE: the sqlite_stat1 line of any index, built or not, from a database's rows.

The database is only read: it is attached read-only to a copy in a temporary
directory (removed on every way out), which holds its tables, each whole when
it has at most ``max_rows`` rows and else a uniform sample of about that many.
The indexes asked about are built on the copy and ANALYZE run there; its
lines are read back. A table copied whole gives exactly the line ANALYZE on
the database would write with that index built. For a sampled table each
number is scaled to the whole table: the rows, and per column prefix the rows
per distinct value, the distinct values estimated from how often the sample
saw each (advisor.catalog.distinct_values), so that a column of three values
stays at a third of the rows and a unique one at one.

``PRAGMA analysis_limit`` is not used: it reads only the first entries of each
index, so a three-valued column whose first N entries share a value is
reported as N rows per value (with N = 1000 on 200,000 rows: 1,001 where
ANALYZE says 66,667).

The sample is the same on every run and as good as a random one: rowids drawn
by a generator seeded with the table's name, looked up one by one (the rows
read are the sample's, whatever the table's size); where rowids are sparse, or
there are none (WITHOUT ROWID), every row is read and kept when a mixing hash
of its position falls below the sampled share. (A plain Weyl sequence over
the rowid would spread the sample too evenly: rows of one parent, stored side
by side, would look like distinct values.)

sqlite_stat4 is not gathered: neither this Python's SQLite nor the planner
copies it builds are compiled with SQLITE_ENABLE_STAT4 (``PRAGMA compile_options``
would list ENABLE_STAT4), so the what-if planner could not read it.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from advisor.catalog.database import attach_read_only
from advisor.catalog.distinct_values import estimate_distinct, rows_per_value
from advisor.catalog.schema import Catalog, Table, quote_identifier
from advisor.model.frozen import freeze_mappings
from advisor.model.indexes import IndexSpec, key_sql

DEFAULT_MAX_ROWS = 20_000  # per table; docs/benchmarks.md has the measured cost and error
SOURCE = "source"  # the attached database's schema name in the copy
DENSE = 4  # rowids are drawn when they span at most this many times the rows
_MODULUS = 2_147_483_647  # the hash's prime, 2^31 - 1


def _record_bytes(column: str) -> str:
    """SQL for the bytes a value of ``column`` takes in a record (without its header
    byte)."""
    sizes = " ".join(f"WHEN {column} BETWEEN -{2 ** (8 * n - 1)} AND {2 ** (8 * n - 1) - 1} "
                     f"THEN {n}" for n in (1, 2, 3, 4, 6))
    return (f"CASE typeof({column}) WHEN 'integer' THEN CASE {sizes} ELSE 8 END "
            f"WHEN 'real' THEN 8 WHEN 'null' THEN 0 ELSE length(CAST({column} AS BLOB)) END")


def sample_hash(position: int) -> int:
    """A position mixed into [0, 2^31 - 1) as evenly as a random draw: golden-ratio step,
    then two multiply-xorshift rounds."""
    mixed = (position % _MODULUS) * 1_327_217_884 % _MODULUS
    mixed ^= mixed >> 15
    mixed = mixed * 1_103_515_245 % _MODULUS
    mixed ^= mixed >> 13
    return mixed * 48_271 % _MODULUS


@dataclass(frozen=True)
class SampleCost:
    """How much a sampled ANALYZE read, and how long it took."""

    rows_copied: int
    rows_total: int
    tables: int
    sampled_tables: tuple[str, ...]  # those above the sample size (the rest copied whole)
    indexes: int  # lines gathered
    seconds: float

    def describe(self) -> str:
        """As a report's note says it."""
        whole = "every table whole" if not self.sampled_tables else (
            f"{len(self.sampled_tables)} of {self.tables} tables sampled")
        return (f"index statistics from ANALYZE on a sample: {self.rows_copied:,} of "
                f"{self.rows_total:,} rows ({whole}), {self.indexes} indexes, "
                f"{self.seconds:.1f} s")


@dataclass(frozen=True)
class SampledStats:
    """sqlite_stat1 lines per index, the rows of every table copied, and the cost."""

    lines: Mapping[IndexSpec, str]
    table_rows: Mapping[str, int]  # table (lower case) -> its rows, counted
    cost: SampleCost
    # (table, column) in lower case -> the mean bytes a value takes in a record, over the
    # rows copied
    column_bytes: Mapping[tuple[str, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        freeze_mappings(self, "lines", "table_rows", "column_bytes")


class SampleCopy:
    """The copy: tables filled on opening, indexes added and analysed by ``stat1_lines``.

    Use it in a ``with`` block: closing it removes the temporary directory.
    """

    def __init__(self, database: str | Path, catalog: Catalog,
                 max_rows: int = DEFAULT_MAX_ROWS) -> None:
        started = time.perf_counter()
        self.catalog = catalog
        self.max_rows = max_rows
        self._exits = ExitStack()
        try:
            folder = self._exits.enter_context(
                tempfile.TemporaryDirectory(prefix="advisor-sample-"))
            self._db = sqlite3.connect(Path(folder) / "sample.db", isolation_level=None,
                                       uri=True)
            self._exits.callback(self._db.close)
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.create_function("advisor_sample_hash", 1, sample_hash, deterministic=True)
            attach_read_only(self._db, database, SOURCE)
            self.rows: dict[str, int] = {}  # table (lower case) -> rows in the database
            self.copied: dict[str, int] = {}  # table (lower case) -> rows in the copy
            self.widths: dict[tuple[str, str], float] = {}  # SampledStats.column_bytes
            self._run_ddl(("TABLE",))
            self._db.execute("BEGIN")
            for table in catalog.tables.values():
                self._fill(table)
            self._db.execute("COMMIT")
            self._db.execute(f"DETACH DATABASE {SOURCE}")
            self._run_ddl(("INDEX", "UNIQUE"))  # built once the rows are in: faster
            self._built: dict[IndexSpec, str] = {
                index.spec: index.name for index in catalog.indexes
                if index.table.lower() in self.copied}
            self._lines: dict[IndexSpec, str] = {}
        except BaseException:
            self._exits.close()
            raise
        self.seconds = time.perf_counter() - started

    def _run_ddl(self, kinds: tuple[str, ...]) -> None:
        """The schema's ``CREATE <kind>`` statements (tables, then indexes; no triggers or
        views: the copy is filled, not used); one this SQLite refuses is left out."""
        for statement in self.catalog.ddl:
            words = [word.upper() for word in statement.split(None, 2)[:2]]
            if len(words) == 2 and words[0] == "CREATE" and words[1] in kinds:
                try:
                    self._db.execute(statement)
                except sqlite3.Error:
                    continue

    def _fill(self, table: Table) -> None:
        """Copy the table, whole or sampled; a table the copy or the database lacks (or
        whose columns differ) is left out."""
        name = quote_identifier(table.name)
        try:
            names = [row[1] for row in self._db.execute(f"PRAGMA main.table_xinfo({name})")
                     if row[6] == 0]
            columns = ", ".join(quote_identifier(n) for n in names)
            rows = self._db.execute(f"SELECT count(*) FROM {SOURCE}.{name}").fetchone()[0]
            if not columns:
                return
            source, params = f"{SOURCE}.{name}", ""
            if rows > self.max_rows:
                source, params = self._sampled_rows(table, rows)
            self._db.execute(f"INSERT INTO main.{name} ({columns}) SELECT {columns} "
                             f"FROM {source}", (params,) if params else ())
        except sqlite3.Error:
            return
        self.rows[table.name.lower()] = rows
        self.copied[table.name.lower()] = self._db.execute(
            f"SELECT count(*) FROM main.{name}").fetchone()[0]
        self._measure_widths(table, names)

    def _measure_widths(self, table: Table, names: list[str]) -> None:
        """The mean bytes of each of ``names``, the table's columns, in the rows copied,
        as a record stores them: an integer as the smallest of its 1-8 byte forms, a real
        in 8, text and blobs at their length in bytes, NULL in none."""
        if not self.copied[table.name.lower()]:
            return
        means = self._db.execute(
            f"SELECT {', '.join(f'avg({_record_bytes(quote_identifier(n))})' for n in names)} "
            f"FROM main.{quote_identifier(table.name)}").fetchone()
        self.widths.update({(table.name.lower(), n.lower()): float(mean)
                            for n, mean in zip(names, means, strict=True)})

    def _sampled_rows(self, table: Table, rows: int) -> tuple[str, str]:
        """What to select from for about ``max_rows`` of the table's rows, uniformly: rowids
        drawn (dense rowids; the parameter is their JSON list), else the rows whose
        position hashes below the share."""
        source = f"{SOURCE}.{quote_identifier(table.name)}"
        if not table.without_rowid:
            low, high = self._db.execute(f"SELECT min(rowid), max(rowid) FROM {source}"
                                         ).fetchone()
            span = high - low + 1
            if span <= DENSE * rows:
                draws = min(span, -(-self.max_rows * span // rows))
                drawn = random.Random(f"advisor-sample/{table.name}").sample(
                    range(low, high + 1), draws)
                return f"{source} WHERE rowid IN (SELECT value FROM json_each(?))", str(drawn)
        threshold = _MODULUS * self.max_rows // rows
        return (f"(SELECT *, row_number() OVER () AS advisor_position FROM {source}) "
                f"WHERE advisor_sample_hash(advisor_position) < {threshold}", "")

    def stat1_lines(self, specs: Iterable[IndexSpec]) -> dict[IndexSpec, str]:
        """The sqlite_stat1 line of each index (built here when it is not yet), scaled
        to the whole table; an index that cannot be built here, or on an empty table,
        has none."""
        started = time.perf_counter()
        fresh = []
        for spec in dict.fromkeys(specs):
            if spec in self._lines or spec.table.lower() not in self.copied:
                continue
            if spec not in self._built:
                try:
                    self._db.execute(spec.create_sql())
                except sqlite3.Error:
                    continue  # a column the data lacks
                self._built[spec] = spec.name
            fresh.append(spec)
        for spec in fresh:
            name = self._built[spec]
            self._db.execute(f"ANALYZE main.{quote_identifier(name)}")
            found = self._db.execute("SELECT stat FROM main.sqlite_stat1 WHERE idx = ?",
                                     (name,)).fetchone()
            if found is not None:
                line = self._scaled(spec, found[0])
                if line is not None:
                    self._lines[spec] = line
        self.seconds += time.perf_counter() - started
        return {spec: self._lines[spec] for spec in dict.fromkeys(specs) if spec in self._lines}

    def _scaled(self, spec: IndexSpec, line: str) -> str | None:
        """``line`` as the whole table would give it: unchanged for a table copied whole;
        for a sampled one, its rows and every key prefix's rows per value scaled up
        (an expression key's values counted as a column's; None for a key that names
        no column of the table)."""
        table = spec.table.lower()
        total, copied = self.rows[table], self.copied[table]
        if copied == total:
            return line
        known = {c.lower() for c in self.catalog.tables[table].column_names}
        if any(column.lower() not in known for column in spec.columns_read):
            return None
        words = line.split()
        sample_rows = int(words[0])
        rows = round(sample_rows * total / copied)
        where = f" WHERE {spec.where}" if spec.where else ""
        numbers = [str(rows)]
        for width in range(1, min(len(spec.columns), len(words) - 1) + 1):
            prefix = ", ".join(key_sql(c) for c in spec.column_names[:width])
            frequencies = dict(self._db.execute(
                f"SELECT n, count(*) FROM (SELECT count(*) AS n FROM "
                f"main.{quote_identifier(spec.table)}{where} GROUP BY {prefix}) GROUP BY n"))
            numbers.append(str(rows_per_value(rows, estimate_distinct(frequencies, rows))))
        return " ".join(numbers + words[len(numbers):])

    @property
    def statistics(self) -> SampledStats:
        """Every line gathered so far, with the rows counted and what it all cost."""
        sampled = tuple(sorted(t for t, n in self.copied.items() if n < self.rows[t]))
        return SampledStats(dict(self._lines), dict(self.rows), SampleCost(
            sum(self.copied.values()), sum(self.rows.values()), len(self.rows), sampled,
            len(self._lines), self.seconds), dict(self.widths))

    def close(self) -> None:
        self._exits.close()

    def __enter__(self) -> SampleCopy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
