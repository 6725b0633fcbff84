"""Analysis: a template's access patterns, per table occurrence, as values.

The canonical text is parsed once; a write is split into what it changes (a
:class:`~advisor.model.access.WriteAccess`) and what it reads (a query: the WHERE of
an UPDATE or DELETE, the SELECT of an INSERT ... SELECT). The query is bound by
:mod:`advisor.analysis.binding`, and each usable predicate is classified (the
sides of a comparison come from :mod:`advisor.analysis.predicates`, as replay
reads them):

- only the conjuncts at the top of a WHERE, ON or HAVING count (inside an OR,
  nothing is classified);
- ``col = value`` is equality and ``col = other.col`` a join (for both sides,
  also across a correlated subquery); ``IN`` is in_list; ``<``, ``BETWEEN``,
  a prefix ``LIKE`` / ``GLOB`` are range; ``IS NULL`` is is_null; a comparison in
  another collation than the column's (a ``COLLATE`` on either side, a ``LIKE``'s
  NOCASE, a ``GLOB``'s BINARY) is one on the key ``col COLLATE name``;
- anything else (``!=``, ``NOT``, ``IS NOT NULL``, a function of the column)
  only reads the column; but an equality, IN or range on an expression SQLite can
  index (``lower(email) = ?``: deterministic functions of one occurrence's columns,
  no value from the statement inside) is one on that expression as a key
  (advisor.model.indexes.KeyExpression), which an index on it serves.

Constant predicates come from the samples (:mod:`advisor.analysis.constants`).
Statements with nothing to index (transactions, PRAGMA, DDL, EXPLAIN) give an
empty analysis; what cannot be analysed gives a named reason, never an error.

>>> from advisor.catalog.schema import catalog_from_sql
>>> from advisor.digest.fingerprint import canonicalize
>>> catalog = catalog_from_sql([("s", "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)")], "s")
>>> analyze(canonicalize("SELECT id FROM t WHERE a = 1 AND b > 2"), catalog).reads[0].filtered
('a', 'b')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope
from sqlglot.optimizer.simplify import simplify

from advisor.analysis.binding import (
    Binding,
    CatalogView,
    ColumnRef,
    Occurrence,
    Unanalysable,
    bind,
    catalog_table,
    catalog_view,
    parse_statement,
    unknown_table,
    unparen,
)
from advisor.analysis.constants import (
    SampleSlots,
    fixed_value,
    number_slots,
    placeholder_count,
    python_value,
    sample_slots,
    slot_of,
    with_sample_values,
)
from advisor.analysis.predicates import (
    EQUALITY,
    IN_LIST,
    IS_NULL,
    OTHER,
    PATTERN,
    RANGE,
    Side,
    sides,
)
from advisor.catalog.schema import Catalog
from advisor.digest.fingerprint import KIND_OTHER, KIND_TRANSACTION, Template
from advisor.model.access import Analysis, DerivedFilter, OrderTerm, TableAccess, WriteAccess
from advisor.model.indexes import (
    KeyExpression,
    compared_key,
    key_expression,
    sqlite_refuses,
)

JOIN = "join"  # an equality with a column on the other side (the kinds of sides() but this)
# ``col <> value``, ``col NOT IN (values)``: a filter no index seeks on, which the costing
# counts where the statement's values are at hand (advisor.replay.matches)
EXCLUDED = "excluded"

_NOTHING_TO_INDEX = frozenset({KIND_TRANSACTION, KIND_OTHER})
_LIKE_WILDCARDS: dict[type[exp.Expression], str] = {exp.Like: "%_", exp.Glob: "*?["}


def analyze(template: Template, catalog: Catalog, samples: Sequence[str] = ()) -> Analysis:
    """The access patterns of one template; ``samples`` are its logged statements."""
    if template.kind in _NOTHING_TO_INDEX or template.command == "EXPLAIN":
        return Analysis(template.id)
    try:
        return _analyze(template, catalog, samples)
    except Unanalysable as exc:
        return Analysis(template.id, unanalysed=str(exc))
    except (SqlglotError, RecursionError) as exc:
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        return Analysis(template.id, unanalysed=f"unsupported: {first_line}")


def analyze_all(
    templates: Sequence[Template],
    catalog: Catalog,
    samples_by_id: Mapping[str, Sequence[str]] | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> dict[str, Analysis]:
    """Analyses by template id, in the order the templates come; ``progress`` is told
    ("analysing templates", done, of total) as it goes."""
    samples_by_id = samples_by_id or {}
    analyses = {}
    for done, template in enumerate(templates):
        if progress is not None and done % 100 == 0:
            progress("analysing templates", done, len(templates))
        analyses[template.id] = analyze(template, catalog, samples_by_id.get(template.id, ()))
    return analyses


def _analyze(template: Template, catalog: Catalog, samples: Sequence[str]) -> Analysis:
    statement = parse_statement(template.text)
    slot_count = number_slots(statement)  # before any rewriting, as the samples will be
    view = catalog_view(catalog)
    query, write = _split(statement, view)
    values = sample_slots(samples, slot_count) if samples else []
    if write is not None and write.operation in ("INSERT", "UPSERT") and values:
        write = replace(write, values_rows=sum(v.rows for v in values) / len(values))
    if query is None:
        return Analysis(template.id, write=write, returns=_returns(statement))
    binding = bind(query, catalog)
    predicates = _predicates(binding, values)
    fixed = _fixed(predicates, values, catalog)
    constants = _constants(predicates, fixed)
    sizes = _list_sizes(predicates, values)
    ors = _top_ors(binding, values)
    reads = tuple(
        replace(_table_access(occurrence, binding, predicates, constants, sizes),
                or_branches=_or_branches(occurrence, binding, ors, values))
        for occurrence in binding.occurrences)
    return Analysis(template.id, reads=reads, write=write, returns=_returns(statement),
                    derived_filters=_derived_filters(binding, values),
                    aggregates=_aggregates(query),
                    bound=_bound(template.text, slot_count, fixed,
                                 {**_patterns(predicates, values),
                                  **_ordinals(statement, values)}))


def _returns(statement: exp.Expression) -> str:
    """What the statement hands back: "rows", "groups", "one" or "none" (see Analysis)."""
    if isinstance(statement, exp.Insert | exp.Update | exp.Delete):
        return "rows" if statement.args.get("returning") else "none"
    if not isinstance(statement, exp.Select):
        return "rows"  # a compound query: its parts' rows
    if statement.args.get("group"):
        return "groups"
    aggregated = any(node.find_ancestor(exp.Subquery, exp.Select) is statement
                     for projection in statement.expressions
                     for node in projection.find_all(exp.AggFunc))
    return "one" if aggregated else "rows"


# --- writes -----------------------------------------------------------------------


def _split(statement: exp.Expression,
           view: CatalogView) -> tuple[exp.Expression | None, WriteAccess | None]:
    """A statement as (the query it reads through, the write it makes)."""
    if isinstance(statement, exp.Insert):
        return _split_insert(statement, view)
    if isinstance(statement, exp.Update):
        return _split_update(statement, view)
    if isinstance(statement, exp.Delete):
        return _split_delete(statement, view)
    if isinstance(statement, exp.Query):
        return statement, None
    if isinstance(statement, exp.Values):
        return _values_query(statement), None
    raise Unanalysable(f"unsupported: {statement.key.upper()} statement")


def _target(table: exp.Expression, view: CatalogView) -> str:
    """The catalog name of the table a write changes."""
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        raise Unanalysable("unsupported: write to something other than a table")
    name = catalog_table(table, view)
    if name is None:
        raise unknown_table(table)
    return name


def _column_names(table: str, names: Iterable[str], view: CatalogView) -> tuple[str, ...]:
    """Catalog spellings of a write's column names, without duplicates."""
    out: dict[str, None] = {}
    for name in names:
        column = view.column(table, name)
        if column is None:
            raise Unanalysable(f"unknown column: {table}.{name}")
        out.setdefault(column, None)
    return tuple(out)


