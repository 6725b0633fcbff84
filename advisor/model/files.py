"""Files the user names (--db, --schema, --profile, --against), checked before anything
is read: a mistyped path is one line naming it, as a missing log is, and is never
created (SQLite would create a database where it is asked to open one). A folder to
write into (--migrations-dir) is checked as early: it, or the folder it would be made
in, must take files, lest a run fail only when its work is done."""

from __future__ import annotations

import os
import stat
import tempfile
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


def check_writable_folder(path: str | Path, what: str) -> Path:
    """``path`` if it is a folder that takes new files, or can be made where its nearest
    existing parent folder takes them (nothing is left behind: a file is made there and
    removed at once); else InputError saying why, ``what`` naming the folder
    ("migrations folder")."""
    target = Path(path)
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{target}: cannot make a {what} there ({existing} is not a folder)")
    where = "" if existing == target else f" in {existing}"
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{target}: cannot write a {what}{where} (check its permissions)")
    # Permissions do not say it all: root may write anywhere by them, and /proc or a
    # read-only mount still refuse (a newcomer's run failed there after all its work).
    try:
        handle, probe = tempfile.mkstemp(prefix=".advisor-probe-", dir=existing)
    except OSError as exc:
        raise InputError(f"{target}: cannot write a {what}{where} ({exc.strerror})") from None
    os.close(handle)
    os.unlink(probe)
    return target
