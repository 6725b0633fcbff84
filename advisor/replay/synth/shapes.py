"""Shapes: who links to what. The profile checked against the schema, every link given a role.

A sized table's :class:`Shape` is its place in the profile's tree (parent,
ancestors) and its :class:`Link` s: the key column to its parent row, and every
foreign key, resolved to how the referenced row is found (see ``Link.role``).
UNIQUE constraints decide which links are drawn without replacement, which
plain columns get distinct values, and which tables hold one row per parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from advisor.catalog.profile import Profile, TableSpec
from advisor.catalog.schema import Catalog, Table
from advisor.model.errors import ProfileError


@dataclass(frozen=True)
class Link:
    """One way a row points at another table's row: a foreign key, or the profile's key column.

    ``role`` says how the referenced row is found:
    ``key`` the row's parent; ``ancestor`` its ancestor in table ``scope``;
    ``target`` the DAG edge's other node; ``pick`` drawn from the referenced
    rows under the same ``scope`` row (the nearest common ancestor; ``None``:
    the whole table), ``distinct`` within one parent row when a UNIQUE
    constraint asks for it; ``empty`` the referenced table gets no rows.
    """

    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    role: str
    nullable: bool
    scope: str | None = None
    distinct: bool = False


@dataclass
class Shape:
    """How one sized table is filled: its place in the profile's tree, its links, its values."""

    name: str  # the schema's name, lower-cased
    profile_name: str
    table: Table
    spec: TableSpec
    parent: str | None
    ancestors: tuple[str, ...]  # strict ancestors in the profile tree, nearest first
    links: list[Link] = field(default_factory=list)
    graph_scope: str | None = None  # graph: the table whose rows the DAGs stay within
    at_most_one: bool = False  # a UNIQUE key fixed by the parent row: one row per parent
    unique_columns: set[str] = field(default_factory=set)  # plain columns of distinct values

    @property
    def linked(self) -> set[str]:
        return {c.lower() for link in self.links for c in link.columns}


def resolve_shapes(catalog: Catalog, profile: Profile) -> dict[str, Shape]:
    """Check the profile against the schema and resolve every sized table's links."""
    _check_names(catalog, profile)
    sized = {name.lower(): name for name in profile.table_rows()}
    shapes: dict[str, Shape] = {}
    for lower, name in sized.items():
        spec = profile.tables[name]
        table = catalog.table(name)
        assert table is not None  # _check_names
        shapes[lower] = Shape(name=lower, profile_name=name, table=table, spec=spec,
                               parent=spec.parent.lower() if spec.parent else None,
                               ancestors=_ancestors(profile, name))
    for shape in shapes.values():
        _resolve_links(shape, shapes, catalog, profile)
        _resolve_unique(shape, catalog)
    return shapes


def _check_names(catalog: Catalog, profile: Profile) -> None:
    """Every table, column and key the profile names must exist in the schema."""
    where = profile.source
    for name, spec in profile.tables.items():
        table = catalog.table(name)
        if table is None:
            known = ", ".join(sorted(t.name for t in catalog.tables.values()))
            raise ProfileError(f"{where}: [tables.{name}] names a table the schema lacks "
                               f"(schema tables: {known}); fix the name or remove the entry")
        checks = [(f"[tables.{name}].columns.{c}", c) for c in spec.columns]
        if spec.parent is not None and spec.key is not None:
            checks.append((f"[tables.{name}].key", spec.key))
        if spec.graph is not None:
            checks.append((f"[tables.{name}].graph.target", spec.graph.target))
            if spec.graph.within:
                checks.append((f"[tables.{name}].graph.within", spec.graph.within))
        for group in profile.groups:
            key = "columns" if group.table == name else f"tables.{name}.columns"
            checks += [(f"[[groups]] {group.name!r}.{key}.{c}", c) for c in group.hints(name)]
        _check_columns(where, table, checks)


def _check_columns(where: str, table: Table, checks: list[tuple[str, str]]) -> None:
    known = {c.lower() for c in table.column_names}
    for key, column in checks:
        if column.lower() not in known:
            raise ProfileError(f"{where}: {key} names column {column!r}, which table "
                               f"{table.name} lacks (its columns: {', '.join(table.column_names)})")


def _ancestors(profile: Profile, name: str) -> tuple[str, ...]:
    found: list[str] = []
    parent = profile.tables[name].parent
    while parent is not None:
        found.append(parent.lower())
        parent = profile.tables[parent].parent
    return tuple(found)