def _set_columns(assignments: Iterable[exp.Expression]) -> Iterator[str]:
    """The columns of ``SET a = x, (b, c) = (y, z)``."""
    for assignment in assignments:
        if not isinstance(assignment, exp.EQ):
            raise Unanalysable("unsupported: SET without =")
        targets = assignment.this
        for target in targets.expressions if isinstance(targets, exp.Tuple) else [targets]:
            if not isinstance(target, exp.Column):
                raise Unanalysable("unsupported: SET of something other than a column")
            yield target.name


def _split_insert(insert: exp.Insert,
                  view: CatalogView) -> tuple[exp.Expression | None, WriteAccess]:
    target = insert.this
    given = target.expressions if isinstance(target, exp.Schema) else []
    table = _target(target.this if isinstance(target, exp.Schema) else target, view)
    columns = _column_names(table, (c.name for c in given), view) if given else (
        view.table_columns(table))
    conflict = insert.args.get("conflict")
    if conflict is not None and "UPDATE" in conflict.text("action").upper():
        write = WriteAccess(table, "UPSERT", _column_names(
            table, _set_columns(conflict.expressions), view))
    else:
        write = WriteAccess(table, "INSERT", columns)
    return _insert_source(insert), write


def _insert_source(insert: exp.Insert) -> exp.Expression | None:
    """What an INSERT reads: its SELECT, or the subqueries in its first VALUES row."""
    source = insert.expression
    if isinstance(source, exp.Values):
        source = _values_query(source)
    if source is not None and insert.args.get("with_") is not None:
        source.set("with_", insert.args["with_"])
    return source if source is not None and source.find(exp.Table) else None


