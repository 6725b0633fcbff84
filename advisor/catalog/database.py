"""The user's database: checked to be one, opened read-only, always (advisor never writes
it); and SQLite's errors that are a database's fault rather than advisor's, named.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from advisor.model.errors import InputError
from advisor.model.files import check_named

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_SECONDS = 5.0  # how long a read waits for another connection's write lock


class DatabaseFileError(InputError):
    """A database is missing, not a SQLite file, corrupt, locked, or cannot be written."""


def check_database(path: str | Path) -> Path:
    """The path of a SQLite database file, or a DatabaseFileError that says why not.

    SQLite takes an empty file for an empty database, and any text file given
    elsewhere for a schema script; a ``--db`` must begin with SQLite's header.
    """
    target = check_named(path, "database file", error=DatabaseFileError)
    if not target.is_file():  # a named pipe, say: reading its header could block
        raise DatabaseFileError(f"{target}: not a file")
    try:
        with target.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseFileError(f"{target}: cannot read it ({exc.strerror})") from None
    if header != SQLITE_HEADER:
        why = "an empty file" if not header else "no 'SQLite format 3' header"
        raise DatabaseFileError(f"{target}: not a SQLite database ({why})")
    return target


def _read_only_uri(path: str | Path) -> str:
    """The ``mode=ro`` URI of a checked database file, or an InputError."""
    return f"{check_database(path).resolve().as_uri()}?mode=ro"


def open_read_only(path: str | Path) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``) to a checked database, or an InputError."""
    uri = _read_only_uri(path)
    try:
        return sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS)
    except sqlite3.Error as exc:
        raise DatabaseFileError(f"{path}: cannot open it read-only: {exc}") from exc


def attach_read_only(connection: sqlite3.Connection, path: str | Path, alias: str) -> None:
    """Attach the database at ``path`` to ``connection`` (opened with ``uri=True``) as
    ``alias``, read-only: statements copy from it in SQLite, never write it."""
    uri = _read_only_uri(path)
    try:
        connection.execute("ATTACH DATABASE ? AS " + alias, (uri,))
    except sqlite3.Error as exc:
        raise DatabaseFileError(f"{path}: cannot open it read-only: {exc}") from exc


# SQLite's primary result codes that say something about the file, not the statement.
_CORRUPT, _NOTADB, _BUSY, _LOCKED, _FULL, _IOERR, _CANTOPEN = 11, 26, 5, 6, 13, 10, 14
# Python before 3.11 gives no code: the messages SQLite writes for them.
_BY_MESSAGE = {
    "database disk image is malformed": _CORRUPT,
    "file is not a database": _NOTADB,
    "database is locked": _BUSY,
    "database table is locked": _LOCKED,
    "database or disk is full": _FULL,
    "disk I/O error": _IOERR,
    "unable to open database file": _CANTOPEN,
}


def _result_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF  # extended codes carry the primary one in the low byte
    return next((found for text, found in _BY_MESSAGE.items() if text in str(exc)), None)


def database_error(exc: sqlite3.Error, database: str | None = None) -> DatabaseFileError | None:
    """The user error an SQLite error stands for, when it is the database's fault (corrupt,
    not a database, locked, disk full or failing); None when it is not (a bug of ours)."""
    code = _result_code(exc)
    name = database or "a database advisor works on"
    said = f"(SQLite: {exc})"
    if code == _CORRUPT:
        return DatabaseFileError(f"{name}: the database is corrupt {said}; "
                                 "PRAGMA integrity_check in the sqlite3 shell tells where")
    if code == _NOTADB:
        return DatabaseFileError(f"{name}: not a SQLite database {said}")
    if code in (_BUSY, _LOCKED):
        return DatabaseFileError(f"{name}: locked by another connection {said}; try again "
                                 "when it is free")
    if code == _FULL:
        return DatabaseFileError(f"the disk is full {said}: replay and audit work on copies "
                                 "in the temporary folder (TMPDIR)")
    if code in (_IOERR, _CANTOPEN):
        return DatabaseFileError(f"{name}: cannot read or write it {said}")
    return None
