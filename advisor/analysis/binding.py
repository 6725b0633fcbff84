"""Binding: every column reference of a statement tied to the table occurrence it reads.

sqlglot does the resolution (``qualify`` against the catalog as a schema, then
its scopes): aliases, joins, ``USING``, derived tables, CTEs, set operations and
correlated subqueries all follow SQL's own scoping rules. This module turns its
answer into plain values the analysis can classify: the occurrences of catalog
tables, and for each column node the occurrence and catalog column it names.
What cannot be bound is a :class:`Unanalysable` whose message is the reason.

>>> from advisor.catalog.schema import catalog_from_sql
>>> catalog = catalog_from_sql([("s", "CREATE TABLE t (id INTEGER PRIMARY KEY, a)")], "s")
>>> binding = bind(parse_statement("SELECT a FROM t AS x WHERE id = ?"), catalog)
>>> [(o.table, o.alias) for o in binding.occurrences]
[('t', 'x')]
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.schema import MappingSchema

from advisor.catalog.schema import ROWID_NAMES, Catalog
from advisor.model.frozen import frozen_mapping

DIALECT = "sqlite"
# SQLite's own tables: readable, never indexable, and absent from a catalog.
SYSTEM_TABLES: Mapping[str, tuple[str, ...]] = {
    "sqlite_schema": ("type", "name", "tbl_name", "rootpage", "sql"),
    "sqlite_master": ("type", "name", "tbl_name", "rootpage", "sql"),
    "sqlite_temp_schema": ("type", "name", "tbl_name", "rootpage", "sql"),
    "sqlite_temp_master": ("type", "name", "tbl_name", "rootpage", "sql"),
    "sqlite_sequence": ("name", "seq"),
    "sqlite_stat1": ("tbl", "idx", "stat"),
}
_MAIN_SCHEMAS = frozenset({"", "main", "temp"})


class Unanalysable(Exception):
    """A statement that cannot be analysed; ``str(exc)`` is the named reason."""


@dataclass(frozen=True)
class Occurrence:
    """One place a statement reads a catalog table (a self-join has two)."""

    table: str  # as the catalog names it
    alias: str
    position: int  # in text order: occurrences sort as the statement names them


@dataclass(frozen=True)
class ColumnRef:
    """A column node bound to its occurrence, named as the catalog names it."""

    occurrence: Occurrence
    column: str
    position: int


@dataclass(frozen=True)
class CatalogView:
    """The catalog as sqlglot wants it, plus case-insensitive name lookups."""

    catalog: Catalog
    schema: MappingSchema
    columns: Mapping[str, Mapping[str, str]]  # lower table -> lower column -> catalog column
    # lower view name -> its query as a derived table (copied for each use), or the
    # reason it cannot be read
    views: Mapping[str, exp.Subquery | str]

    def table(self, name: str) -> str | None:
        """The catalog's spelling of a table name."""
        table = self.catalog.table(name)
        return table.name if table is not None else None

    def table_columns(self, table: str) -> tuple[str, ...]:
        found = self.catalog.table(table)
        return found.column_names if found is not None else ()

    def column(self, table: str, name: str) -> str | None:
        """The catalog's spelling of ``table.name``; rowid, oid and _rowid_ name the
        rowid alias (the INTEGER PRIMARY KEY) where there is one."""
        return self.columns.get(table.lower(), {}).get(name.lower())


_VIEWS: dict[int, tuple[Catalog, CatalogView]] = {}


def catalog_view(catalog: Catalog) -> CatalogView:
    """The view of ``catalog``, built once per catalog object (it is immutable)."""
    cached = _VIEWS.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    if len(_VIEWS) > 16:
        _VIEWS.clear()
    view = _build_view(catalog)
    _VIEWS[id(catalog)] = (catalog, view)
    return view


def _build_view(catalog: Catalog) -> CatalogView:
    # Column types do not matter to binding; one simple type keeps sqlglot from
    # parsing SQLite's free-form declared types.
    mapping: dict[str, object] = {}  # table -> {column: type}, as MappingSchema takes it
    columns: dict[str, dict[str, str]] = {}
    for table in catalog.tables.values():
        key = table.name.lower()
        mapping[key] = {c.name.lower(): "TEXT" for c in table.columns}
        names = {c.name.lower(): c.name for c in table.columns}
        if not table.without_rowid:
            names.update(dict.fromkeys(ROWID_NAMES, table.rowid_alias or "rowid"))
        columns[key] = names
    for name, system_columns in SYSTEM_TABLES.items():
        mapping.setdefault(name, dict.fromkeys(system_columns, "TEXT"))
    views = {name: _view_query(name, sql) for name, sql in catalog.views.items()}
    return CatalogView(catalog, MappingSchema(mapping, dialect=DIALECT), frozen_mapping(columns),
                       frozen_mapping(views))


