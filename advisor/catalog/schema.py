"""Catalog: tables, columns, keys and existing indexes of a schema.

SQLite itself parses the schema: a DDL file or a migrations folder is applied
to an empty in-memory database, a live database is opened read-only, and the
catalog is read back through PRAGMAs. So whatever SQLite accepts, the catalog
understands, and the implicit indexes of PRIMARY KEY and UNIQUE constraints
(``sqlite_autoindex_*``) are there exactly as SQLite builds them.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from advisor.catalog.database import database_error, open_read_only
from advisor.model.errors import AdvisorError
from advisor.model.frozen import freeze_mappings
from advisor.model.indexes import IndexSpec, KeyExpression, collated_key, key_expression

# The names SQLite reads as a table's rowid (unless a column takes one of them).
ROWID_NAMES = frozenset({"rowid", "oid", "_rowid_"})
# A collation named in a CREATE INDEX: its columns may compare otherwise than the table's.
_COLLATE = re.compile(r"\bCOLLATE\b", re.I)


class SchemaError(AdvisorError):
    """A schema file, migrations folder or database cannot be read as a schema."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    primary_key_position: int  # 0 when not part of the primary key
    collation: str = "BINARY"  # as its CREATE TABLE declares it (upper case)


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    on_delete: str


@dataclass(frozen=True)
class IndexColumn:
    # A column name; an expression's KeyExpression, read from the CREATE INDEX; or
    # "<expression N>" where that text could not be read back faithfully.
    name: str
    descending: bool = False
    collation: str = "BINARY"  # its COLLATE, as SQLite reports it

    @property
    def is_expression(self) -> bool:
        return isinstance(self.name, KeyExpression) or not self.modelled

    @property
    def modelled(self) -> bool:
        """Whether ``name`` says what the key is (a column, or a KeyExpression)."""
        return not self.name.startswith("<expression")

    def __str__(self) -> str:
        return f"{self.name} DESC" if self.descending else self.name


@dataclass(frozen=True)
class Index:
    """An index as SQLite has it. ``origin``: ``c`` CREATE INDEX, ``pk``, ``u`` UNIQUE."""

    name: str
    table: str
    columns: tuple[IndexColumn, ...]
    unique: bool
    origin: str
    where: str | None = None
    sql: str | None = None  # its CREATE INDEX statement (None for key autoindexes)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def describe(self) -> str:
        """``table(col, col DESC)`` plus ``WHERE …`` for a partial index."""
        text = f"{self.table}({', '.join(str(c) for c in self.columns)})"
        return f"{text} WHERE {self.where}" if self.where else text

    @property
    def unmodelled(self) -> str | None:
        """What its ``spec`` leaves out, said: an expression advisor cannot write back as
        SQLite matches it; None where the spec is the whole index (a key in another
        collation than its column's is a KeyExpression naming it)."""
        if not all(c.modelled for c in self.columns):
            return "an expression"
        return None

    @property
    def spec(self) -> IndexSpec:
        """This index as a value, comparable with hypothetical ones."""
        return IndexSpec(self.table, tuple((c.name, c.descending) for c in self.columns),
                         self.where)

    def is_prefix_of(self, longer: IndexSpec) -> bool:
        """Whether ``longer``, built as advisor builds indexes, gives every seek this index
        gives, so that this one may be redundant beside it: a CREATE INDEX index, not
        UNIQUE (it enforces something), not partial (it is smaller, and planned apart)
        and naming no collation (a recommended index compares as its table's columns
        do), whose columns, directions included, are ``longer``'s leading ones."""
        return (self.origin == "c" and not self.unique and self.where is None
                and longer.where is None and not _COLLATE.search(self.sql or "")
                and len(self.columns) < len(longer.columns)
                and self.spec.is_prefix_of(longer))


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    without_rowid: bool
    foreign_keys: tuple[ForeignKey, ...]
    # A virtual table (FTS5, R*Tree, …): queried, never indexed. Its columns include the
    # hidden ones a query may name (FTS5's table-named column for MATCH, its rank).
    virtual: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def collation(self, column: str) -> str:
        """The collation ``column`` compares in, as declared (BINARY for one it lacks)."""
        return next((c.collation for c in self.columns if c.name.lower() == column.lower()),
                    "BINARY")

    @property
    def primary_key(self) -> tuple[str, ...]:
        keyed = sorted((c for c in self.columns if c.primary_key_position),
                       key=lambda c: c.primary_key_position)
        return tuple(c.name for c in keyed)

    @property
    def rowid_alias(self) -> str | None:
        """The INTEGER PRIMARY KEY column that is the rowid, if there is one."""
        key = self.primary_key
        if self.without_rowid or len(key) != 1:
            return None
        column = next(c for c in self.columns if c.name == key[0])
        return column.name if column.type.upper() == "INTEGER" else None


