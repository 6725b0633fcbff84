"""Costing: golden costs of representative plans, and index upkeep of writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.catalog.statistics import Statistics
from advisor.costing.estimate import (
    OUTPUT_ROW_STEPS,
    STATEMENT_STEPS,
    WRITE_STATEMENT_STEPS,
    estimate_plan,
    maintenance,
)
from advisor.model.access import TableAccess, WriteAccess
from advisor.model.indexes import parse_index
from advisor.whatif.planner import Plan, PlanStep

GOLDEN = json.loads((Path(__file__).parent / "fixtures" / "costing" / "plans.json").read_text())


def _statistics() -> Statistics:
    distinct = {}
    for key, count in GOLDEN["distinct"].items():
        table, columns = key.split(".")
        distinct[(table, tuple(columns.split("+")))] = count
    return Statistics("test", (), GOLDEN["tables"], distinct)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["name"][:40] for c in GOLDEN["cases"]])
def test_golden_plan_costs(case: dict) -> None:
    plan = Plan(tuple(PlanStep(i, p, d) for i, p, d in case["plan"]))
    accesses = [TableAccess(**{k: tuple(v) if isinstance(v, list) else v for k, v in a.items()})
                for a in case["accesses"]]
    estimate = estimate_plan(plan, accesses, _statistics(), limit=case.get("limit"),
                             returns="none")
    # The goldens are the plan's work; every statement pays STATEMENT_STEPS on top.
    assert estimate.total - STATEMENT_STEPS == pytest.approx(case["expected"], rel=1e-4)
    assert not estimate.notes


def test_rows_handed_back_are_charged_as_the_statement_returns_them() -> None:
    plan = Plan((PlanStep(2, 0, "SCAN job"),))
    grouped = TableAccess("job", "job", group_by=("status",))
    work = estimate_plan(plan, [grouped], _statistics(), returns="none").total
    rows = estimate_plan(plan, [grouped], _statistics(), returns="rows")
    assert rows.total == work + OUTPUT_ROW_STEPS * rows.rows
    assert estimate_plan(plan, [grouped], _statistics(), returns="one").total == (
        work + OUTPUT_ROW_STEPS)
    groups = _statistics().distinct_values("job", ("status",))
    assert estimate_plan(plan, [grouped], _statistics(), returns="groups").total == (
        work + OUTPUT_ROW_STEPS * groups)


def test_every_statement_and_every_write_pays_a_fixed_price() -> None:
    """Calibrated on measured replays: a one-row read ~15 µs, a one-row write ~85 µs."""
    lookup = estimate_plan(Plan((PlanStep(2, 0, "SEARCH job USING INTEGER PRIMARY KEY "
                                                "(rowid=?)"),)), [], _statistics())
    assert STATEMENT_STEPS < lookup.total < 2 * STATEMENT_STEPS
    write = maintenance(WriteAccess("job", "UPDATE", ("command",)), [], _statistics())
    assert write.base > WRITE_STATEMENT_STEPS
    assert 4 < (write.base + lookup.total) / lookup.total < 7  # ~85 µs against ~15 µs


def test_uncosted_steps_are_noted_not_ignored_silently() -> None:
    plan = Plan((PlanStep(2, 0, "SCAN job"), PlanStep(5, 0, "SOMETHING NEW")))
    estimate = estimate_plan(plan, [], _statistics())
    assert estimate.notes == ("step not costed: SOMETHING NEW",)


def test_insert_and_delete_maintain_every_index_update_only_touched_ones() -> None:
    stats = _statistics()
    indexes = [parse_index("job(workflow_id, status)"), parse_index("job(name)"),
               parse_index("event(workflow_id)")]
    insert = maintenance(WriteAccess("job", "INSERT", ("workflow_id", "name")), indexes, stats)
    assert [name for name, _ in insert.per_index] == ["job(workflow_id, status)", "job(name)"]
    update = maintenance(WriteAccess("job", "UPDATE", ("status",)), indexes, stats)
    assert [name for name, _ in update.per_index] == ["job(workflow_id, status)"]
    # An update moves the entry (delete + insert): twice an insert's upkeep per index.
    assert update.per_index[0][1] == pytest.approx(2 * insert.per_index[0][1])
    untouched = maintenance(WriteAccess("job", "UPDATE", ("command",)), indexes, stats)
    assert untouched.per_index == () and untouched.total == untouched.base


def test_partial_index_where_columns_count_for_updates() -> None:
    stats = _statistics()
    partial = [parse_index("job(workflow_id) WHERE status = 5")]
    charged = maintenance(WriteAccess("job", "UPDATE", ("status",)), partial, stats)
    assert len(charged.per_index) == 1
