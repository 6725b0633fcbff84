"""The user's database: opened read-only, always (advisor never writes it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from advisor.model.errors import InputError


def open_read_only(path: str | Path) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``), or an InputError that says why not."""
    target = Path(path)
    if not target.is_file():
        raise InputError(f"{target}: no such database file")
    try:
        return sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"{target}: cannot open it read-only: {exc}") from exc