def _view_query(name: str, sql: str) -> exp.Subquery | str:
    """A view's query as the derived table SQLite reads it as, its column list (if the
    view names its columns) on the alias; or why it cannot be read."""
    try:
        with _quiet_sqlglot():
            create = sqlglot.parse_one(sql, dialect=DIALECT)
    except (ParseError, TokenError) as exc:
        return f"unsupported: view {name}: {str(exc).splitlines()[0] if str(exc) else exc}"
    query = create.expression if isinstance(create, exp.Create) else None
    if not isinstance(query, exp.Query):
        return f"unsupported: view {name}: no query in its CREATE VIEW"
    listed = create.this.expressions if isinstance(create.this, exp.Schema) else []
    alias = exp.TableAlias(this=exp.to_identifier(name),
                           columns=[exp.to_identifier(c.name) for c in listed] or None)
    return exp.Subquery(this=query, alias=alias)


# --- parsing --------------------------------------------------------------------

_REPLACE_PREFIX = re.compile(r"\s*REPLACE\b", re.IGNORECASE)


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """Silence sqlglot's "falling back to a Command" warning; we report it ourselves."""
    logger = logging.getLogger("sqlglot")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


# sqlglot's messages name its own classes and tokens: "missing for <class
# 'sqlglot.expressions.core.EQ'>", "but got <Token token_type: TokenType.SENTINEL, ...>".
_CLASS = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>")
_TOKEN = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: .*?>")