@dataclass(frozen=True)
class Catalog:
    """Tables and indexes by name; names compare case-insensitively, as in SQLite."""

    tables: Mapping[str, Table]
    indexes: tuple[Index, ...]
    ddl: tuple[str, ...]  # CREATE statements, to rebuild the schema elsewhere
    # lower-cased view name -> its CREATE VIEW statement: a query naming a view reads
    # the view's tables
    views: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        freeze_mappings(self, "tables", "views")

    def table(self, name: str) -> Table | None:
        return self.tables.get(name.lower())

    def indexes_on(self, table: str) -> tuple[Index, ...]:
        lowered = table.lower()
        return tuple(index for index in self.indexes if index.table.lower() == lowered)

    @property
    def droppable(self) -> tuple[Index, ...]:
        """Indexes made by CREATE INDEX: the ones a migration may drop (keys may not)."""
        return tuple(index for index in self.indexes if index.origin == "c")

    def without(self, indexes: tuple[Index, ...]) -> Catalog:
        """The same schema without some CREATE INDEX indexes (to weigh keeping them)."""
        names = {index.name for index in indexes}
        statements = {index.sql for index in indexes}
        return Catalog(
            tables=self.tables,
            indexes=tuple(index for index in self.indexes if index.name not in names),
            ddl=tuple(sql for sql in self.ddl if sql not in statements),
            views=self.views,
        )


def load_catalog(path: str | os.PathLike[str]) -> Catalog:
    """A catalog from a DDL file, a migrations folder, or a SQLite database file."""
    target = Path(path)
    if not target.exists():
        raise SchemaError(f"{target}: no such file or folder")
    if target.is_dir():
        return catalog_from_sql(_migration_scripts(target), str(target))
    if _is_sqlite_file(target):
        return catalog_from_database(target)
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{target}: cannot read it as SQL text ({exc})") from exc
    return catalog_from_sql([(str(target), text)], str(target))


def _is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _migration_scripts(folder: Path) -> list[tuple[str, str]]:
    """``*.up.sql`` in name order (sqlx's form); plain ``*.sql`` when there are none."""
    scripts = sorted(folder.glob("*.up.sql")) or sorted(
        p for p in folder.glob("*.sql") if not p.name.endswith(".down.sql"))
    if not scripts:
        raise SchemaError(f"{folder}: no *.up.sql or *.sql migrations in it")
    try:
        return [(str(p), p.read_text(encoding="utf-8")) for p in scripts]
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{folder}: cannot read a migration as SQL text ({exc})") from exc


def catalog_from_sql(scripts: list[tuple[str, str]], name: str) -> Catalog:
    """Apply DDL scripts, in order, to an empty in-memory database and read it back."""
    connection = sqlite3.connect(":memory:")
    try:
        for script_name, text in scripts:
            try:
                connection.executescript(text)
            except sqlite3.Error as exc:
                raise SchemaError(f"{script_name}: SQLite rejects it: {exc}") from exc
        return read_catalog(connection)
    finally:
        connection.close()


def catalog_from_database(path: Path) -> Catalog:
    """Read the schema of a database file, opened read-only (it is never written)."""
    connection = open_read_only(path)
    try:
        return read_catalog(connection)
    except sqlite3.DatabaseError as exc:
        raise (database_error(exc, str(path))
               or SchemaError(f"{path}: not a readable SQLite database: {exc}")) from exc
    finally:
        connection.close()


def read_catalog(connection: sqlite3.Connection) -> Catalog:
    """The catalog of an open connection's main schema."""
    # A virtual table's shadow tables (FTS5's *_data, *_idx, …) are its storage: creating
    # the virtual table creates them again, so neither their DDL nor they are the schema's.
    shadow = {name for (name,) in connection.execute(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'")}
    rows = [row for row in connection.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema "
        "WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid") if row[1] not in shadow]
    tables: dict[str, Table] = {}
    for kind, name, _, _ in rows:
        if kind == "table":
            tables[name.lower()] = _read_table(connection, name)
    indexes = tuple(
        index for table in tables.values() for index in _read_indexes(connection, table))
    ddl = tuple(sql for _, _, _, sql in rows if sql)
    views = {name.lower(): sql for kind, name, _, sql in rows if kind == "view" and sql}
    return Catalog(tables=tables, indexes=indexes, ddl=ddl, views=views)


def quote_identifier(name: str) -> str:
    """A table, column or index name quoted for SQL, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def _read_table(connection: sqlite3.Connection, name: str) -> Table:
    listing = connection.execute(
        "SELECT type, wr FROM pragma_table_list WHERE schema = 'main' AND name = ?",
        (name,)).fetchone()
    virtual = bool(listing and listing[0] == "virtual")
    declared = _collations(connection.execute(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (name,)).fetchone())
    columns = tuple(
        Column(name=row[1], type=row[2] or "", not_null=bool(row[3]),
               primary_key_position=row[5], collation=declared.get(row[1].lower(), "BINARY"))
        for row in connection.execute(f"PRAGMA table_xinfo({quote_identifier(name)})")
        if row[6] != 1 or virtual  # 1: a virtual table's hidden column; 2, 3: generated
    )
    grouped: dict[int, list[tuple[str, str, str, str]]] = {}
    for row in connection.execute(f"PRAGMA foreign_key_list({quote_identifier(name)})"):
        grouped.setdefault(row[0], []).append((row[3], row[2], row[4] or "", row[6]))
    foreign_keys = tuple(
        ForeignKey(columns=tuple(r[0] for r in refs), parent=refs[0][1],
                   parent_columns=tuple(r[2] for r in refs), on_delete=refs[0][3])
        for _, refs in sorted(grouped.items())
    )
    return Table(name=name, columns=columns, without_rowid=bool(listing and listing[1]),
                 foreign_keys=foreign_keys, virtual=virtual)


def _collations(row: tuple[str | None] | None) -> dict[str, str]:
    """Each column's declared COLLATE in a CREATE TABLE (lower-cased name -> upper-cased
    collation); SQLite's PRAGMAs do not say it. Nothing where the statement does not parse
    (its columns then compare as BINARY here). Only a statement naming a COLLATE is
    parsed: parsing each table's made reading a catalog six times slower."""
    if not row or not _COLLATE.search(row[0] or ""):
        return {}
    try:
        statement = sqlglot.parse_one(row[0] or "", read="sqlite")
    except SqlglotError:
        return {}
    found = {}
    for column in statement.find_all(exp.ColumnDef):
        for constraint in column.args.get("constraints") or ():
            kind = constraint.args.get("kind")
            if isinstance(kind, exp.CollateColumnConstraint):
                found[column.name.lower()] = kind.this.name.upper()
    return found


