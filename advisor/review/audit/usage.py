"""Which indexes the workload uses: every index audited, the unused ones, and partial
indexes no logged statement can use.

An index is used when today's plan of some template names it; the plans after
ANALYZE, and foreign-key checks (which plans do not show), can still need an
index no plan uses, so such an unused index is reported but not dropped; nor
is one whose drop the replays measured to slow the workload beyond noise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from advisor.catalog.schema import Index
from advisor.costing.sizes import index_bytes
from advisor.review.audit.plans import AuditContext


@dataclass(frozen=True)
class AuditedIndex:
    """An index of the database and what the workload does with it."""

    name: str
    table: str
    definition: str  # table(col, col DESC) WHERE …
    origin: str  # "c" CREATE INDEX, "pk", "u" (constraints: never dropped)
    unique: bool
    bytes: int
    bytes_measured: bool  # from dbstat; else an analytic estimate
    used_by: tuple[str, ...]  # template ids whose plan uses it today
    used_after_analyze: tuple[str, ...] | None  # None: that state was not planned
    foreign_key_writes: tuple[str, ...]  # writes whose foreign-key checks can use it


@dataclass(frozen=True)
class Unused:
    index: str
    definition: str
    bytes: int
    drop: bool  # False when it still serves something the plans do not show
    note: str | None


@dataclass(frozen=True)
class UnusablePartial:
    index: str
    definition: str
    where: str
    statements_checked: int
    templates_checked: int
    unchecked: int  # statements SQLite could not be asked about (rewrite failed)


def describe(index: Index) -> str:
    """``table(col, col DESC) WHERE …``; an expression index as its CREATE INDEX writes it
    (the catalog knows an expression column only by position)."""
    if index.sql is None or not any(c.name.startswith("<expression") for c in index.columns):
        return index.describe()
    rest = index.sql[index.sql.upper().index(" ON ") + 4:]
    return re.sub(r"\s+", " ", rest).replace(" (", "(", 1).strip()


def audited_indexes(context: AuditContext) -> tuple[AuditedIndex, ...]:
    today = context.used_by(context.today)
    after: dict[str, set[str]] | None = None
    fresh = context.analyzed
    if fresh is not None:
        after = context.used_by({tid: [fresh.plan(s) for s in statements]
                                 for tid, statements in context.templates.items()})
    out = []
    for index in context.catalog.indexes:
        spec = index.spec
        measured = index.name in context.facts.bytes
        size = (context.facts.bytes[index.name] if measured
                else index_bytes(spec, context.catalog, context.data))
        lowered = index.name.lower()
        out.append(AuditedIndex(
            index.name, index.table, describe(index), index.origin, index.unique, size,
            measured, tuple(sorted(today.get(lowered, ()))),
            None if after is None else tuple(sorted(after.get(lowered, ()))),
            _foreign_key_writes(context, index)))
    return tuple(out)


def _foreign_key_writes(context: AuditContext, index: Index) -> tuple[str, ...]:
    """Writes to a parent table whose foreign-key checks look up the children through
    this index (its leading columns are the child key). EXPLAIN QUERY PLAN does not
    show those lookups; they run when the application enables foreign_keys."""
    if context.workload is None:
        return ()
    table = context.catalog.table(index.table)
    leading = [c.lower() for c in index.column_names]
    found = set()
    for fk in table.foreign_keys if table else ():
        if set(leading[:len(fk.columns)]) != {c.lower() for c in fk.columns}:
            continue
        parent = context.catalog.table(fk.parent)
        key = {c.lower() for c in (fk.parent_columns or (parent.primary_key if parent
                                                            else ()))}
        for tid, analysis in context.workload.analyses.items():
            write = analysis.write
            if write is None or write.table.lower() != fk.parent.lower():
                continue
            if write.operation in ("DELETE", "REPLACE") or key & {
                    c.lower() for c in write.columns_set}:
                found.add(tid)
    return tuple(sorted(found))


def unused(context: AuditContext, indexes: Iterable[AuditedIndex],
           needed: Mapping[str, str]) -> tuple[Unused, ...]:
    """Indexes no plan uses today; ``needed``: index -> how the replays measured the
    workload to need it (advisor.review.audit.replay's ``measured_needs``)."""
    if context.workload is None:
        return ()
    out = []
    for index in indexes:
        if index.origin != "c" or index.used_by:
            continue
        notes = []
        if index.unique:
            notes.append("it enforces uniqueness: drop it only if that constraint is not needed")
        if index.used_after_analyze:
            notes.append(f"after ANALYZE SQLite would use it for "
                         f"{', '.join(index.used_after_analyze)}")
        if index.foreign_key_writes:
            notes.append(f"foreign-key checks of {', '.join(index.foreign_key_writes)} can use "
                         f"it (not shown in plans; when the application enables foreign_keys)")
        if index.name in needed:
            notes.append(needed[index.name])
        out.append(Unused(index.name, index.definition, index.bytes, not notes,
                          "; ".join(notes) or None))
    return tuple(out)


def unusable_partial(context: AuditContext,
                      indexes: Iterable[AuditedIndex]) -> tuple[UnusablePartial, ...]:
    """Partial indexes no logged statement can use: SQLite refuses INDEXED BY for every
    occurrence of the table in every statement (its WHERE is implied by none)."""
    if context.workload is None:
        return ()
    out = []
    for audited in indexes:
        index = context.index(audited.name)
        if index.where is None or audited.used_by:
            continue
        templates = context.on_table(index.table)
        checked = unchecked = 0
        usable = False
        for tid in templates:
            for statement in context.templates[tid]:
                answer = context.current.usable(statement, index.table, index.name)
                if answer is None:
                    unchecked += 1
                    continue
                checked += 1
                usable = usable or answer
            if usable:
                break
        if not usable:
            out.append(UnusablePartial(index.name, describe(index), index.where, checked,
                                       len(templates), unchecked))
    return tuple(out)