def _values_query(values: exp.Values) -> exp.Select | None:
    """A VALUES list reads tables only through subqueries in it; its first row has them all."""
    if not values.find(exp.Table):
        return None
    return exp.Select(expressions=list(values.expressions[0].expressions))


def _split_update(update: exp.Update, view: CatalogView) -> tuple[exp.Expression, WriteAccess]:
    table = _target(update.this, view)
    assignments = update.expressions
    if not assignments:
        raise Unanalysable("parse error: UPDATE without SET assignments")
    write = WriteAccess(table, "UPDATE", _column_names(table, _set_columns(assignments), view))
    values = [a.expression for a in assignments]
    query = _read_of(update, values)
    joins = []
    source = update.args.get("from_")
    if source is not None:  # UPDATE ... FROM: the other tables join the target
        first = source.this
        nested = first.args.pop("joins", None) or []
        joins = [exp.Join(this=first, kind="CROSS"), *nested]
    query.set("joins", joins or None)
    return query, write


def _split_delete(delete: exp.Delete, view: CatalogView) -> tuple[exp.Expression, WriteAccess]:
    table = _target(delete.this, view)
    return _read_of(delete, []), WriteAccess(table, "DELETE")


def _read_of(write: exp.Expression, values: list[exp.Expression]) -> exp.Select:
    """The row-finding half of an UPDATE or DELETE, as a SELECT over its table."""
    projection = values or [exp.Literal.number(1)]
    query = exp.Select(expressions=projection, from_=exp.From(this=write.this))
    for clause in ("with_", "where", "order", "limit"):
        if write.args.get(clause) is not None:
            query.set(clause, write.args[clause])
    return query


# --- predicates -------------------------------------------------------------------


@dataclass(frozen=True)
class Predicate:
    """One usable conjunct as it bears on one column of one occurrence."""

    ref: ColumnRef
    kind: str
    value: exp.Expression | None = None  # the node holding the value's slot, if any
    partner: str = ""  # a join's: the alias the other side's column is qualified with
    bounds: int = 1  # a range's: the ends it bounds (BETWEEN and a prefix LIKE: two)
    subquery: bool = False  # compared with a subquery's value
    pattern: exp.Expression | None = None  # a LIKE / GLOB range's: the node of its pattern
    listed: exp.Expression | None = None  # a NOT IN list's node: its slot counts its values


def _predicates(binding: Binding, values: Sequence[SampleSlots] = ()) -> list[Predicate]:
    """Classified predicates of every SELECT in the statement, in text order (``values``:
    the samples', which fix a constant inside an expression key)."""
    found = [p for scope in binding.scopes for p in _scope_predicates(scope, binding, values)]
    return sorted(found, key=lambda p: p.ref.position)


def _scope_predicates(scope: Scope, binding: Binding, values: Sequence[SampleSlots]
                      ) -> Iterator[Predicate]:
    select = scope.expression
    if not isinstance(select, exp.Select):
        return
    clauses = [join.args.get("on") for join in select.args.get("joins") or []]
    clauses += [select.args.get("where"), select.args.get("having")]
    for clause in clauses:
        for conjunct in _conjuncts(clause):
            yield from _classify(conjunct, binding, values)


def _aggregates(query: exp.Expression) -> int:
    """Aggregate calls in the outermost SELECT's columns and HAVING (not in subqueries)."""
    if not isinstance(query, exp.Select):
        return 0
    parts = [*query.expressions, query.args.get("having")]
    return sum(1 for part in parts if part is not None
               for node in part.find_all(exp.AggFunc)
               if node.find_ancestor(exp.Select) is query)


