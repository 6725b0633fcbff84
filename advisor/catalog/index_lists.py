"""Indexes named by the user, checked against the catalog: one on the command line
(``read_index``), a file of them (``load_index_list``), or a file of CREATE and DROP INDEX
statements that changes the database's own (``load_index_changes``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from advisor.catalog.schema import Catalog, Index, SchemaError, catalog_from_sql
from advisor.model.indexes import (
    IndexSpec,
    IndexSpecError,
    KeyExpression,
    parse_index,
    sqlite_refuses,
)


def read_index(text: str, catalog: Catalog) -> IndexSpec:
    """``parse_index``, then check that the table and its columns exist."""
    spec = parse_index(text)
    check_index(spec, catalog)
    return spec


def check_index(spec: IndexSpec, catalog: Catalog) -> None:
    table = catalog.table(spec.table)
    if table is None:
        raise IndexSpecError(f"index {spec}: no table {spec.table!r} in the schema")
    if table.virtual:
        raise IndexSpecError(f"index {spec}: {table.name} is a virtual table, which SQLite "
                             "cannot index")
    known = {name.lower() for name in table.column_names}
    for name in spec.columns_read:  # an expression key's columns
        if name.lower() not in known:
            raise IndexSpecError(f"index {spec}: table {spec.table} has no column {name!r}")
    for name in spec.column_names:
        refused = sqlite_refuses(name) if isinstance(name, KeyExpression) else None
        if refused:
            raise IndexSpecError(f"index {spec}: SQLite cannot index {name}: {refused}")


# A file of statements, not of table(col) lines: one begins with CREATE or DROP (a
# column named created_at is no statement).
_STATEMENT = re.compile(r"^\s*(?:CREATE|DROP)\s", re.I | re.M)
_NO_SUCH_INDEX = re.compile(r"no such index: (.+)$")  # SQLite's words for such a DROP


class IndexChanges(NamedTuple):
    """What a file does to the database's indexes: those it creates, and the names of
    the database's own that it drops."""

    creates: tuple[IndexSpec, ...]
    drops: tuple[str, ...]


def _check_modelled(index: Index, path: str) -> None:
    """A file's index that an IndexSpec cannot hold is refused, not read as another: one on
    an expression advisor cannot write back as SQLite matches it (``ifnull(...)``, which
    sqlglot writes as ``coalesce``) became ``users("<expression -2>")``."""
    what = index.unmodelled
    if what is not None:
        raise IndexSpecError(
            f"{path}: index {index.name} has {what}: advisor weighs indexes on columns and "
            "on expressions it writes back as SQLite matches them; leave it out of the file")


def load_index_list(path: str, catalog: Catalog) -> list[IndexSpec]:
    """Indexes named in a file: CREATE INDEX statements (read by SQLite itself, on a copy
    of the schema) or one ``table(col, …)`` per line; ``--`` comments allowed. What it
    drops is not a list of indexes: ``load_index_changes`` reads that too."""
    return list(load_index_changes(path, catalog).creates)


def load_index_changes(path: str, catalog: Catalog) -> IndexChanges:
    """The indexes a file creates and the database's own it drops. Its statements run, as
    written, on an empty copy of the schema: SQLite itself reads them (quoting, IF EXISTS,
    comments), and refuses a DROP of an index the database lacks without IF EXISTS."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise IndexSpecError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise IndexSpecError(f"{path}: not a text file of CREATE INDEX statements or "
                             "table(col) lines") from None
    if _STATEMENT.search(text):
        try:
            extended = catalog_from_sql([("schema", ";\n".join(catalog.ddl) + ";"), (path, text)],
                                        path)
        except SchemaError as exc:
            missing = _NO_SUCH_INDEX.search(str(exc))
            if missing:
                raise IndexSpecError(
                    f"{path}: it drops {missing.group(1)}, an index the database does not have "
                    "(DROP INDEX IF EXISTS would pass over it)") from None
            raise IndexSpecError(str(exc)) from None
        # By name and definition: a file may drop an index and create it anew, changed.
        before = {(index.name, index.spec) for index in catalog.droppable}
        after = {(index.name, index.spec) for index in extended.droppable}
        created = [index for index in extended.droppable
                   if (index.name, index.spec) not in before]
        for index in created:
            _check_modelled(index, path)
        return IndexChanges(
            tuple(index.spec for index in created),
            tuple(index.name for index in catalog.droppable
                  if (index.name, index.spec) not in after))
    specs = []
    for line in text.splitlines():
        line = line.split("--", 1)[0].strip()
        if line:
            specs.append(read_index(line, catalog))
    if not specs:
        raise IndexSpecError(
            f"{path}: no indexes in it (CREATE INDEX statements or table(col) lines)")
    return IndexChanges(tuple(specs), ())
