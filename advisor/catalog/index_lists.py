"""Indexes named by the user, checked against the catalog: one on the command line
(``read_index``) or a file of them (``load_index_list``)."""

from __future__ import annotations

from pathlib import Path

from advisor.catalog.schema import Catalog, SchemaError, catalog_from_sql
from advisor.model.indexes import IndexSpec, IndexSpecError, parse_index


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
    for name in spec.column_names:
        if name.lower() not in known:
            raise IndexSpecError(f"index {spec}: table {spec.table} has no column {name!r}")


def load_index_list(path: str, catalog: Catalog) -> list[IndexSpec]:
    """Indexes named in a file: CREATE INDEX statements (read by SQLite itself, on a copy
    of the schema) or one ``table(col, …)`` per line; ``--`` comments allowed."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise IndexSpecError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise IndexSpecError(f"{path}: not a text file of CREATE INDEX statements or "
                             "table(col) lines") from None
    if "create" in text.lower():
        try:
            extended = catalog_from_sql([("schema", ";\n".join(catalog.ddl) + ";"), (path, text)],
                                        path)
        except SchemaError as exc:
            raise IndexSpecError(str(exc)) from None
        known = {index.name for index in catalog.indexes}
        return [index.spec for index in extended.indexes
                if index.name not in known and index.origin == "c"]
    specs = []
    for line in text.splitlines():
        line = line.split("--", 1)[0].strip()
        if line:
            specs.append(read_index(line, catalog))
    if not specs:
        raise IndexSpecError(
            f"{path}: no indexes in it (CREATE INDEX statements or table(col) lines)")
    return specs