def _derived_filters(binding: Binding, values: Sequence[SampleSlots]
                     ) -> tuple[DerivedFilter, ...]:
    """Each reading of a CTE or FROM subquery (a source that is no catalog table), scope
    by scope: the top conjuncts comparing its columns with a value, and the share of
    the samples under which a row can pass them (DerivedFilter)."""
    found = []
    for scope in binding.scopes:
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        derived: dict[str, list[int]] = {
            alias: [0, 0] for alias, source in scope.sources.items()
            if isinstance(source, Scope) and alias in scope.selected_sources}
        rejected: dict[str, set[int]] = {alias: set() for alias in derived}
        clauses = [join.args.get("on") for join in select.args.get("joins") or []]
        clauses.append(select.args.get("where"))
        for conjunct in (term for clause in clauses for term in _conjuncts(clause)):
            for side in sides(conjunct):
                column = unparen(side.column)
                if (side.kind in (EQUALITY, RANGE) and isinstance(column, exp.Column)
                        and column.table in derived
                        and not any(other.find(exp.Column, exp.Select)
                                    for other in side.others)):
                    derived[column.table][side.kind == RANGE] += 1
                    source = scope.sources[column.table].expression
                    rejected[column.table] |= {
                        number for number, sample in enumerate(values)
                        if _rejects_every_row(conjunct, column, source, sample)}
        found += [DerivedFilter(alias.lower(), equal, ranged,
                                1 - len(rejected[alias]) / len(values) if values else 1.0)
                  for alias, (equal, ranged) in derived.items()]
    return tuple(found)


def _rejects_every_row(conjunct: exp.Expr, column: exp.Column, source: exp.Expr,
                       sample: SampleSlots) -> bool:
    """Whether ``conjunct`` is false for every row ``source`` (a SELECT) yields, under one
    sample's values: the SELECT makes ``column`` a constant that the comparison rejects.
    A recursive CTE's step reads its anchor's SELECT here (the walk's first generation)."""
    if not isinstance(source, exp.Select) or sample.parameterised:
        return False
    made = next((p for p in source.expressions if p.alias_or_name == column.name), None)
    if made is None:
        return False
    term = conjunct.copy()
    for reference in list(term.find_all(exp.Column)):
        if reference.table == column.table and reference.name == column.name:
            reference.replace(made.unalias().copy())
    filled = with_sample_values(term, sample)
    if filled is None:
        return False
    folded = simplify(filled)
    return isinstance(folded, exp.Boolean) and not folded.this


def _conjuncts(node: exp.Expr | None) -> Iterator[exp.Expr]:
    """The AND-ed terms at the top of a condition."""
    return _joined(node, exp.And)


def _disjuncts(node: exp.Expr) -> Iterator[exp.Expr]:
    """The OR-ed terms of a condition (the condition itself when it is no OR)."""
    return _joined(node, exp.Or)


def _joined(node: exp.Expr | None, connective: type[exp.Connector]) -> Iterator[exp.Expr]:
    """The terms ``connective`` (AND or OR) joins at the top of a condition."""
    if node is None:
        return
    if isinstance(node, (exp.Where, exp.Having, exp.Paren)):
        yield from _joined(node.this, connective)
    elif isinstance(node, connective):
        yield from _joined(node.left, connective)
        yield from _joined(node.right, connective)
    else:
        yield node


Branches = list[list[Predicate]]  # an OR's branches, each its classified predicates


def _top_ors(binding: Binding, values: Sequence[SampleSlots]) -> dict[int, list[Branches]]:
    """id(scope) -> the ORs among its WHERE's top-level terms, in text order, each the
    predicates of its branches (each branch's terms classified as a WHERE's are)."""
    found: dict[int, list[Branches]] = {}
    for scope in binding.scopes:
        if not isinstance(scope.expression, exp.Select):
            continue
        for conjunct in _conjuncts(scope.expression.args.get("where")):
            operands = list(_disjuncts(conjunct))
            if len(operands) > 1:
                found.setdefault(id(scope), []).append(
                    [sorted((p for term in _conjuncts(operand)
                             for p in _classify(term, binding, values)),
                            key=lambda p: p.ref.position) for operand in operands])
    return found


def _or_branches(occurrence: Occurrence, binding: Binding, ors: Mapping[int, list[Branches]],
                 values: Sequence[SampleSlots]) -> tuple[TableAccess, ...]:
    """What each branch of the first top-level OR of ``occurrence``'s WHERE that compares
    one of its columns says of it (TableAccess.or_branches); nothing without one."""
    scope = _scope_of(occurrence, binding)
    for branches in ors.get(id(scope), []) if scope is not None else []:
        if any(p.ref.occurrence == occurrence for branch in branches for p in branch):
            return tuple(_compared_of(occurrence, branch, _list_sizes(branch, values))
                         for branch in branches)
    return ()


