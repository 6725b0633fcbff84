"""Constant values: which of a template's placeholders always hold the same literal.

A template has its values masked, so whether ``status = ?`` is really
``status = 5`` everywhere can only be read from the samples the digest kept.
Values are compared slot by slot: a *slot* is one value position of the
statement, numbered in tree order over the raw parse (before any rewriting), so
the template and each sample number their values alike. An ``IN`` list of
values is one slot, as the fingerprint collapses it to ``IN (?)``, and only the
first row of a multi-row ``VALUES`` counts.

A slot's value is fixed when either

1. it is *written in the application's SQL*: a sample that carries placeholders
   elsewhere (a parameterised log such as sqlx) has a literal in this slot, and
   no such sample has a placeholder here; or
2. it is *the same in every sample*: at least two samples, all with the same
   literal here, and the samples are not all identical (identical samples say
   nothing about which values vary). The caller turns this rule off for key
   columns (see ``advisor.analysis.analyze``).

>>> tree = parse_statement("SELECT * FROM t WHERE a = ? AND b = ?")
>>> number_slots(tree)
2
>>> fixed_value(sample_slots(["SELECT * FROM t WHERE a = $1 AND b = 5"], 2), 1)
('5',)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlglot import exp

from advisor.analysis.binding import Unanalysable, parse_statement
from advisor.analysis.literals import value_nodes

SLOT = "advisor_slot"  # the key in a node's ``meta`` that holds its slot number

# Placeholders of every style become "?", which sqlglot reads in SQLite syntax;
# strings, comments and quoted names are matched first so that they are kept.
_PLACEHOLDERS = re.compile(
    r"""(?P<keep>--[^\n]*|/\*.*?(?:\*/|$)|'[^']*(?:''[^']*)*'|"[^"]*(?:""[^"]*)*"|`[^`]*`|\[[^\]]*\])
      | \?\d* | [$:@][A-Za-z_0-9]\w*""",
    re.VERBOSE | re.DOTALL,
)


def slots(tree: exp.Expression) -> Iterator[exp.Expression]:
    """The slot nodes of a raw parse: values, and ``IN`` nodes whose list is all values,
    in the first row of a multi-row ``VALUES`` only (as the fingerprint keeps it)."""
    return value_nodes(tree, whole_lists=True, first_row_only=True)


def number_slots(tree: exp.Expression) -> int:
    """Mark each slot node of the template with its number; returns how many."""
    nodes = list(slots(tree))
    for number, node in enumerate(nodes):
        node.meta[SLOT] = number
    return len(nodes)


def slot_of(node: exp.Expr | None) -> int | None:
    return None if node is None else node.meta.get(SLOT)


@dataclass(frozen=True)
class SampleSlots:
    """One sample's values, slot by slot: literals in SQLite syntax, None for a placeholder."""

    parameterised: bool  # it carries placeholders: the application's SQL as written
    values: tuple[tuple[str, ...] | None, ...]
    sizes: tuple[int, ...] = ()  # how many values each slot holds (an IN list: its length)
    rows: int = 1  # the rows of its VALUES list (an INSERT of several rows at once)


def sample_slots(samples: Sequence[str], slot_count: int) -> list[SampleSlots]:
    """The slots of each sample; a sample that does not parse or align is left out."""
    out: list[SampleSlots] = []
    for sql in samples:
        try:
            tree = parse_statement(_PLACEHOLDERS.sub(lambda m: m.group("keep") or "?", sql))
        except Unanalysable:
            continue
        nodes = list(slots(tree))
        values = tuple(_literals(node) for node in nodes)
        if len(values) == slot_count:
            sizes = tuple(len(node.expressions) if isinstance(node, exp.In) else 1
                          for node in nodes)
            listed = tree.find(exp.Values)
            rows = len(listed.expressions) if listed is not None else 1
            out.append(SampleSlots(any(v is None for v in values), values, sizes, rows))
    return out


def _literals(node: exp.Expression) -> tuple[str, ...] | None:
    """A slot's literal(s) in SQLite syntax; None when any is a placeholder."""
    items = node.expressions if isinstance(node, exp.In) else [node]
    if any(item.find(exp.Placeholder) for item in items):
        return None
    return tuple(item.sql(dialect="sqlite") for item in items)


def with_sample_values(node: exp.Expr, sample: SampleSlots) -> exp.Expr | None:
    """A copy of ``node`` (a part of the numbered template) with each of its slots
    written as ``sample``'s literal; None where a slot holds a placeholder or a list.

    >>> tree = parse_statement("SELECT * FROM t WHERE a = ? AND b = ?")
    >>> number_slots(tree)
    2
    >>> [sample] = sample_slots(["SELECT * FROM t WHERE a = 3 AND b = 'x'"], 2)
    >>> with_sample_values(tree.find(exp.Where), sample).sql()
    "WHERE a = 3 AND b = 'x'"
    """
    filled = node.copy()
    for part in list(filled.walk()):
        slot = slot_of(part)
        if slot is None:
            continue
        literals = sample.values[slot]
        if isinstance(part, exp.In) or literals is None or len(literals) != 1:
            return None
        literal: exp.Expr = exp.maybe_parse(literals[0], dialect="sqlite")
        if part is filled:
            return literal
        part.replace(literal)
    return filled


def fixed_value(samples: Sequence[SampleSlots], slot: int,
                same_in_all: bool = True) -> tuple[str, ...] | None:
    """The literal(s) ``slot`` always holds, by the two rules above, or None.

    ``same_in_all=False`` applies only the first rule.
    """
    written = [sample.values[slot] for sample in samples if sample.parameterised]
    if written and written[0] is not None and all(w == written[0] for w in written):
        return written[0]
    if not same_in_all or len(samples) < 2 or all(
            s.values == samples[0].values for s in samples[1:]):
        return None
    seen = {sample.values[slot] for sample in samples}
    if len(seen) == 1 and None not in seen:
        return seen.pop()
    return None


def placeholder_count(text: str) -> int:
    """The placeholders of a template's text (``?``, ``?1``, ``$1``, ``:name``…), strings,
    comments and quoted names left out: its parameters, in order."""
    return len(placeholder_spans(text))


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Where each placeholder ``placeholder_count`` counts stands in ``text``, in order."""
    return [match.span() for match in _PLACEHOLDERS.finditer(text) if not match.group("keep")]


def python_value(literal: str) -> object:
    """A literal in SQLite syntax as the value a parameter binds: an integer, a real or a
    string; None for anything else (NULL, a blob, an expression).

    >>> [python_value(t) for t in ("5", "-2", "2.5", "'it''s'", "NULL")]
    [5, -2, 2.5, "it's", None]
    """
    if re.fullmatch(r"[-+]?\d+", literal):
        return int(literal)
    if re.fullmatch(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?", literal):
        return float(literal)
    if len(literal) >= 2 and literal[0] == literal[-1] == "'":
        return literal[1:-1].replace("''", "'")
    return None


def sql_literal(value: object) -> str:
    """A value as a literal in SQLite syntax (``python_value`` the other way, and a
    blob's and NULL's too).

    >>> [sql_literal(v) for v in (5, True, 2.5, "it's", None, b"\\x01")]
    ['5', '1', '2.5', "'it''s'", 'NULL', "X'01'"]
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    return "'" + str(value).replace("'", "''") + "'"
