"""What the audit reads from the database: once, read-only.

The database file is checked (catalog.database), then read on a read-only connection
(``read_database``): SQLite's version, rows per table today, sqlite_stat1 as
it stands, every index's key and, where dbstat answers, its bytes. ``analysed``
runs ANALYZE on a temporary copy for the statistics as they would be today;
the database itself is never written.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from advisor.catalog.database import database_error, open_read_only
from advisor.catalog.schema import Catalog, quote_identifier
from advisor.catalog.statistics import Statistics, from_database
from advisor.model.errors import InputError
from advisor.model.frozen import freeze_mappings
from advisor.replay.sandbox import copy_database
from advisor.whatif.planner import StatRow


@dataclass(frozen=True)
class DatabaseFacts:
    """What the audit reads from the database once (read-only)."""

    sqlite_version: str
    rows: Mapping[str, int | None]  # table (lower) -> COUNT(*) now
    stat_rows: tuple[StatRow, ...] | None  # None: no sqlite_stat1
    stat4: bool
    keys: Mapping[str, tuple[tuple[str, bool, str], ...] | None]  # index -> (col, desc, coll)
    bytes: Mapping[str, int]  # index -> bytes (dbstat), where dbstat answers

    def __post_init__(self) -> None:
        freeze_mappings(self, "rows", "keys", "bytes")


def read_database(path: Path, catalog: Catalog) -> DatabaseFacts:
    """``read_facts`` on a read-only connection; an InputError when SQLite cannot read it."""
    with closing(open_read_only(path)) as connection:
        try:
            return read_facts(connection, catalog)
        except sqlite3.DatabaseError as exc:
            raise (database_error(exc, str(path))
                   or InputError(f"{path}: not a readable SQLite database: {exc}")) from None


def read_facts(connection: sqlite3.Connection, catalog: Catalog) -> DatabaseFacts:
    version = connection.execute("SELECT sqlite_version()").fetchone()[0]
    rows: dict[str, int | None] = {}
    for table in catalog.tables.values():
        try:
            rows[table.name.lower()] = connection.execute(
                f"SELECT count(*) FROM {quote_identifier(table.name)}").fetchone()[0]
        except sqlite3.Error:  # a virtual table whose module this SQLite lacks
            rows[table.name.lower()] = None
    names = {r[0] for r in connection.execute(
        "SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite_stat%'")}
    stat_rows = (tuple(connection.execute("SELECT tbl, idx, stat FROM sqlite_stat1"))
                 if "sqlite_stat1" in names else None)
    keys: dict[str, tuple[tuple[str, bool, str], ...] | None] = {}
    for index in catalog.indexes:
        columns = [row for row in connection.execute(
            f"PRAGMA index_xinfo({quote_identifier(index.name)})") if row[5]]
        # An expression column (cid -2) has no name to compare: such an index is
        # never called a duplicate or a prefix.
        keys[index.name] = None if any(row[1] == -2 for row in columns) else tuple(
            (row[2].lower(), bool(row[3]), (row[4] or "BINARY").upper()) for row in columns)
    sizes: dict[str, int] = {}
    try:
        for index in catalog.indexes:
            found = connection.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?",
                                       (index.name,)).fetchone()[0]
            if found is not None:
                sizes[index.name] = int(found)
    except sqlite3.Error:
        pass  # no dbstat in this SQLite: sizes are estimated
    return DatabaseFacts(version, rows, stat_rows, "sqlite_stat4" in names, keys, sizes)


def analysed(database: Path, catalog: Catalog) -> tuple[tuple[StatRow, ...], Statistics]:
    """sqlite_stat1 as ``ANALYZE`` would write it today (ANALYZE run on a temporary
    copy), and the statistics it gives: rows and distinct values as they are now."""
    with tempfile.TemporaryDirectory(prefix="advisor-audit-") as folder:
        copy = Path(folder) / "analyze.db"
        copy_database(database, copy)
        connection = sqlite3.connect(copy)
        try:
            connection.execute("ANALYZE")
            connection.commit()
            rows = tuple(connection.execute("SELECT tbl, idx, stat FROM sqlite_stat1"))
        finally:
            connection.close()
        return rows, from_database(catalog, copy)