def _classify(term: exp.Expr, binding: Binding, values: Sequence[SampleSlots] = ()
              ) -> Iterator[Predicate]:
    """What one conjunct offers an index on each side."""
    if isinstance(term, exp.Not) and isinstance(term.this, exp.In):
        for predicate in _excluded(term.this.this, list(term.this.expressions), binding):
            yield replace(predicate, listed=term.this)
    for side in sides(term):
        if side.kind == OTHER and isinstance(term, exp.NEQ):
            yield from _excluded(side.column, list(side.others), binding)
        elif side.kind == EQUALITY:
            yield from _equality(side.column, side.others[0], binding, values)
        elif side.kind in (RANGE, IS_NULL):
            yield from _compared(side.column, list(side.others), side.kind, binding,
                                 bounds=len(side.others),  # BETWEEN: both ends
                                 keyed=side.kind == RANGE, values=values)
        elif side.kind == IN_LIST:
            yield from _in_list(side, binding, values)
        elif side.kind == PATTERN and _seeks_prefix(side):
            # LIKE 'abc%' is abc <= x < abd, sought in NOCASE (LIKE ignores case; SQLite
            # seeks it only through an index in NOCASE), GLOB in BINARY
            collation = "BINARY" if isinstance(side.term, exp.Glob) else "NOCASE"
            for predicate in _compared(side.column, [], RANGE, binding, bounds=2):
                yield replace(predicate, pattern=unparen(side.others[0]),
                              ref=_in_collation(predicate.ref, collation, binding))


# Functions SQLite allows in an index's expression (deterministic) whose node sqlglot
# writes back under the name the query used: SQLite matches a query's expression to an
# index's by function name (``substr`` is no ``substring``, ``ifnull`` no ``coalesce``).
_KEY_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Lower, exp.Upper, exp.Length, exp.Abs, exp.Round, exp.Trim, exp.Date, exp.Cast,
    exp.Typeof, exp.Substring, exp.JSONExtractScalar)
_KEY_ANONYMOUS = frozenset({"date", "time", "datetime", "julianday", "unixepoch",
                            "strftime", "ltrim", "rtrim", "hex", "unicode", "sign"})


def _key(node: exp.Expression, binding: Binding, values: Sequence[SampleSlots] = ()
         ) -> ColumnRef | None:
    """What an index could seek ``node`` by: a column, or an expression of one
    occurrence's columns an index can hold (``lower(email)``). A value inside
    (``json_extract(meta, ?)``) must be the same in every sample (``values``): an index
    holds the expression with that constant."""
    ref = binding.ref(node)
    node = unparen(node)
    if isinstance(node, exp.Collate):  # email COLLATE NOCASE = ?
        return _collated(binding.ref(node.this), node, binding)
    if ref is not None or not isinstance(node, (*_KEY_FUNCTIONS, exp.Anonymous)):
        return ref
    constants = {}
    for part in node.walk():
        if isinstance(part, exp.Placeholder):
            slot = slot_of(part)
            fixed = None if slot is None else fixed_value(values, slot)
            constant = _constant(fixed[0]) if fixed is not None and len(fixed) == 1 else None
            if constant is None:
                return None  # a value of the statement: no index holds it
            constants[id(part)] = constant
        elif not isinstance(part, (*_KEY_FUNCTIONS, exp.Column, exp.Identifier,
                                   exp.DataType, exp.Literal)) and not (
                isinstance(part, exp.Anonymous) and part.name.lower() in _KEY_ANONYMOUS):
            return None  # a subquery, a function SQLite may refuse in an index
    refs = [binding.refs.get(id(column)) for column in node.find_all(exp.Column)]
    occurrences = {ref.occurrence for ref in refs if ref is not None}
    if not refs or None in refs or len(occurrences) != 1:
        return None
    first = min((r for r in refs if r is not None), key=lambda r: r.position)
    key = key_expression(_with_constants(node, constants) if constants else node)
    if sqlite_refuses(key):
        return None
    return ColumnRef(first.occurrence, key, first.position)


def _collated(ref: ColumnRef | None, collate: exp.Expression | None,
              binding: Binding) -> ColumnRef | None:
    """``ref`` compared in the collation a ``COLLATE`` on either side names (see
    ``_in_collation``)."""
    collate = unparen(collate) if collate is not None else None
    if ref is None or not isinstance(collate, exp.Collate):
        return ref
    return _in_collation(ref, collate.expression.name.upper(), binding)


def _in_collation(ref: ColumnRef, collation: str, binding: Binding) -> ColumnRef:
    """``ref`` compared in ``collation``: a key of its own (``email COLLATE NOCASE``)
    where that is not the column's declared one, which a plain index serves."""
    if isinstance(ref.column, KeyExpression):
        return ref
    table = binding.catalog.table(ref.occurrence.table) if binding.catalog else None
    key = compared_key(ref.column, collation,
                       table.collation(ref.column) if table is not None else "BINARY")
    return ref if key == ref.column else ColumnRef(ref.occurrence, key, ref.position)