def _read_indexes(connection: sqlite3.Connection, found: Table) -> list[Index]:
    """``found``'s indexes. A key in another collation than its column's declared one
    (``email COLLATE NOCASE`` on a BINARY email) is a KeyExpression saying so: it serves
    the comparisons in that collation, not the column's own."""
    table = found.name
    indexes = []
    sql_by_name = dict(connection.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?", (table,)))
    for _, name, unique, origin, partial in connection.execute(
            f"PRAGMA index_list({quote_identifier(table)})"):
        keys = [row for row in connection.execute(
            f"PRAGMA index_xinfo({quote_identifier(name)})") if row[5]]  # not the rowid
        expressions = (_key_expressions(sql_by_name.get(name), len(keys))
                       if any(row[2] is None for row in keys) else [])
        columns = tuple(
            IndexColumn(name=_key_name(row, expressions[place] if expressions else None,
                                       found),
                        descending=bool(row[3]), collation=row[4] or "BINARY")
            for place, row in enumerate(keys))
        where = _partial_where(sql_by_name.get(name)) if partial else None
        indexes.append(Index(name=name, table=table, columns=columns, unique=bool(unique),
                             origin=origin, where=where, sql=sql_by_name.get(name)))
    return indexes


def _key_name(row: tuple[object, ...], expression: KeyExpression | None,
              found: Table) -> str:
    """An index_xinfo row's key: its column, as a KeyExpression in its collation where
    that is not the column's declared one; else the expression read from the CREATE
    INDEX, or a placeholder where it could not be read back faithfully."""
    column, collation = row[2], str(row[4] or "BINARY").upper()
    if not isinstance(column, str):
        return expression or _expression(int(str(row[1])))
    if collation != found.collation(column):
        return collated_key(column, collation)
    return column


def _key_expressions(sql: str | None, count: int) -> list[KeyExpression | None]:
    """Each key of a CREATE INDEX: its KeyExpression where it is an expression whose
    canonical text reads as it is written there (SQLite matches a query's expression to
    an index's by function name: sqlglot writes ``ifnull`` as ``coalesce``), else None;
    nothing where the statement does not parse into ``count`` keys."""
    try:
        statement = sqlglot.parse_one(sql or "", read="sqlite")
    except SqlglotError:
        return []
    index = statement.this if isinstance(statement, exp.Create) else None
    params = index.args.get("params") if isinstance(index, exp.Index) else None
    keys = params.args.get("columns") or [] if params is not None else []
    if len(keys) != count:
        return []
    written = re.sub(r"\s+", "", (sql or "").lower())
    out: list[KeyExpression | None] = []
    for key in keys:
        node = key.this if isinstance(key, exp.Ordered) else key
        found = None
        if not isinstance(node, (exp.Column, exp.Collate)):
            text = key_expression(node)
            found = text if re.sub(r"\s+", "", text.lower()) in written else None
        out.append(found)
    return out


def _expression(rank: int) -> str:
    # SQLite reports an expression column as cid -2 with no name; the text
    # lives only in the CREATE INDEX statement.
    return f"<expression {rank}>"


def _partial_where(sql: str | None) -> str | None:
    """The WHERE clause of a CREATE INDEX statement."""
    if not sql:
        return None
    upper = sql.upper()
    position = upper.rfind(" WHERE ")
    return sql[position + len(" WHERE "):].strip() if position >= 0 else None
