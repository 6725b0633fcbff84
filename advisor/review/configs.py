"""Index configurations as commands name them (``-c``): ``none``, ``recommended``, a file
of indexes (CREATE and DROP INDEX statements or ``table(col)`` lines), or ``table(col, …)``
specs separated by ``;`` — any of them named ``NAME=…`` for the reports. Each means the
database's own indexes, less those the file drops, plus those it names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from advisor.advise.recommend import recommend
from advisor.analysis.workload import Workload
from advisor.catalog.index_lists import load_index_changes, read_index
from advisor.model.errors import InputError
from advisor.model.indexes import IndexSpec, parse_index
from advisor.replay.measure import Configuration

NONE = "none"
# What advisor recommend chooses on the estimate (--estimate-only): a comparison that
# measured its own "recommended" would replay the workload twice over.
RECOMMENDED = "recommended"

_FILE, _SPECS = "file", "specs"  # the other kinds of configuration text
_NAMED = re.compile(r"^\s*([\w.+-]+)\s*=\s*(.+)$", re.DOTALL)
_NAMED_NOTHING = re.compile(r"^\s*[\w.+-]+\s*=\s*$")


def resolve_configurations(texts: Sequence[str], workload: Workload) -> list[Configuration]:
    """Each text as a configuration, in order; ``recommended`` is searched
    for once however often it is named."""
    found: list[tuple[IndexSpec, ...]] = []

    def recommended() -> tuple[IndexSpec, ...]:
        if not found:
            found.append(tuple(entry.spec for entry in recommend(workload).chosen))
        return found[0]

    return [_resolve(text, workload, recommended) for text in texts]


def check_configurations(texts: Sequence[str]) -> None:
    """An InputError for a text that can only name a file and names none, or an index it
    spells that cannot be read as one, before the logs are read or a database
    synthesised (a newcomer's 'loan((' was refused after 5.5 s of reading the log); the
    names in the specs are checked later, with the catalog."""
    for text in texts:
        _, kind, body = _parse(text)
        if kind == _SPECS:
            for part in _parts(body):
                parse_index(part)


def _resolve(text: str, workload: Workload,
             recommended: Callable[[], tuple[IndexSpec, ...]]) -> Configuration:
    label, kind, body = _parse(text)
    if kind == NONE:
        return Configuration(label, ())
    if kind == RECOMMENDED:
        return Configuration(label, recommended())
    if kind == _FILE:
        return Configuration(label, *load_index_changes(body, workload.catalog))
    return Configuration(label, tuple(read_index(part, workload.catalog)
                                      for part in _parts(body)))


def _parts(specs: str) -> list[str]:
    """The index specs of a ';'-separated configuration text."""
    return [part for part in specs.split(";") if part.strip()]


def _parse(text: str) -> tuple[str, str, str]:
    """(label, kind, what it holds): NONE, RECOMMENDED, a file (its path) or specs (their
    text); an InputError when it can only be a file and is none."""
    if text in (NONE, RECOMMENDED):
        return text, text, ""
    if _is_file(text):
        return Path(text).name, _FILE, text
    if _NAMED_NOTHING.match(text):
        raise InputError(f"config {text}: nothing after '=' (-c NAME=WHAT takes {NONE}, "
                         f"{RECOMMENDED}, a file of indexes or 'table(col, …)')")
    named = _NAMED.match(text)
    if named and "(" not in named.group(1):
        _, kind, body = _parse(named.group(2).strip())
        return named.group(1), kind, body
    if text.strip() and "(" not in text:  # every index spec has one: this names a file
        raise InputError(_no_file(text))
    return text, _SPECS, text


def _no_file(text: str) -> str:
    """Why a configuration that can only be a file's name is none."""
    try:
        folder = Path(text).is_dir()
    except OSError:
        folder = False
    if folder:
        return f"config {text}: a folder, not a file of indexes"
    return (f"no such config file: {text} (-c takes {NONE}, {RECOMMENDED}, a file of "
            "indexes or 'table(col, …)')")


def _is_file(text: str) -> bool:
    """Whether ``text`` names a file; an index list longer than a file name can be is not
    one (the system refuses to look it up)."""
    try:
        return Path(text).is_file()
    except OSError:
        return False