def _with_constants(node: exp.Expression, constants: Mapping[int, exp.Expression]
                    ) -> exp.Expression:
    """A copy of ``node``, each placeholder (by id) replaced by its constant."""
    copy = node.copy()
    placeholders = [p for p in node.walk() if isinstance(p, exp.Placeholder)]
    copies = [p for p in copy.walk() if isinstance(p, exp.Placeholder)]
    for original, copied in zip(placeholders, copies, strict=True):
        copied.replace(constants[id(original)].copy())
    return copy


def _constant(literal: str) -> exp.Expression | None:
    """A sample's literal (SQLite syntax) as a node: a string or a number, else None."""
    value = python_value(literal)
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.Literal.number(literal) if value is not None else None


def _independent(ref: ColumnRef, others: Iterable[exp.Expression], binding: Binding) -> bool:
    """Whether none of ``others`` reads ``ref``'s occurrence: their values are known first."""
    return not any(binding.columns_of(other, ref.occurrence) for other in others)


def _compared(column: exp.Expression, others: list[exp.Expression], kind: str,
              binding: Binding, bounds: int = 1, keyed: bool = False,
              values: Sequence[SampleSlots] = ()) -> Iterator[Predicate]:
    """``keyed``: an expression an index can hold counts as a column (a range's side; a
    LIKE's seek needs the column itself)."""
    ref = (_collated(_key(column, binding, values), others[0] if others else None, binding)
           if keyed else binding.ref(column))
    if ref is not None and _independent(ref, others, binding):
        yield Predicate(ref, kind, bounds=bounds,
                        subquery=any(other.find(exp.Select) for other in others))


def _excluded(column: exp.Expression, others: list[exp.Expression],
              binding: Binding) -> Iterator[Predicate]:
    """``column <> value`` or ``column NOT IN (values)``: values only (a subquery's list or
    another column is no filter the statement's values say anything of)."""
    if others and not any(other.find(exp.Column, exp.Select) for other in others):
        yield from _compared(column, others, EXCLUDED, binding)


def _equality(column: exp.Expression, other: exp.Expression, binding: Binding,
              values: Sequence[SampleSlots] = ()) -> Iterator[Predicate]:
    ref = _collated(_key(column, binding, values), other, binding)
    if ref is None or not _independent(ref, [other], binding):
        return
    other = unparen(other)
    if isinstance(other, exp.Column):
        # a column of another table, derived table or outer query
        if not isinstance(ref.column, KeyExpression):
            yield Predicate(ref, JOIN, partner=other.table)
    elif not isinstance(other, exp.Null):  # "= NULL" matches no row
        yield Predicate(ref, EQUALITY, other, subquery=other.find(exp.Select) is not None)


def _in_list(side: Side, binding: Binding, values: Sequence[SampleSlots] = ()
             ) -> Iterator[Predicate]:
    ref = _key(side.column, binding, values)
    listed = list(side.others)
    if ref is not None and listed and _independent(ref, listed, binding):
        subquery = side.term.args.get("query") is not None
        yield Predicate(ref, IN_LIST, None if subquery else side.term)


def _seeks_prefix(side: Side) -> bool:
    """``LIKE 'abc%'`` and ``LIKE ?`` can seek on a prefix; ``LIKE '%abc'`` cannot."""
    pattern = unparen(side.others[0])
    wildcards = _LIKE_WILDCARDS[type(side.term)]
    return isinstance(pattern, exp.Placeholder) or (
        isinstance(pattern, exp.Literal) and pattern.is_string
        and pattern.this[:1] not in ("", *wildcards))


# --- constant predicates -----------------------------------------------------------


def _fixed(predicates: list[Predicate], values: Sequence[SampleSlots],
           catalog: Catalog) -> dict[Predicate, tuple[str, ...]]:
    """The literal(s) each predicate with a value slot always holds in the samples."""
    out = {}
    for predicate in predicates:
        slot = slot_of(predicate.value)
        if slot is None or not values or isinstance(predicate.ref.column, KeyExpression):
            continue  # a partial index's WHERE fixes columns (an expression's: not read)
        ref = predicate.ref
        literals = fixed_value(values, slot,
                               same_in_all=not _is_key(catalog, ref.occurrence.table, ref.column))
        if literals is not None:
            out[predicate] = literals
    return out


def _constants(predicates: list[Predicate],
               fixed: Mapping[Predicate, tuple[str, ...]]) -> dict[Predicate, str]:
    """Predicates whose value is fixed, as SQL text such as ``status = 5``."""
    out = {p: f"{p.ref.column} IS NULL" for p in predicates if p.kind == IS_NULL}
    for predicate, literals in fixed.items():
        text = _constant_text(predicate, literals)
        if text is not None:
            out[predicate] = text
    return out


