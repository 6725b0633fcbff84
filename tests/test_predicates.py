"""The parse shared by analysis and replay: value nodes and the sides of comparisons.

Constant predicates and replay find a statement's values with one walker
(``value_nodes``); the analysis and replay classify comparisons with one
function (``sides``). These tests pin both, and that their two users agree.
"""

from __future__ import annotations

import pytest
from sqlglot import exp

from advisor.analysis.analyze import analyze
from advisor.analysis.binding import parse_statement
from advisor.analysis.constants import number_slots
from advisor.analysis.literals import value_nodes
from advisor.analysis.predicates import (
    EQUALITY,
    IN_LIST,
    IS_NULL,
    OTHER,
    PATTERN,
    RANGE,
    sides,
)
from advisor.catalog.schema import catalog_from_sql
from advisor.digest.fingerprint import canonicalize
from advisor.replay.parameters import prepare

CATALOG = catalog_from_sql(
    [("s", "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, name TEXT)")], "s")


def where(condition: str) -> exp.Expression:
    return parse_statement(f"SELECT * FROM t WHERE {condition}").args["where"].this


def described(condition: str) -> list[tuple[str, str, list[str], str | None]]:
    return [(side.kind, side.column.sql(), [o.sql() for o in side.others], side.operator)
            for side in sides(where(condition))]


# --- value nodes --------------------------------------------------------------------------


def test_values_in_text_order_each_once() -> None:
    tree = parse_statement("SELECT * FROM t WHERE a = -1 AND b IN (2, ?) AND name IS NULL "
                           "AND name = NULL AND id = X'0A'")
    assert [n.sql(dialect="sqlite") for n in value_nodes(tree)] == ["-1", "2", "?", "NULL",
                                                                    "x'0A'"]
    assert isinstance(next(value_nodes(tree)), exp.Neg)  # a negated number is one value


def test_slots_collapse_value_lists_and_keep_the_first_row() -> None:
    tree = parse_statement("INSERT INTO t (a, b) VALUES (1, 2), (3, 4)")
    assert [n.sql() for n in value_nodes(tree)] == ["1", "2", "3", "4"]
    assert [n.sql() for n in value_nodes(tree, first_row_only=True)] == ["1", "2"]
    listed = parse_statement("SELECT * FROM t WHERE a IN (1, 2) AND b IN (3, b)")
    assert [n.sql() for n in value_nodes(listed, whole_lists=True)] == ["a IN (1, 2)", "3"]


def test_replay_and_constants_find_the_same_values() -> None:
    sql = "SELECT * FROM t WHERE a = 5 AND b < -3 AND name LIKE 'x%' LIMIT 10"
    assert len(prepare(sql, CATALOG).slots) == number_slots(parse_statement(sql)) == 4


def test_replay_leaves_null_and_blobs_alone() -> None:
    slots = prepare("INSERT INTO t (a, b, name) VALUES (1, NULL, X'00')", CATALOG).slots
    assert [(slot.column, slot.value) for slot in slots] == [("a", 1)]


# --- sides of comparisons -----------------------------------------------------------------


@pytest.mark.parametrize("condition, expected", [
    ("a = 5", [(EQUALITY, "a", ["5"], None), (EQUALITY, "5", ["a"], None)]),
    ("a IS NULL", [(IS_NULL, "a", [], None)]),
    ("a IS 5", [(EQUALITY, "a", ["5"], None), (EQUALITY, "5", ["a"], None)]),
    ("a IS TRUE", []),
    ("a < 5", [(RANGE, "a", ["5"], "<"), (RANGE, "5", ["a"], ">")]),
    ("5 >= a", [(RANGE, "5", ["a"], ">="), (RANGE, "a", ["5"], "<=")]),
    ("a BETWEEN 1 AND b", [(RANGE, "a", ["1", "b"], None)]),
    ("a IN (1, 2)", [(IN_LIST, "a", ["1", "2"], None)]),
    ("a IN (SELECT id FROM t)", [(IN_LIST, "a", ["(SELECT id FROM t)"], None)]),
    ("name LIKE 'x%'", [(PATTERN, "name", ["'x%'"], None), (OTHER, "'x%'", ["name"], None)]),
    ("name LIKE 'x!%' ESCAPE '!'", [(PATTERN, "name", ["'x!%'"], None),
                                    (OTHER, "'x!%'", ["name"], None)]),
    ("a <> 5", [(OTHER, "a", ["5"], None), (OTHER, "5", ["a"], None)]),
    ("NOT a = 5", []),
    ("a + 1", []),
])
def test_sides(condition: str, expected: list[tuple[str, str, list[str], str | None]]) -> None:
    assert described(condition) == expected


def test_analysis_and_replay_read_a_comparison_alike() -> None:
    sql = "SELECT * FROM t WHERE a = 5 AND 10 > b AND id IN (1, 2) AND name IS 'x'"
    read = analyze(canonicalize(sql), CATALOG).reads[0]
    assert (read.equality, read.range, read.in_list) == (("a", "name"), ("b",), ("id",))
    roles = [(slot.column, slot.role, slot.operator) for slot in prepare(sql, CATALOG).slots]
    assert roles == [("a", "equal", None), ("b", "range", "<"), ("id", "in", None),
                     ("id", "in", None), ("name", "equal", None)]
