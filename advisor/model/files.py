"""Files the user names (--db, --schema, --profile, --against), checked before anything
is read: a mistyped path is one line naming it, as a missing log is, and is never
created (SQLite would create a database where it is asked to open one)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from advisor.model.errors import InputError


def check_named(path: str | Path, what: str, folders: bool = False,
                error: type[InputError] = InputError) -> Path:
    """``path`` if it is there and readable, and not a folder unless ``folders``; else
    ``error`` saying why, ``what`` naming what the path should be ("profile file").
    Nothing is opened: a named pipe would block."""
    target = Path(path)
    try:
        mode = target.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"{target}: no such {what}") from None
    except OSError as exc:  # a name too long, a folder on the way it may not enter
        raise error(f"{target}: cannot read it ({exc.strerror})") from None
    if stat.S_ISDIR(mode) and not folders:
        raise error(f"{target}: a folder, not a {what}")
    if not os.access(target, os.R_OK):
        raise error(f"{target}: cannot read it (check its permissions)")
    return target
