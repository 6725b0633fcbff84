"""Literals in a parse: the nodes the fingerprint masks to ``?``, found in text order.

Constant predicates (:mod:`advisor.analysis.constants`) number these values
as slots to compare a template with its samples; replay
(:mod:`advisor.replay.parameters`) replaces them with values that hit rows.
Both walk the tree the same way, so they agree on what a value is.

>>> from advisor.analysis.binding import parse_statement
>>> tree = parse_statement("SELECT * FROM t WHERE a = -1 AND b IN (2, ?) AND c IS NULL")
>>> [node.sql() for node in value_nodes(tree)]
['-1', '2', '?']
>>> [node.sql() for node in value_nodes(tree, whole_lists=True)]
['-1', 'b IN (2, ?)']
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from advisor.analysis.binding import VIEW_BODY, text_order


def is_value(node: exp.Expression) -> bool:
    """A literal or placeholder (a negated one as its ``Neg``); NULL too, except in IS NULL;
    and a JSON path, which sqlglot reads from json_extract's string literal (the
    fingerprint masks it as the string it is)."""
    if isinstance(node, exp.JSONPath):
        return True
    if isinstance(node, exp.Null):
        return not (isinstance(node.parent, exp.Is) and node.arg_key == "expression")
    if isinstance(node, exp.Neg):
        return isinstance(node.this, (exp.Literal, exp.Placeholder))
    return isinstance(node, (exp.Literal, exp.Placeholder, exp.HexString))


def _is_value_list(node: exp.Expression) -> bool:
    return isinstance(node, exp.In) and bool(node.expressions) and all(
        is_value(item) for item in node.expressions)


def value_nodes(tree: exp.Expression, whole_lists: bool = False,
                first_row_only: bool = False) -> Iterator[exp.Expression]:
    """The value nodes of ``tree`` in text order, each once (a value's parts never on their own).

    ``whole_lists``: an ``IN`` node whose list is all values stands for them,
    as the fingerprint collapses it to ``IN (?)``. ``first_row_only``: of a
    multi-row ``VALUES``, only the first row's values, as the fingerprint
    keeps one row.
    """
    skipped: set[int] = set()
    for node in text_order(tree):
        if id(node) in skipped or (node.parent is not None and id(node.parent) in skipped) or (
                node.meta.get(VIEW_BODY)):
            skipped.add(id(node))
            continue
        if first_row_only and isinstance(node, exp.Values):
            skipped.update(id(row) for row in node.expressions[1:])
        if (whole_lists and _is_value_list(node)) or is_value(node):
            skipped.add(id(node))  # its parts are not values of their own
            yield node