def _patterns(predicates: list[Predicate], values: Sequence[SampleSlots]
              ) -> dict[int, str]:
    """Slot -> a pattern the samples held there, for each LIKE / GLOB whose every logged
    pattern has a prefix to seek on: SQLite seeks on it only with the pattern known
    (``LIKE ?`` unbound scans), so the plan is asked with one bound."""
    out = {}
    for predicate in predicates:
        slot = slot_of(predicate.pattern)
        if slot is None or predicate.pattern is None:
            continue
        wildcards = _LIKE_WILDCARDS[exp.Glob if predicate.pattern.find_ancestor(exp.Glob)
                                    else exp.Like]
        logged = [python_value(held[0]) for v in values
                  if (held := v.values[slot]) is not None and len(held) == 1]
        if logged and all(isinstance(p, str) and p[:1] not in ("", *wildcards)
                          for p in logged):
            out[slot] = str(logged[0])
    return out


def _ordinals(statement: exp.Expression, values: Sequence[SampleSlots]) -> dict[int, object]:
    """Slot -> the column number an ORDER BY or GROUP BY term holds in every sample
    (``ORDER BY 2``): a place in the result, never a value, which SQLite must read as
    written to plan a compound SELECT at all (a ledger's statement of account, invoices
    UNION ALL payments ORDER BY 2, 1, went unplanned)."""
    terms = [ordered.this for ordered in statement.find_all(exp.Ordered)]
    terms += [term for group in statement.find_all(exp.Group) for term in group.expressions]
    out: dict[int, object] = {}
    for slot in (slot_of(node) for node in terms):
        held = {sample.values[slot] for sample in values} if slot is not None else set()
        literals = held.pop() if len(held) == 1 else None  # None: a placeholder's
        number = python_value(literals[0]) if literals and len(literals) == 1 else None
        if slot is not None and isinstance(number, int):
            out[slot] = number
    return out


def _bound(text: str, slot_count: int, fixed: Mapping[Predicate, tuple[str, ...]],
           constants: Mapping[int, object]) -> tuple[tuple[int, object], ...]:
    """(parameter position, value) of each equality's placeholder whose value is fixed,
    and of each of ``constants`` (prefix patterns, ``_patterns``; column numbers,
    ``_ordinals``). A slot is the parameter of its number
    only when the template has a placeholder for every slot (slots are numbered in
    text order, and an ``IN`` list of values is one of each): else nothing is bound."""
    if placeholder_count(text) != slot_count:
        return ()
    out: list[tuple[int, object]] = list(constants.items())
    for predicate, literals in fixed.items():
        slot = slot_of(predicate.value)
        value = python_value(literals[0]) if len(literals) == 1 else None
        if predicate.kind == EQUALITY and slot is not None and value is not None:
            out.append((slot, value))
    return tuple(sorted(out, key=lambda pair: pair[0]))


def _list_sizes(predicates: list[Predicate], values: Sequence[SampleSlots]
                ) -> dict[Predicate, float]:
    """How many values each IN or NOT IN list of values held, on average over the
    samples."""
    out = {}
    for predicate in predicates:
        slot = slot_of(predicate.value if predicate.kind == IN_LIST else predicate.listed)
        if slot is not None and values:
            out[predicate] = sum(v.sizes[slot] for v in values) / len(values)
    return out


def _is_key(catalog: Catalog, table: str, column: str) -> bool:
    """Whether ``column`` is part of a primary, foreign or unique key.

    Key values identify rows. A log's first samples often share one (they
    concern one workflow) without it being fixed, and a partial index on one
    key value would serve one entity: so the same-in-every-sample rule skips them.
    """
    found = catalog.table(table)
    if found is None:
        return False
    return (column in found.primary_key
            or any(column in key.columns for key in found.foreign_keys)
            or any(index.unique and column in index.column_names
                   for index in catalog.indexes_on(table)))


def _constant_text(predicate: Predicate, literals: tuple[str, ...]) -> str | None:
    column = predicate.ref.column
    if predicate.kind == IN_LIST:
        return f"{column} IN ({', '.join(literals)})"
    if literals == ("NULL",):  # "= NULL" matches nothing (and "IS ?" never logs NULL)
        return None
    return f"{column} = {literals[0]}"


# --- assembly ---------------------------------------------------------------------


def _table_access(occurrence: Occurrence, binding: Binding, predicates: list[Predicate],
                  constants: Mapping[Predicate, str], sizes: Mapping[Predicate, float]
                  ) -> TableAccess:
    shape = _shape(occurrence, binding)
    reads = sorted((r for r in binding.refs.values() if r.occurrence == occurrence),
                   key=lambda r: r.position)
    return replace(
        _compared_of(occurrence, predicates, sizes),
        order_by=shape.order_by,
        group_by=shape.group_by,
        distinct=shape.distinct,
        columns_read=_unique(r.column for r in reads),
        has_limit=shape.has_limit,
        constant_predicates=_unique(constants[p] for p in predicates
                                    if p.ref.occurrence == occurrence and p in constants),
        first_row=shape.first_row,
    )