def _resolve_links(shape: Shape, shapes: dict[str, Shape], catalog: Catalog,
                   profile: Profile) -> None:
    """Give each foreign key (and the key column) its role, from the profile's tree."""
    table, spec = shape.table, shape.spec
    columns = {c.name.lower(): c for c in table.columns}
    key = spec.key.lower() if shape.parent and spec.key else None
    target = spec.graph.target.lower() if spec.graph else None
    if key is not None and shape.parent is not None:
        parent_table = shapes[shape.parent].table
        declared = next((fk.parent_columns for fk in table.foreign_keys
                         if tuple(c.lower() for c in fk.columns) == (key,)
                         and fk.parent.lower() == shape.parent), ())
        shape.links.append(Link((columns[key].name,), shape.parent,
                                 referenced_columns(parent_table, declared), "key",
                                 nullable=not columns[key].not_null))
    for fk in table.foreign_keys:
        cols = tuple(c.lower() for c in fk.columns)
        if key is not None and cols == (key,):
            continue
        referenced = catalog.table(fk.parent)
        parent = fk.parent.lower()
        nullable = not any(columns[c].not_null for c in cols if c in columns)
        refs = referenced_columns(referenced, fk.parent_columns) if referenced else ()
        if cols == (target,):
            role, scope = "target", None
        elif parent not in shapes or not refs:
            role, scope = "empty", None
        elif parent in shape.ancestors and parent != shape.parent:
            role, scope = "ancestor", parent
        else:
            role, scope = "pick", _common_ancestor(shape, shapes[parent])
        shape.links.append(Link(fk.columns, parent, refs, role, nullable, scope))
    if spec.graph is not None and target is not None:
        if target not in shape.linked:
            shape.links.append(Link((columns[target].name,), shape.parent or "",
                                     referenced_columns(shapes[shape.parent or ""].table, ()),
                                     "target", nullable=not columns[target].not_null))
        shape.graph_scope = _graph_scope(shape, shapes, profile)


def referenced_columns(table: Table | None, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The referenced columns; an FK naming none references the primary key."""
    if table is None:
        return ()
    if columns and all(columns):
        return columns
    return table.primary_key


def _common_ancestor(shape: Shape, referenced: Shape) -> str | None:
    """The nearest table above both: its row bounds the rows a foreign key may point at.

    The table itself counts (a workflow points at a status row it owns), except
    that a second key to the parent, or a key to the table itself, picks among
    the rows of the level above.
    """
    own = (shape.name, *shape.ancestors)
    same_level = referenced.name in (shape.name, shape.parent)
    candidates = referenced.ancestors if same_level else (referenced.name, *referenced.ancestors)
    return next((t for t in candidates if t in own), None)


def _graph_scope(shape: Shape, shapes: dict[str, Shape], profile: Profile) -> str | None:
    """The table whose rows ``graph.within`` keeps edges inside (workflow for workflow_id)."""
    graph = shape.spec.graph
    if graph is None or not graph.within:
        return None
    within = graph.within.lower()
    nodes = shapes[shape.parent or ""]
    for owner in (shape, nodes):
        for link in owner.links:
            if tuple(c.lower() for c in link.columns) == (within,) and link.role in (
                    "key", "ancestor"):
                scope = link.parent if link.role == "key" else link.scope
                if scope in (nodes.name, *nodes.ancestors):
                    return scope
    raise ProfileError(f"{profile.source}: [tables.{shape.profile_name}].graph.within names "
                       f"{graph.within!r}, which is not a foreign key to a table above "
                       f"{nodes.profile_name} in the profile; name such a column")


def _resolve_unique(shape: Shape, catalog: Catalog) -> None:
    """Choose how each UNIQUE / PRIMARY KEY constraint is kept.

    A column fixed by the parent row (the key, an ancestor) is the same for a
    parent's rows; the rest must differ within them: a picked foreign key is
    drawn without replacement, a plain column gets distinct values, and a
    constraint with no free column allows one row per parent. What none of
    these covers (expressions, keys spanning parents) INSERT OR IGNORE drops.
    """
    table = shape.table
    constraints = [tuple(c.lower() for c in index.column_names)
                   for index in catalog.indexes_on(table.name)
                   if index.unique and not any(c.is_expression for c in index.columns)]
    alias = table.rowid_alias.lower() if table.rowid_alias else None
    if alias:
        constraints.append((alias,))
    fixed = {c.lower() for link in shape.links if link.role in ("key", "ancestor")
             for c in link.columns}
    key = shape.spec.key.lower() if shape.parent and shape.spec.key else None
    for columns in constraints:
        free = [c for c in columns if c not in fixed]
        if alias in free:
            continue
        if not free:
            shape.at_most_one = True
            continue
        per_parent = key in columns or shape.parent is None
        links = [i for i, link in enumerate(shape.links)
                 if {c.lower() for c in link.columns} <= set(free)]
        target = [i for i in links if shape.links[i].role == "target"]
        picks = [i for i in links if shape.links[i].role == "pick"]
        if target:
            continue
        if picks:
            link = shape.links[picks[0]]
            bounded = link.scope is None or link.scope in shape.ancestors
            if bounded and (per_parent or link.scope == shape.parent):
                shape.links[picks[0]] = replace(link, distinct=True)
            continue
        plain = [c for c in free if c not in shape.linked]
        if plain and not shape.unique_columns & set(plain):
            shape.unique_columns.add(plain[0])
