"""Comparisons: what one predicate says of each of its sides.

``a = b`` compares ``a`` with ``b`` and ``b`` with ``a``; ``a BETWEEN x AND
y`` compares ``a`` with both bounds; ``a IN (...)`` compares ``a`` with the
list. The analysis (:mod:`advisor.analysis.analyze`) reads, per conjunct,
which columns an index could seek on; replay
(:mod:`advisor.replay.parameters`) reads, per value of a sample, the column it
meets and how. Both classify here, so they agree on what a comparison is; each
decides which kinds it uses.

>>> from advisor.analysis.binding import parse_statement
>>> where = parse_statement("SELECT * FROM t WHERE 5 < a").args["where"].this
>>> [(side.kind, side.column.sql(), side.operator) for side in sides(where)]
[('range', '5', '<'), ('range', 'a', '>')]
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

EQUALITY = "equality"  # = == IS (with a value) IS NOT DISTINCT FROM
IN_LIST = "in_list"  # IN (values) or IN (subquery)
RANGE = "range"  # < <= > >= BETWEEN
IS_NULL = "is_null"  # IS NULL
PATTERN = "pattern"  # the subject of LIKE / GLOB (what the pattern is matched against)
OTHER = "other"  # != <>, and the pattern's side of LIKE / GLOB

_RANGE_OPERATORS = {exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">="}
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">="}


@dataclass(frozen=True)
class Side:
    """One side of a comparison: ``column`` compared, by ``kind``, with ``others``.

    ``column`` is the side an index would serve, whatever it holds (a column, a
    value, an expression); ``term`` is the comparison itself (the LIKE or GLOB
    under an ESCAPE); ``operator`` reads a range as ``column <operator> other``.
    """

    kind: str
    column: exp.Expression
    others: tuple[exp.Expression, ...]
    term: exp.Expression
    operator: str | None = None


def sides(term: exp.Expr) -> tuple[Side, ...]:
    """What the comparison ``term`` says of each of its sides; nothing when it is none."""
    if isinstance(term, exp.Escape):
        term = term.this
    if isinstance(term, (exp.EQ, exp.NullSafeEQ)):
        return _both(EQUALITY, term)
    if isinstance(term, exp.Is) and isinstance(term.expression, exp.Null):
        return (Side(IS_NULL, term.this, (), term),)
    if isinstance(term, (exp.LT, exp.LTE, exp.GT, exp.GTE)):
        operator = next(op for kind, op in _RANGE_OPERATORS.items() if isinstance(term, kind))
        return (Side(RANGE, term.this, (term.expression,), term, operator),
                Side(RANGE, term.expression, (term.this,), term, _FLIPPED[operator]))
    if isinstance(term, exp.Between):
        return (Side(RANGE, term.this, (term.args["low"], term.args["high"]), term),)
    if isinstance(term, exp.In):
        query = term.args.get("query")
        listed = (query,) if query is not None else tuple(term.expressions)
        return (Side(IN_LIST, term.this, listed, term),)
    if isinstance(term, (exp.Like, exp.Glob)):
        return (Side(PATTERN, term.this, (term.expression,), term),
                Side(OTHER, term.expression, (term.this,), term))
    if isinstance(term, exp.NEQ):
        return _both(OTHER, term)
    return ()  # IS TRUE, IS NOT, NOT, a function, a column alone: nothing an index seeks on


def _both(kind: str, term: exp.Expression) -> tuple[Side, Side]:
    """A symmetric comparison: each side compared with the other."""
    return (Side(kind, term.this, (term.expression,), term),
            Side(kind, term.expression, (term.this,), term))