def _parse_reason(exc: ParseError | TokenError, text: str) -> str:
    """sqlglot's first message in words of the SQL: its classes by name, a token by its
    text (the end of the statement as such), and, where it stopped at the end, that the
    statement ends early (a line cut off: ``WHERE member_id =``)."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    message = _CLASS.sub(r"\1", message)
    message = _TOKEN.sub(lambda m: "the end of the statement" if m.group(1) == "SENTINEL"
                         else f"'{m.group(2)}'", message)
    errors = getattr(exc, "errors", None) or [{}]
    line, col = errors[0].get("line"), errors[0].get("col")
    lines = text.rstrip().rstrip(";").rstrip().splitlines()
    if lines and line == len(lines) and isinstance(col, int) and col >= len(lines[-1]):
        return f"the statement ends early ({message})"
    return message


def parse_statement(sql: str) -> exp.Expression:
    """One statement as a sqlglot tree, or :class:`Unanalysable` with the reason."""
    # sqlglot reads only INSERT OR REPLACE; SQLite's REPLACE is the same statement.
    text = _REPLACE_PREFIX.sub("INSERT OR REPLACE", sql, count=1) if _REPLACE_PREFIX.match(
        sql) else sql
    try:
        with _quiet_sqlglot():
            statements = [s for s in sqlglot.parse(text, dialect=DIALECT) if s is not None]
    except (ParseError, TokenError) as exc:
        raise Unanalysable(f"parse error: {_parse_reason(exc, text)}") from exc
    if not statements:
        raise Unanalysable("parse error: no statement")
    if len(statements) > 1:
        raise Unanalysable("unsupported: several statements in one")
    statement = statements[0]
    if not isinstance(statement, exp.Expression):
        raise Unanalysable(f"parse error: {type(statement).__name__} is not a statement")
    if isinstance(statement, exp.Command):
        raise Unanalysable(f"unsupported: {statement.name.upper()} statement")
    return statement


# --- binding --------------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """A qualified read statement with its occurrences and bound columns."""

    root: exp.Expression
    scopes: tuple[Scope, ...]
    occurrences: tuple[Occurrence, ...]
    by_scope: Mapping[int, tuple[Occurrence, ...]]  # id(scope) -> its FROM/JOIN occurrences
    refs: Mapping[int, ColumnRef]  # id(column node) -> what it names
    catalog: Catalog | None = None  # what it was bound against

    def ref(self, node: exp.Expression) -> ColumnRef | None:
        """What ``node`` names when it is a plain column (in parentheses or not)."""
        node = unparen(node)
        return self.refs.get(id(node)) if isinstance(node, exp.Column) else None

    def scope_occurrences(self, scope: Scope) -> tuple[Occurrence, ...]:
        return self.by_scope.get(id(scope), ())

    def columns_of(self, node: exp.Expression, occurrence: Occurrence) -> bool:
        """Whether ``node`` (including its subqueries) reads a column of ``occurrence``."""
        return any(
            (ref := self.refs.get(id(column))) is not None and ref.occurrence == occurrence
            for column in node.find_all(exp.Column))


def unparen(node: exp.Expression) -> exp.Expression:
    """``((x))`` is ``x``."""
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def bind(root: exp.Expression, catalog: Catalog) -> Binding:
    """Qualify ``root`` (a query; it is changed in place) and bind its columns."""
    view = catalog_view(catalog)
    _inline_views(root, view)
    _check_tables(root, view)
    _check_using(root, view)
    _fold_identifiers(root)
    _mark_recursive(root)
    try:
        qualify(root, schema=view.schema, dialect=DIALECT, validate_qualify_columns=False,
                allow_partial_qualification=True, quote_identifiers=False)
        scopes = tuple(traverse_scope(root))
    except OptimizeError as exc:
        raise Unanalysable(f"unsupported: {str(exc).splitlines()[0]}") from exc
    positions = {id(node): i for i, node in enumerate(text_order(root))}
    by_scope, by_table = _occurrences(scopes, view, positions)
    refs: dict[int, ColumnRef] = {}
    for scope in scopes:
        for column in scope.columns:
            if id(column) not in refs:
                ref = _resolve(column, scope, view, by_table, positions)
                if ref is not None:
                    refs[id(column)] = ref
    occurrences = tuple(sorted(by_table.values(), key=lambda o: o.position))
    return Binding(root, scopes, occurrences, frozen_mapping(by_scope), frozen_mapping(refs),
                   catalog)


# Set on a view's query where a statement named the view: its literals are the view's,
# not values of the statement (literals.value_nodes passes over them).
VIEW_BODY = "advisor_view"
_VIEW_DEPTH = 32  # views of views, inlined at most this deep


def _inline_views(root: exp.Expression, view: CatalogView) -> None:
    """Each view the statement reads becomes its query, as a derived table under the
    name (or alias) it was read by, so that its tables and columns are bound too."""
    ctes = {cte.alias_or_name.lower() for cte in root.find_all(exp.CTE)}
    for _ in range(_VIEW_DEPTH):
        named = [table for table in root.find_all(exp.Table)
                 if not _is_table_function(table) and table.text("db").lower() in _MAIN_SCHEMAS
                 and (name := table.name.lower()) in view.views and name not in ctes
                 and view.catalog.table(name) is None]
        if not named:
            return
        for table in named:
            query = view.views[table.name.lower()]
            if isinstance(query, str):
                raise Unanalysable(query)
            inlined = query.copy()
            inlined.meta[VIEW_BODY] = True
            if table.alias:
                inlined.set("alias", exp.TableAlias(
                    this=exp.to_identifier(table.alias), columns=query.alias_column_names
                    and [exp.to_identifier(c) for c in query.alias_column_names]))
            table.replace(inlined)
    raise Unanalysable("unsupported: views nested too deep")


def _check_tables(root: exp.Expression, view: CatalogView) -> None:
    """Every table the statement names is a CTE, a catalog table or a system table."""
    ctes = {cte.alias_or_name.lower() for cte in root.find_all(exp.CTE)}
    for table in root.find_all(exp.Table):
        if _is_table_function(table):
            continue
        name = table.name.lower()
        if catalog_table(table, view) is None and not (
                not table.text("db") and (name in ctes or name in SYSTEM_TABLES)):
            raise unknown_table(table)


def catalog_table(table: exp.Table, view: CatalogView) -> str | None:
    """The catalog's name for a table node (in the main schema), or None."""
    if table.text("db").lower() not in _MAIN_SCHEMAS:
        return None
    return view.table(table.name)


def unknown_table(table: exp.Table) -> Unanalysable:
    schema = table.text("db")
    return Unanalysable(f"unknown table: {schema + '.' if schema else ''}{table.name}")


def _check_using(root: exp.Expression, view: CatalogView) -> None:
    """``JOIN t USING (c)`` needs ``c`` in ``t``; sqlglot's own complaint names no table."""
    for join in root.find_all(exp.Join):
        table = join.this
        if not isinstance(table, exp.Table) or view.table(table.name) is None:
            continue
        for column in join.args.get("using") or []:
            if view.column(table.name, column.name) is None:
                raise Unanalysable(f"unknown column: {view.table(table.name)}.{column.name}")


def _mark_recursive(root: exp.Expression) -> None:
    """SQLite lets a CTE read itself without the RECURSIVE keyword; sqlglot needs it."""
    for with_ in root.find_all(exp.With):
        if not with_.args.get("recursive") and any(
                table.name == cte.alias_or_name
                for cte in with_.expressions for table in cte.this.find_all(exp.Table)):
            with_.set("recursive", True)


def _fold_identifiers(root: exp.Expression) -> None:
    """SQLite compares names case-insensitively, quoted or not: fold them all."""
    for identifier in root.find_all(exp.Identifier):
        name = identifier.this
        if isinstance(name, str) and not name.islower():
            identifier.set("this", name.lower())