def _compared_of(occurrence: Occurrence, predicates: list[Predicate],
                 sizes: Mapping[Predicate, float]) -> TableAccess:
    """What ``predicates`` compare of ``occurrence``: a TableAccess of its filters alone."""
    mine = [p for p in predicates if p.ref.occurrence == occurrence]

    def columns(kind: str) -> tuple[str, ...]:
        return _unique(p.ref.column for p in mine if p.kind == kind)

    return TableAccess(
        table=occurrence.table,
        alias=occurrence.alias,
        equality=columns(EQUALITY),
        in_list=columns(IN_LIST),
        range=columns(RANGE),
        is_null=columns(IS_NULL),
        join=columns(JOIN),
        excluded=columns(EXCLUDED),
        join_partners=tuple(dict.fromkeys(
            (p.ref.column, p.partner) for p in mine if p.kind == JOIN and p.partner)),
        in_list_sizes=tuple((p.ref.column, sizes[p]) for p in mine
                            if p in sizes and p.kind == IN_LIST),
        excluded_sizes=tuple((p.ref.column, sizes[p]) for p in mine
                             if p in sizes and p.kind == EXCLUDED),
        bounded=tuple(column for column in columns(RANGE)
                      if sum(p.bounds for p in mine
                             if p.kind == RANGE and p.ref.column == column) > 1),
        after_subquery=_unique(p.ref.column for p in mine if p.subquery),
    )


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class _Shape:
    """What the SELECT an occurrence is read by asks of its row order."""

    order_by: tuple[OrderTerm, ...] = ()
    group_by: tuple[str, ...] = ()
    distinct: bool = False
    has_limit: bool = False
    first_row: bool = False


def _scope_of(occurrence: Occurrence, binding: Binding) -> Scope | None:
    """The SELECT (or other scope) that reads ``occurrence``."""
    return next((s for s in binding.scopes if occurrence in binding.scope_occurrences(s)),
                None)


def _shape(occurrence: Occurrence, binding: Binding) -> _Shape:
    scope = _scope_of(occurrence, binding)
    if scope is None or not isinstance(scope.expression, exp.Select):
        return _Shape()
    select = scope.expression
    order = select.args.get("order")
    group = select.args.get("group")
    order_terms = _plain_terms(order.expressions if order else [], select, occurrence, binding)
    group_terms = _plain_terms(group.expressions if group else [], select, occurrence, binding)
    return _Shape(
        order_by=tuple(OrderTerm(column, descending) for column, descending in order_terms),
        group_by=tuple(column for column, _ in group_terms),
        distinct=bool(select.args.get("distinct")),
        has_limit=select.args.get("limit") is not None,
        first_row=_stops_at_first_row(select),
    )


def _stops_at_first_row(select: exp.Select) -> bool:
    """Whether SQLite stops reading ``select`` at its first row: an EXISTS, or a scalar
    subquery (not an IN list, not a FROM source) that neither aggregates nor groups."""
    parent = select.parent
    if isinstance(parent, exp.Exists):
        return True
    if not isinstance(parent, exp.Subquery) or isinstance(
            parent.parent, (exp.In, exp.From, exp.Join, exp.SetOperation)):
        return False
    if select.args.get("group") or select.args.get("distinct"):
        return False
    return not any(node.find_ancestor(exp.Subquery, exp.Select) is select
                   for projection in select.expressions
                   for node in projection.find_all(exp.AggFunc))


def _plain_terms(terms: list[exp.Expression], select: exp.Select, occurrence: Occurrence,
                 binding: Binding) -> list[tuple[str, bool]]:
    """ORDER / GROUP BY terms as (column, descending) when all are this occurrence's."""
    out = []
    for term in terms:
        descending = isinstance(term, exp.Ordered) and bool(term.args.get("desc"))
        node = term.this if isinstance(term, exp.Ordered) else term
        ref = binding.ref(_projected(node, select))
        if ref is None or ref.occurrence != occurrence:
            return []
        out.append((ref.column, descending))
    return out


def _projected(node: exp.Expression, select: exp.Select) -> exp.Expression:
    """An ORDER BY name that is an output alias stands for the aliased expression."""
    node = unparen(node)
    if isinstance(node, exp.Column) and not node.table:
        for projection in select.expressions:
            if isinstance(projection, exp.Alias) and projection.alias == node.name:
                return projection.this
    return node
