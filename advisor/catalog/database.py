"""The user's database: opened read-only, always (advisor never writes it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from advisor.model.errors import InputError


def _read_only_uri(path: str | Path) -> str:
    """The ``mode=ro`` URI of an existing database file, or an InputError."""
    target = Path(path)
    if not target.is_file():
        raise InputError(f"{target}: no such database file")
    return f"{target.resolve().as_uri()}?mode=ro"


def open_read_only(path: str | Path) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``), or an InputError that says why not."""
    uri = _read_only_uri(path)
    try:
        return sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot open it read-only: {exc}") from exc


def attach_read_only(connection: sqlite3.Connection, path: str | Path, alias: str) -> None:
    """Attach the database at ``path`` to ``connection`` (opened with ``uri=True``) as
    ``alias``, read-only: statements copy from it in SQLite, never write it."""
    uri = _read_only_uri(path)
    try:
        connection.execute("ATTACH DATABASE ? AS " + alias, (uri,))
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot open it read-only: {exc}") from exc