def _occurrences(
    scopes: tuple[Scope, ...], view: CatalogView, positions: Mapping[int, int]
) -> tuple[dict[int, tuple[Occurrence, ...]], dict[int, Occurrence]]:
    """Catalog-table sources per scope, and by id of their table node."""
    by_scope: dict[int, tuple[Occurrence, ...]] = {}
    by_table: dict[int, Occurrence] = {}
    for scope in scopes:
        found = []
        for alias, (_, source) in scope.selected_sources.items():
            if not isinstance(source, exp.Table) or _is_table_function(source):
                continue
            table = view.table(source.name)
            if table is None:
                continue  # a system table: read, never indexed
            occurrence = Occurrence(table, alias, positions.get(id(source), -1))
            by_table[id(source)] = occurrence
            found.append(occurrence)
        by_scope[id(scope)] = tuple(found)
    return by_scope, by_table


def _resolve(column: exp.Column, scope: Scope, view: CatalogView,
             by_table: Mapping[int, Occurrence], positions: Mapping[int, int]) -> ColumnRef | None:
    """The occurrence and catalog column a qualified column names; None for non-tables."""
    alias = column.table
    if not alias:
        return _resolve_unqualified(column, scope, view, by_table, positions)
    source = _find_source(alias, scope)
    if source is None:
        if isinstance(scope.expression, exp.Select) and not scope.expression.find(exp.From):
            # A log line cut short in its select list parses, FROM and all after it gone.
            raise Unanalysable(f"{alias}.{column.name} names no table: the statement has no "
                               f"FROM (is it cut short?)")
        raise Unanalysable(f"unknown column: {alias}.{column.name}")
    if isinstance(source, Scope):
        query = source.expression
        if not isinstance(query, exp.Query) or column.name not in query.named_selects:
            raise Unanalysable(f"unknown column: {alias}.{column.name}")
        return None
    occurrence = by_table.get(id(source))
    if occurrence is None:
        return None  # a table-valued function or a system table
    name = view.column(occurrence.table, column.name)
    if name is None:
        raise Unanalysable(f"unknown column: {occurrence.table}.{column.name}")
    return ColumnRef(occurrence, name, positions.get(id(column), -1))


def _resolve_unqualified(column: exp.Column, scope: Scope, view: CatalogView,
                         by_table: Mapping[int, Occurrence],
                         positions: Mapping[int, int]) -> ColumnRef | None:
    """qualify leaves a name unqualified when no source, or several, have it."""
    owners = [
        occurrence for (_, source) in scope.selected_sources.values()
        if (occurrence := by_table.get(id(source))) is not None
        and view.column(occurrence.table, column.name) is not None
    ]
    if len(owners) == 1:  # rowid, which the schema leaves out so that * omits it
        name = view.column(owners[0].table, column.name)
        assert name is not None
        return ColumnRef(owners[0], name, positions.get(id(column), -1))
    if owners:
        raise Unanalysable(f"ambiguous column: {column.name}")
    sources = scope.selected_sources
    if any(_is_table_function(source) for (_, source) in sources.values()):
        return None  # may be one of its output columns, which no schema lists
    owner = ""
    if len(sources) == 1:
        alias, (_, source) = next(iter(sources.items()))
        occurrence = by_table.get(id(source))
        owner = f"{occurrence.table if occurrence else alias}."
    raise Unanalysable(f"unknown column: {owner}{column.name}")


def _is_table_function(source: exp.Table | Scope) -> bool:
    return isinstance(source, exp.Table) and not isinstance(source.this, exp.Identifier)


def _find_source(alias: str, scope: Scope | None) -> exp.Table | Scope | None:
    """The source ``alias`` names in ``scope`` or, for a correlated reference, outside it."""
    while scope is not None:
        source = scope.sources.get(alias)
        if source is not None:
            return source
        scope = scope.parent
    return None


# --- text order -----------------------------------------------------------------

# sqlglot keeps a SELECT's clauses in parse order (LIMIT may come before FROM);
# analysis lists columns in the order a reader meets them.
_SELECT_CLAUSES = ("with_", "expressions", "from_", "joins", "where", "group", "having",
                   "windows", "order", "limit", "offset")


def text_order(node: exp.Expression) -> Iterator[exp.Expression]:
    """Every node of ``node``'s tree, depth first, clauses in the order SQL writes them."""
    stack: list[exp.Expression] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(_children(current))))


def _children(node: exp.Expression) -> Iterator[exp.Expression]:
    args = node.args
    if isinstance(node, exp.Select):
        keys = [*_SELECT_CLAUSES, *(k for k in args if k not in _SELECT_CLAUSES)]
    else:
        keys = list(args)
    for key in keys:
        value = args.get(key)
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, exp.Expression):
                yield item
