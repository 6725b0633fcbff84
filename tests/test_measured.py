"""Measured recommendations on a small real database: measurement overrules the estimate,
every chosen index earns its place, and the output says what was measured."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import command_json, run_command
from test_frozen import mutable_parts

from advisor.advise.earning import Earned, earn_places, rejection
from advisor.advise.measured import (
    CHEAPEST,
    SEARCHED,
    TAIL_SHARE,
    TOGETHER,
    VERIFY_SHARE,
    MeasureOn,
    _composed,
    _costliest,
    _Decision,
    _in_place,
    _kept,
    _Moves,
    _slowdowns,
    _slowed_reads,
    decide,
)
from advisor.advise.recommend import Chosen, recommend
from advisor.analysis.inputs import Inputs, read_workload
from advisor.analysis.workload import Workload
from advisor.candidates.generate import generate
from advisor.costing.pricing import Pricer, estimated_pricer, templates_on
from advisor.model.indexes import IndexSpec, parse_index
from advisor.model.reasons import Reason
from advisor.model.time_budget import TimeBudget
from advisor.replay.measure import replay_set
from advisor.replay.noise import difference
from advisor.replay.pricing import Comparison, MeasuredPricer
from advisor.replay.sandbox import copy_database
from advisor.replay.states import BothStates
from advisor.replay.workbench import Workbench
from advisor.search.problem import build_problem, candidate_specs
from advisor.search.search import Budget, Problem, Selection, select

ROWS = 20_000
SCHEMA = ("CREATE TABLE item (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b INTEGER NOT NULL, "
          "name TEXT);\n")


B_LOOKUPS = "".join(f"SELECT name FROM item WHERE b = {k * 97 % 10_000}\n" for k in range(80))


def items_database(path: Path, more: str = "") -> sqlite3.Connection:
    """20,000 items at ``path``, where a has two values and b two rows a value, no index
    on either; ``more``: DDL beside. Open, for more rows."""
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA + more)
    connection.executemany("INSERT INTO item (a, b, name) VALUES (?, ?, ?)",
                           ((i % 2, i % 10_000, f"item {i}") for i in range(ROWS)))
    return connection


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(log, database): a few lookups by a and many by b on the items."""
    folder = tmp_path_factory.mktemp("items")
    log = folder / "lookups.log"
    log.write_text("".join(f"SELECT name FROM item WHERE a = {k % 2}\n" for k in range(10))
                   + B_LOOKUPS)
    database = folder / "items.db"
    connection = items_database(database)
    connection.commit()
    connection.close()
    return log, database


@pytest.fixture(scope="module")
def workload(items: tuple[Path, Path]) -> Workload:
    log, database = items
    return read_workload(Inputs(logs=(str(log),), db=str(database)))


def test_a_measured_decision_prices_its_prior_with_the_rows_the_values_match(
        workload: Workload, items: tuple[Path, Path]) -> None:
    """Told that a is unique and b has one value (the data is the other way round), the
    estimate on averages leads with item(a). Where a database is measured on, the
    estimate (the measured search's prior) counts the rows each replayed statement's
    values match there (a = 0: 10,000; b = k: 2), and leads with b as measurement does."""
    _, database = items
    statistics = workload.statistics
    misled = replace(workload, statistics=replace(statistics, distinct={
        **statistics.distinct, ("item", ("a",)): ROWS, ("item", ("b",)): 1}))
    one = Budget(max_indexes=1)
    assert [str(c.spec) for c in recommend(misled, one).chosen] == ["item(a)"]
    measured = recommend(misled, one, measure_on=MeasureOn(database, "items.db"))
    decision = measured.measured
    assert decision is not None and [s.columns[0][0] for s in decision.estimate_set] == ["b"]
    # item(b), or item(b, name) that covers the lookup: measured in both statistics
    # states, the two are near enough for either to be chosen
    assert [c.spec.columns[0][0] for c in measured.chosen] == ["b"], (decision.rounds,
                                                                      decision.earned)
    served = measured.chosen[0].serves[0]
    assert served.measured and "b=?" in " ".join(served.plan_after.lines())
    assert served.cost_after < served.cost_before / 10  # a seek, not a scan of 20,000 rows
    assert list(mutable_parts(measured, "recommendation")) == []


def test_a_write_an_index_finds_the_rows_of_is_served_by_it(
        items: tuple[Path, Path], tmp_path: Path) -> None:
    """A replayed write is timed whole, its search with its upkeep: the UPDATEs that find
    their item by b are served by item(b), where the search's part alone (none, measured)
    said they were not; the INSERTs, which only keep it up, are not, however their runs
    come out."""
    _, database = items
    log = tmp_path / "updates.log"
    log.write_text("".join(f"UPDATE item SET name = 'renamed {k}' WHERE b = {k * 97 % 10_000}\n"
                           f"INSERT INTO item (a, b, name) VALUES (1, {k}, 'new {k}')\n"
                           for k in range(80)))
    workload = read_workload(Inputs(logs=(str(log),), db=str(database)))
    measured = recommend(workload, measure_on=MeasureOn(database, "items.db"))
    [on_b] = [c for c in measured.chosen if c.spec.column_names[0] == "b"]
    [served] = on_b.serves
    assert served.measured and served.sql.startswith("UPDATE item")
    assert served.cost_after < served.cost_before / 10  # a seek, not a scan of 20,000 rows


def on_b_and_tiny(chosen: Iterable[Chosen]) -> bool:
    """The set is tiny(x) and one index on item led by b: item(b), or its covering
    variant item(b, name), which the estimate prices a little cheaper (no row fetch)."""
    specs = sorted(str(c.spec) for c in chosen)
    return len(specs) == 2 and specs[1] == "tiny(x)" and specs[0] in ("item(b)", "item(b, name)")


def test_one_over_estimated_template_does_not_make_the_others_negligible(
        tmp_path: Path) -> None:
    """The estimate is told a 200-row table has a billion rows: its lookup dwarfs every
    other template, and relative to the workload's saving the index that really saves
    the most time falls within the tolerance. Relative to its own component's saving
    it does not; and measured, each template costs what it takes, and it is kept."""
    log = tmp_path / "mixed.log"
    log.write_text("".join(f"SELECT count(*) FROM tiny WHERE x = {k}\n" for k in range(10))
                   + B_LOOKUPS)
    database = tmp_path / "mixed.db"
    connection = items_database(database, "CREATE TABLE tiny (id INTEGER PRIMARY KEY, x INT);")
    connection.executemany("INSERT INTO tiny (x) VALUES (?)", ((i,) for i in range(200)))
    connection.commit()
    connection.close()
    workload = read_workload(Inputs(logs=(str(log),), db=str(database)))
    statistics = workload.statistics
    huge = 1_000_000_000
    misled = replace(workload, statistics=replace(
        statistics, table_rows={**statistics.table_rows, "tiny": huge},
        distinct={**statistics.distinct, ("tiny", ("x",)): huge}))
    # The tolerance is each component's own saving: the estimate keeps an index on b too,
    # though it saves a negligible share of the over-estimated workload...
    estimated = recommend(misled)
    assert on_b_and_tiny(estimated.chosen)
    # ...and so does a budget, which couples the components (one band, the whole
    # workload's): 1% of the over-estimated saving would let item(b) go, but the band
    # gives away no more than a twentieth of the best set's own cost, most of it b's.
    budgeted = recommend(misled, Budget(max_indexes=5))
    assert on_b_and_tiny(budgeted.chosen)
    measured = recommend(misled, measure_on=MeasureOn(database, "mixed.db"))
    # item(b), or item(b, name) where its covering seeks measure a tenth faster
    [on_b] = [c for c in measured.chosen if c.spec.column_names[0] == "b"]
    assert on_b.saving_share > 0.5  # most of the workload's measured time


def test_an_index_the_set_does_not_need_is_rejected_by_its_drop_one_replay(
        workload: Workload, items: tuple[Path, Path]) -> None:
    _, database = items
    useful, useless = parse_index("item(b)"), parse_index("item(name)")
    with estimated_pricer(workload) as estimated, Workbench(
            database, workload.catalog, False, 5.0) as bench:
        pricer = MeasuredPricer(estimated, replay_set(workload, database, 3), bench)
        closer: list[list[frozenset]] = []
        compare = pricer.compare

        def spy(*args: Any, **kwargs: Any) -> list[Comparison]:
            if kwargs.get("closer"):
                closer.append(list(args[1]))
            return compare(*args, **kwargs)

        pricer.compare = spy  # type: ignore[method-assign]
        kept, earned, rejected = earn_places(pricer, frozenset({useful, useless}))
    # Only the drop within noise (item(name)'s, never in a plan) was timed again, closer.
    assert closer == [[frozenset({useful})]]
    assert kept == {useful}
    assert rejected[useless].code is Reason.MEASURED_NO_GAIN
    assert rejected[useless].sentence.startswith(
        "replayed with and without it beside the rest of the set, it saves no more than noise")
    by_spec = {e.spec: e for e in earned}
    assert by_spec[useful].kept and by_spec[useful].gain > by_spec[useful].saving.band
    assert not by_spec[useless].kept and by_spec[useless].gain == 0  # never in a plan


def test_after_a_drop_only_the_indexes_it_can_change_are_timed_again(
        workload: Workload, items: tuple[Path, Path]) -> None:
    """Two indexes no plan uses are dropped one after the other; item(b)'s plans use
    neither, so its drop-one is not timed again beside the smaller set (where every
    index of the table was)."""
    _, database = items
    useful = parse_index("item(b)")
    idle = {parse_index("item(name)"), parse_index("item(id, name)")}  # covering no query
    with estimated_pricer(workload) as estimated, Workbench(
            database, workload.catalog, False, 5.0) as bench:
        pricer = MeasuredPricer(estimated, replay_set(workload, database, 3), bench)
        compared: list[tuple[frozenset, frozenset]] = []
        compare = pricer.compare

        def spy(*args: Any, **kwargs: Any) -> list[Comparison]:
            compared.extend((args[0], other) for other in args[1])
            return compare(*args, **kwargs)

        pricer.compare = spy  # type: ignore[method-assign]
        kept, earned, rejected = earn_places(pricer, frozenset({useful, *idle}))
        assert kept == {useful} and rejected.keys() == idle
        without_b = [pair for pair in compared if useful in pair[0] and useful not in pair[1]]
        assert without_b == [(frozenset({useful, *idle}), frozenset(idle))]
        # A drop-one known to hold for a set (a repair beside it no plan of b's uses) stands.
        [earned_b] = [e for e in earned if e.spec == useful]
        compared.clear()
        kept, again, _ = earn_places(pricer, frozenset({useful, *idle}),
                                     {useful: (earned_b, frozenset())})
        assert kept == {useful} and earned_b in again
        assert compared and not [pair for pair in compared if useful not in pair[1]]


def test_a_drop_one_is_timed_again_only_on_the_templates_a_change_can_move(
        workload: Workload, items: tuple[Path, Path]) -> None:
    """Beside a set one index away, item(b)'s drop-one is timed again on the templates
    named stale alone (here the lookups by a, planned alike either way: nothing to
    time); the lookups by b keep the difference timed before."""
    _, database = items
    useful = parse_index("item(b)")
    ids = {"b =" in stats.template.text: tid for tid, stats in workload.digest.templates.items()}
    by_a, by_b = ids[False], ids[True]
    with estimated_pricer(workload) as estimated, Workbench(
            database, workload.catalog, False, 5.0) as bench:
        pricer = MeasuredPricer(estimated, replay_set(workload, database, 3), bench)
        [earlier] = [e for e in earn_places(pricer, frozenset({useful}))[1] if e.spec == useful]
        assert earlier.pair is not None and by_b in earlier.pair.templates
        asked: list[Any] = []
        compare = pricer.compare

        def spy(*args: Any, **kwargs: Any) -> list[Comparison]:
            asked.append(args[2] if len(args) > 2 else kwargs.get("templates"))
            return compare(*args, **kwargs)

        pricer.compare = spy  # type: ignore[method-assign]
        replays = pricer.counters().replays
        _, again, _ = earn_places(pricer, frozenset({useful}),
                                  {useful: (earlier, frozenset({by_a}))})
        assert asked == [[by_a]]
        assert pricer.counters().replays == replays  # b's lookups not timed again
        [now] = [e for e in again if e.spec == useful]
        assert now.kept and now.pair is not None
        assert now.pair.templates[by_b] is earlier.pair.templates[by_b]


def test_a_patched_comparison_keeps_the_templates_not_timed_again() -> None:
    """The templates timed again take the fresh differences (one gone if no longer
    different), the others keep theirs, in every statistics state."""
    one, two, three = (difference([1.0] * 3, [v] * 3) for v in (2.0, 3.0, 4.0))
    base, other = frozenset({parse_index("t(a)")}), frozenset()
    earlier = Comparison(base, other, {"x": one, "y": two}, {"x": ("p", "q"), "y": ("p", "q")},
                         {"x": (1, 2), "y": (1, 2)}, {"as found": {"x": one, "y": two}})
    fresh = Comparison(base, other, {"y": three}, {"y": ("r", "s")}, {"y": (3, 4)},
                       {"as found": {"y": three}})
    patched = earlier.patched(fresh, ["y"])
    assert dict(patched.templates) == {"x": one, "y": three}
    assert dict(patched.plans) == {"x": ("p", "q"), "y": ("r", "s")}
    assert dict(patched.by_state["as found"]) == {"x": one, "y": three}
    gone = earlier.patched(replace(fresh, templates={}, plans={}, steps={}, by_state={}),
                           ["y"])
    assert dict(gone.templates) == {"x": one} and dict(gone.by_state["as found"]) == {"x": one}
    assert patched.total.delta == one.delta + three.delta


def test_a_comparison_timed_closer_runs_more_and_replaces_the_earlier(
        workload: Workload, items: tuple[Path, Path]) -> None:
    """A comparison asked again is the one timed before; asked ``closer`` it is timed
    again with CLOSER times the runs, and stands for the pair from then on."""
    _, database = items
    b = frozenset({parse_index("item(b)")})
    with estimated_pricer(workload) as estimated, Workbench(
            database, workload.catalog, False, 5.0) as bench:
        pricer = MeasuredPricer(estimated, replay_set(workload, database, 3), bench)
        start = pricer.counters().runs
        first = pricer.compare(b, [frozenset()])[0]
        timed = pricer.counters().runs - start
        assert pricer.compare(b, [frozenset()])[0] == first
        assert pricer.counters().runs - start == timed
        closer = pricer.compare(b, [frozenset()], closer=True)[0]
        after = pricer.counters().runs
        assert after - start - timed >= 2 * timed
        assert closer.total.delta > closer.total.band  # a scan against a seek
        assert pricer.compare(b, [frozenset()])[0] == closer
        assert pricer.counters().runs == after


@pytest.mark.parametrize("shared_copies", [False, True])
def test_both_states_time_once_what_they_plan_alike_and_price_the_worse(
        workload: Workload, items: tuple[Path, Path], shared_copies: bool) -> None:
    """A database without sqlite_stat1 is measured as found and after ANALYZE: a template
    the what-if planner plans alike in both is timed once, on the copies as found, and
    every template is priced by its worse state; on copies of each state's own, or on
    copies holding both, whose builds are then counted once."""
    _, database = items
    analysed_statistics = replace(workload.statistics, planner_has_stats=True)
    statements = replay_set(workload, database, 3)
    with estimated_pricer(workload) as as_found, \
            estimated_pricer(workload, analysed_statistics) as after_analyze, \
            Workbench(database, workload.catalog, False, 5.0) as plain, \
            Workbench(database, workload.catalog, True, 5.0) as analysed_copies, \
            Workbench(database, workload.catalog, False, 5.0, both_states=True) as shared:
        benches = ((shared.state(False), shared.state(True)) if shared_copies
                   else (plain, analysed_copies))
        found = MeasuredPricer(as_found, statements, benches[0])
        analysed = MeasuredPricer(after_analyze, statements, benches[1], shared=found)
        both = BothStates(found, analysed)
        b = frozenset({parse_index("item(b)")})
        both.measure([frozenset(), b])
        assert found.counters().replays > 0
        assert analysed.counters().replays == 0  # scans and seeks on b: the same plans
        for template in both.templates:
            for config in (frozenset(), b):
                worse = max(found.priced(template, config).total,
                            analysed.priced(template, config).total)
                assert both.priced(template, config).measured
                assert both.priced(template, config).total == worse
        assert both.totals(b).total < 0.8 * both.totals(frozenset()).total
        counted = (shared.counters if shared_copies
                   else SimpleNamespace(builds=plain.counters.builds
                                        + analysed_copies.counters.builds))
        assert both.counters().builds == counted.builds > 0


def _lookups_by_a_and_b(tmp_path: Path, name: str) -> tuple[Workload, Path]:
    """The items at ``name``.db, and a log of 40 lookups by a and b at ``name``.log."""
    log = tmp_path / f"{name}.log"
    log.write_text("".join(f"SELECT name FROM item WHERE a = {k % 2} AND b = {k * 97 % 10_000}\n"
                           for k in range(40)))
    database = tmp_path / f"{name}.db"
    connection = items_database(database)
    connection.commit()
    connection.close()
    return read_workload(Inputs(logs=(str(log),), db=str(database))), database


@contextmanager
def _misled_pricer(tmp_path: Path) -> Iterator[MeasuredPricer]:
    """A pricer on analysed copies of the items, replaying lookups by a and b, whose
    what-if planner is told that a is unique and b has one value (the data is the other
    way round): it seeks item(a) where the analysed copy seeks item(b)."""
    workload, database = _lookups_by_a_and_b(tmp_path, "both")
    statistics = workload.statistics
    misled = replace(statistics, planner_has_stats=True, distinct={
        **statistics.distinct, ("item", ("a",)): ROWS, ("item", ("b",)): 1})
    statements = replay_set(replace(workload, statistics=misled), database, 3)
    with estimated_pricer(workload, misled) as planned, \
            Workbench(database, workload.catalog, True, 5.0) as analysed_copies:
        yield MeasuredPricer(planned, statements, analysed_copies)


A_ONLY = frozenset({parse_index("item(a)")})
A_AND_B = frozenset(map(parse_index, ("item(a)", "item(b)")))


def test_a_template_sqlite_plans_otherwise_is_measured_per_configuration(
        tmp_path: Path) -> None:
    """Once SQLite is seen planning a template otherwise, it is untrusted: a
    configuration whose what-if plan matches work already measured is no longer priced
    by that work, it is built and planned on a copy. With item(a) and item(b), and with
    item(a) alone, the what-if plan is the same, the real ones are not, and they are
    priced apart (trusted, item(a) alone was priced as the seek through item(b)
    measured first)."""
    with _misled_pricer(tmp_path) as pricer:
        template = pricer.templates[0]
        assert pricer.key(template, A_ONLY).plan == pricer.key(template, A_AND_B).plan
        pricer.measure([A_AND_B])
        assert template in pricer.untrusted
        pricer.measure([A_ONLY])
        with_a, with_both = pricer.priced(template, A_ONLY), pricer.priced(template, A_AND_B)
        assert with_a.measured and with_both.measured
        assert with_both.total < with_a.total / 5  # two rows through b, 10,000 through a


def test_a_configuration_planned_before_a_template_turned_untrusted_stays_known(
        tmp_path: Path) -> None:
    """Today's scan, planned and timed on a copy while the template was trusted, is
    still known once item(a) and item(b) turn it untrusted: the two are compared from
    their known runs (a scan against a seek, far apart), and nothing is timed again."""
    with _misled_pricer(tmp_path) as pricer:
        template = pricer.templates[0]
        pricer.measure([frozenset()])
        pricer.measure([A_AND_B])
        assert template in pricer.untrusted
        assert pricer.is_measured(template, frozenset())
        replays = pricer.counters().replays
        [pair] = pricer.compare(A_AND_B, [frozenset()], settled=3.0)
        assert pricer.counters().replays == replays
        assert pair.templates[template].delta > 0  # the scan is the slower side


def test_a_configuration_first_planned_to_compare_it_is_not_timed_where_its_work_is_known(
        tmp_path: Path) -> None:
    """item(b) alone is planned on a copy for the first time to compare it with today,
    and SQLite seeks b there: work timed before under item(a) and item(b), far from
    today's scan. The comparison takes both sides' known runs; nothing is timed."""
    with _misled_pricer(tmp_path) as pricer:
        template = pricer.templates[0]
        pricer.measure([frozenset(), A_AND_B])
        b_only = frozenset({parse_index("item(b)")})
        assert not pricer.is_measured(template, b_only)
        replays = pricer.counters().replays
        [pair] = pricer.compare(b_only, [frozenset()], settled=3.0)
        assert pricer.counters().replays == replays
        assert pair.templates[template].delta > 0
        assert pricer.is_measured(template, b_only)


def _slow_lookups(tmp_path: Path) -> tuple[Workload, Path]:
    """The lookups by b on 300,000 items, b without an index: a scan of milliseconds
    each, and microseconds with item(b)."""
    log, database = tmp_path / "slow.log", tmp_path / "slow.db"
    log.write_text(B_LOOKUPS)
    connection = sqlite3.connect(database)
    connection.executescript(SCHEMA)
    connection.executemany("INSERT INTO item (a, b, name) VALUES (?, ?, ?)",
                           ((i % 2, i % 150_000, f"item {i}") for i in range(300_000)))
    connection.commit()
    connection.close()
    return read_workload(Inputs(logs=(str(log),), db=str(database))), database


@pytest.mark.parametrize("stopped_untimed", [False, True])
def test_a_template_that_runs_into_the_time_limit_is_priced_at_it_and_not_run_into_it_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stopped_untimed: bool) -> None:
    """Lookups by b scan 300,000 rows without item(b) (milliseconds each), past a time
    limit of 1 ms; with it they take microseconds. Today's first run runs into the
    limit (the untimed one, or, where that is stopped sooner as slow, the first timed
    one): no run follows, and the work is priced at the limit, a lower bound.
    Compared with item(b), that side is not run again, and the index is credited
    with saving at least the limit, beyond noise (a side without runs was left out
    of the comparison, and the index credited with nothing there)."""
    from advisor.replay import pricing as replay_pricing

    if stopped_untimed:
        monkeypatch.setattr(replay_pricing, "SLOW_SECONDS", 1e-9)
    workload, database = _slow_lookups(tmp_path)
    b_only = frozenset({parse_index("item(b)")})
    limit = 0.001
    with estimated_pricer(workload) as estimated, Workbench(
            database, workload.catalog, False, limit) as bench:
        pricer = MeasuredPricer(estimated, replay_set(workload, database, 3), bench)
        [template] = pricer.replayable
        pricer.measure([frozenset()])
        assert pricer.counters().outcomes == {"timeout": 1}  # the one run
        today = pricer.priced(template, frozenset())
        assert today.measured and today.total == pytest.approx(limit)
        [pair] = pricer.compare(frozenset(), [b_only])
        assert pricer.counters().outcomes["timeout"] == 1  # not run into the limit again
        saving = pair.templates[template]
        assert -saving.delta > saving.band  # item(b) is faster, beyond noise
        assert -saving.delta >= 0.9 * limit * pricer.views[template].count


def test_a_template_with_fast_work_known_runs_under_a_tighter_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once item(b)'s seek is known (microseconds), the scan without it runs under
    LIMIT_FACTOR times that (at least LIMIT_FLOOR: 1 ms here), not the 5 s statement
    limit: it runs into the tighter one and is priced at it, a lower bound; the copies
    keep their own limit after."""
    from advisor.replay import pricing as replay_pricing

    monkeypatch.setattr(replay_pricing, "LIMIT_FACTOR", 2.0)
    monkeypatch.setattr(replay_pricing, "LIMIT_FLOOR", 0.001)
    workload, database = _slow_lookups(tmp_path)
    b_only = frozenset({parse_index("item(b)")})
    with estimated_pricer(workload) as estimated, Workbench(
            database, workload.catalog, False, 5.0) as bench:
        pricer = MeasuredPricer(estimated, replay_set(workload, database, 3), bench)
        [template] = pricer.replayable
        pricer.measure([b_only])
        assert "timeout" not in pricer.counters().outcomes
        assert pricer.priced(template, b_only).total < 0.0005
        pricer.measure([frozenset()])
        assert pricer.counters().outcomes["timeout"] == 1
        assert pricer.priced(template, frozenset()).total == pytest.approx(0.001)
        assert all(copy.sandbox.statement_seconds == 5.0 for copy in bench.copies(2))


def test_verifying_a_configuration_plans_it_on_a_copy(tmp_path: Path) -> None:
    """Measured after item(a) alone, item(a) and item(b) has a known key (the what-if
    plan is the same) and is priced as the seek through a without being built; verified,
    it is built and planned on a copy, SQLite seeks b there, and it is priced as that."""
    with _misled_pricer(tmp_path) as pricer:
        template = pricer.templates[0]
        pricer.measure([A_ONLY])
        pricer.measure([A_AND_B])
        assert template not in pricer.untrusted
        assert pricer.priced(template, A_AND_B).total == pricer.priced(template, A_ONLY).total
        pricer.measure([A_AND_B], verify=True)
        assert template in pricer.untrusted
        with_a, with_both = pricer.priced(template, A_ONLY), pricer.priced(template, A_AND_B)
        assert with_both.measured and with_both.total < with_a.total / 5


def test_a_comparison_on_copies_plans_known_keys_there(tmp_path: Path) -> None:
    """item(a) and item(b) has a known key (the what-if planner seeks a, as under item(a)
    alone, measured), and today's scan is known: compared from their known runs, the set
    is priced as the seek through a, never built. Compared on copies (as recommend times
    its final set against today), SQLite seeks b there: the template turns untrusted and
    the set is timed as the seek it runs."""
    with _misled_pricer(tmp_path) as pricer:
        template = pricer.templates[0]
        pricer.measure([frozenset(), A_ONLY])
        pricer.measure([A_AND_B])
        [known] = pricer.compare(A_AND_B, [frozenset()], settled=3.0)
        assert template not in pricer.untrusted
        [planned] = pricer.compare(A_AND_B, [frozenset()], settled=3.0, on_copies=True)
        assert template in pricer.untrusted
        assert planned.plans[template][0] != known.plans[template][0]
        assert "(b=?)" in planned.plans[template][0] and "(a=?)" in known.plans[template][0]
        assert pricer.priced(template, A_AND_B).total < pricer.priced(template, A_ONLY).total / 5


def test_recommend_measures_by_default_and_says_what_it_took(items: tuple[Path, Path]) -> None:
    log, database = items
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    document = command_json("recommend", str(log), "--db", str(database))
    measured = document["measured"]
    assert measured is not None and not document["estimate_only"]
    totals = document["totals"]
    assert totals["units"] == "seconds"
    # Every total in seconds, the best set's too (it was the estimate's, in row steps).
    assert 0 < totals["optimum_cost"] <= totals["baseline_cost"]
    counters = measured["counters"]
    assert counters["replays"] > 0 and counters["builds"] > 0 and counters["copies"] >= 1
    assert 0 < counters["measured_share"] <= 1
    assert measured["rounds"] and measured["estimate_set"]["seconds"] > 0
    for index in document["indexes"]:
        saving = index["measured_saving"]
        assert saving["seconds"] > saving["noise_seconds"]
    assert measured["against_today"]["delta_seconds"] < 0  # faster than today
    code, text, _ = run_command("recommend", str(log), "--db", str(database))
    assert code == 0 and "Measured on copies of" in text and "index builds" in text
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


def test_the_sizes_reported_are_those_measured_on_the_copies(items: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    """Each recommended index was built on a copy: its size is the pages it took there,
    which is what it takes built on the database (the estimate stays beside it)."""
    log, database = items
    document = command_json("recommend", str(log), "--db", str(database))
    indexes, totals = document["indexes"], document["totals"]
    assert indexes
    fresh = tmp_path / "fresh.db"
    copy_database(database, fresh)
    connection = sqlite3.connect(fresh)
    try:
        for index in indexes:
            connection.execute(index["create_sql"])
            name = index["create_sql"].split('"')[1]
            (pages,) = connection.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?",
                                          (name,)).fetchone()
            assert index["bytes_measured"] and index["bytes"] == pages
            assert index["estimated_bytes"] > 0
    finally:
        connection.close()
    assert totals["bytes"] == sum(i["bytes"] for i in indexes)
    assert totals["estimated_bytes"] == sum(i["estimated_bytes"] for i in indexes)
    assert totals["sizes_measured"] == len(indexes)
    assert sum(p["bytes"] for p in document["phases"]) == totals["bytes"]
    assert sum(p["sizes_measured"] for p in document["phases"]) == len(indexes)
    code, text, _ = run_command("recommend", str(log), "--db", str(database))
    assert code == 0 and text.splitlines()[0].endswith(" KiB measured.")


def test_estimate_only_keeps_the_estimate_and_says_so(items: tuple[Path, Path]) -> None:
    log, database = items
    document = command_json("recommend", str(log), "--db", str(database), "--estimate-only")
    assert document["measured"] is None and document["estimate_only"]
    assert document["totals"]["units"] == "row steps"
    for index in document["indexes"]:  # nothing was built: the sizes are the estimate
        assert not index["bytes_measured"] and index["bytes"] == index["estimated_bytes"]
    assert document["totals"]["sizes_measured"] == 0
    code, text, _ = run_command("recommend", str(log), "--db", str(database),
                                "--estimate-only")
    assert code == 0
    assert text.splitlines()[0].endswith(" KiB estimated.")
    assert text.splitlines()[1].startswith("Estimated only (--estimate-only: nothing was "
                                           "replayed)")


def _recommend_with_drops(tmp_path: Path, own: str) -> dict:
    """recommend --allow-drops, measured, on the items with ``own`` indexes, looked up by b."""
    log = tmp_path / "app.log"
    log.write_text(B_LOOKUPS)
    database = tmp_path / "app.db"
    connection = items_database(database, own)
    connection.commit()
    connection.close()
    return command_json("recommend", str(log), "--db", str(database), "--allow-drops")


def test_measured_drops_keep_their_reason(tmp_path: Path) -> None:
    """With --allow-drops the database's own indexes compete, measured like candidates:
    one no template uses is still recommended for dropping, with its reason."""
    document = _recommend_with_drops(tmp_path, "CREATE INDEX unused ON item(name);")
    assert document["measured"] is not None
    assert [d["name"] for d in document["drops"]] == ["unused"]
    assert document["drops"][0]["code"] == Reason.NO_GAIN
    assert [i["columns"][0]["name"] for i in document["indexes"]] == ["b"]


def test_measured_drops_time_the_set_against_the_database_as_it_is(tmp_path: Path) -> None:
    """With --allow-drops the set is timed against today, the database's own indexes in
    place: item(b) serves every lookup today, so keeping it changes nothing. Timed
    against the database without its own indexes, the lookups' scans made the set look
    thousands of times faster than today, and a slowdown beside today went unseen."""
    document = _recommend_with_drops(tmp_path, "CREATE INDEX item_b ON item(b, name);")
    today = document["measured"]["against_today"]
    assert document["drops"] == []
    assert today["base_seconds"] <= 3 * today["other_seconds"], today


def test_validate_insists_on_measuring(items: tuple[Path, Path], tmp_path: Path) -> None:
    log, database = items
    code, _, err = run_command("recommend", str(log), "--db", str(database), "--validate",
                               "--estimate-only")
    assert code == 2 and "--validate insists on measuring" in err
    schema = tmp_path / "items.sql"
    schema.write_text(SCHEMA)
    code, _, err = run_command("recommend", str(log), "--schema", str(schema), "--validate")
    assert code == 1 and "--validate cannot measure: no database to measure on" in err
    code, text, _ = run_command("recommend", str(log), "--schema", str(schema))
    assert code == 0 and "Estimated only (no database to measure on" in text


def test_a_working_copy_takes_the_databases_own_indexes_away_and_back(tmp_path: Path) -> None:
    """The audit's drop-one: an index of the database dropped by name on a working copy and
    built again with the sqlite_stat1 row it had (as found: not re-analysed), or analysed
    once the copy is; the database itself untouched."""
    from advisor.catalog.schema import catalog_from_database

    path = tmp_path / "items.db"
    connection = items_database(path, "CREATE INDEX item_a ON item (a);")
    connection.commit()
    connection.execute("ANALYZE")
    connection.execute("UPDATE sqlite_stat1 SET stat = '20000 7' WHERE idx = 'item_a'")  # stale
    connection.commit()
    connection.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    def item_a_rows(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        return [row for row in rows if row[1] == "item_a"]

    with Workbench(path, catalog_from_database(path), False, 5.0) as bench:
        (copy,) = bench.copies(1)
        stats = "SELECT tbl, idx, stat FROM sqlite_stat1"
        indexes = "SELECT name FROM sqlite_master WHERE type = 'index'"
        copy.set_absent(frozenset({"item_a"}))
        assert ("item_a",) not in copy.sandbox.run_own(indexes)
        assert item_a_rows(copy.sandbox.run_own(stats)) == []
        assert "USING" not in copy.sandbox.plan("SELECT name FROM item WHERE a = 1")
        copy.set_absent(frozenset())
        assert ("item_a",) in copy.sandbox.run_own(indexes)
        assert item_a_rows(copy.sandbox.run_own(stats)) == [("item", "item_a", "20000 7")]
        copy.analyze_all()
        copy.rebuild("item_a")
        assert item_a_rows(copy.sandbox.run_own(stats)) == [("item", "item_a", "20000 10000")]
        assert bench.counters.builds == 2 and bench.counters.drops == 2
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_copies_shared_by_both_statistics_states_plan_as_copies_of_their_own(
        tmp_path: Path) -> None:
    """A workbench whose copies hold both statistics states plans every statement as a
    copy never analysed, and one analysed (each index as it is built), would: back and
    forth, with an index built while the copy is as found. A range on b beside a on
    its two values seeks item(a) as found and item(b) after ANALYZE; a join of the
    items with five tags scans the items first as found (every table guessed alike)
    and the tags after ANALYZE, also when SQLite has read statistics since removed."""
    from advisor.catalog.schema import catalog_from_database

    path = tmp_path / "items.db"
    connection = items_database(path, "CREATE TABLE tag (id INTEGER PRIMARY KEY, b INTEGER);")
    connection.executemany("INSERT INTO tag (b) VALUES (?)", [(b,) for b in range(5)])
    connection.commit()
    connection.close()
    catalog = catalog_from_database(path)
    queries = ("SELECT count(*) FROM item WHERE a = 1 AND b > 5",
               "SELECT count(*) FROM item JOIN tag ON tag.b = item.b")
    a_index, b_index = parse_index("item(a)"), parse_index("item(b)")
    steps = [(False, {a_index}), (True, {a_index}), (False, {a_index, b_index}),
             (True, {a_index, b_index}), (False, {a_index, b_index}), (True, {b_index})]
    with Workbench(path, catalog, False, 5.0, both_states=True) as shared, \
            Workbench(path, catalog, False, 5.0) as found, \
            Workbench(path, catalog, True, 5.0) as analysed:
        own = {False: found, True: analysed}
        plans: dict[str, set[str]] = {query: set() for query in queries}
        for state, config in steps:
            [mine] = shared.state(state).copies(1)
            [theirs] = own[state].copies(1)
            for copy in (mine, theirs):
                copy.apply(frozenset(config))
            for query in queries:
                plans[query].add(mine.sandbox.plan(query))
                assert mine.sandbox.plan(query) == theirs.sandbox.plan(query), (state, query)
        assert all(len(seen) >= 2 for seen in plans.values())  # the states plan otherwise
        assert (shared.counters.copies, shared.counters.builds) == (1, 2)  # each built once


class _Priced:
    """A measured price, as the helpers below read it."""

    def __init__(self, weighted: float) -> None:
        self.weighted, self.measured = weighted, True


class _Views:
    def __init__(self, write: object) -> None:
        self.write = write


class _Pricer:
    """Today's and the set's measured prices of four templates, one of them a write, as
    found and after ANALYZE; a price is the worse state's."""

    def __init__(self) -> None:
        self.found = ({"q1": 1.0, "q2": 1.0, "q3": 0.001, "ins": 0.01},
                      {"q1": 3.0, "q2": 0.5, "q3": 0.01, "ins": 2.0})
        # q2 after ANALYZE: 0.2 today, 0.45 with the set (as fast as found, it was hidden)
        self.analysed = ({**self.found[0], "q2": 0.2}, {**self.found[1], "q2": 0.45})
        self.replayable = tuple(self.found[0])
        self.views = {t: _Views("insert" if t == "ins" else None) for t in self.replayable}

    def totals(self, config: frozenset[object]) -> _Priced:
        total = sum(self.priced(t, config).weighted for t in self.replayable)
        return type("Total", (), {"total": total})()  # type: ignore[return-value]

    def each_state(self, template: str, config: Iterable[object]) -> tuple[_Priced, ...]:
        side = 1 if tuple(config) else 0
        return tuple(_Priced(state[side][template]) for state in (self.found, self.analysed))

    def priced(self, template: str, config: Iterable[object]) -> _Priced:
        return max(self.each_state(template, config), key=lambda p: p.weighted)

    def price(self, template: str, config: tuple[object, ...]) -> _Priced:
        return self.priced(template, config)


def test_repairs_and_bundles_look_at_the_costliest_reads_not_writes() -> None:
    """The templates the measured search looks around: reads only (no index makes an
    insert cheaper), at least 1% of the time under the set, costliest first; for
    repairs, only those 1.2x slower than today in some statistics state."""
    pricer, chosen = _Pricer(), frozenset({"some index"})
    assert _costliest(pricer, chosen, 5) == ["q1", "q2"]  # type: ignore[arg-type]
    assert _costliest(pricer, chosen, 1) == ["q1"]  # type: ignore[arg-type]
    # q2: faster than today in its worse state, 2.25x slower after ANALYZE
    assert _costliest(pricer, chosen, 5, slower=1.2) == ["q1", "q2"]  # type: ignore[arg-type]


def test_a_template_slower_in_one_statistics_state_alone_is_reported_so() -> None:
    """Today against the set: q3's worse state is as slow on both sides (as found), so
    its merged difference is within noise; after ANALYZE it is twice today's time.
    Reported, with that state named; q1, slower in its worse state, with none."""
    spec = parse_index("orders(o_orderdate)")
    # Differences are "other (today) against base (the set)": positive when today is
    # slower; a slowdown under the set is today faster, a negative delta.
    as_found = {"q1": difference([4.0] * 5, [1.0] * 5), "q3": difference([11.0] * 5, [11.0] * 5)}
    analysed = {"q3": difference([11.0] * 5, [5.0] * 5)}
    today = Comparison(frozenset({spec}), frozenset(), as_found, {}, {},
                       {"as found": as_found, "after ANALYZE": analysed})

    class _Restricting:
        def restrict(self, config: frozenset[object], template: str) -> frozenset[object]:
            return config

    earned = (Earned(spec, difference([1.0] * 5, [3.0] * 5), (), True),)
    slower = _slowdowns(_Restricting(), today, frozenset({spec}), earned)  # type: ignore[arg-type]
    assert [(s.template_id, s.state, s.with_set, s.today) for s in slower] == [
        ("q1", None, 4.0, 1.0), ("q3", "after ANALYZE", 11.0, 5.0)]
    assert slower[1].net_saving == 2.0 and slower[1].indexes == (spec,)


@contextmanager
def _deciding(workload: Workload, database: Path
              ) -> Iterator[tuple[MeasuredPricer, _Decision, Selection]]:
    """A measured decision under way on copies of ``database``: its pricer, the decision
    (over the candidates the workload's analyses generate) and the estimate's search."""
    specs = candidate_specs(generate(workload.analyses, workload.catalog, workload.statistics))

    def problem_of(pricer: Pricer) -> Problem:
        return build_problem(pricer, specs, lambda s: 1, {})

    with estimated_pricer(workload) as estimated, Workbench(
            database, workload.catalog, False, 5.0) as bench:
        first = select(problem_of(estimated), Budget(), 0.01, "auto")
        pricer = MeasuredPricer(estimated, replay_set(workload, database, 3), bench)
        yield pricer, _Decision(pricer, problem_of, first, Budget(), 0.01, "auto",
                                lambda _text: None), first


@pytest.mark.parametrize(("seconds", "rounds"),
                         [(30.0, [1]), (50.0, [1]), (57.0, [1]), (0.0, [1, 2, 3])])
def test_a_round_the_time_budget_cannot_fit_is_not_started_and_said(
        workload: Workload, items: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
        seconds: float, rounds: list[int]) -> None:
    """The search wants another set each time; by the clock, the first round took 20 s.
    The second is expected to take as long, and the verification that must follow the
    rounds VERIFY_SHARE of the first (35 s in all), which neither 10 s nor 30 s left fits (the
    round alone would fit 30 s); it is skipped and noted. 37 s left would fit those, but
    not the timing against today after the verification (TAIL_SHARE of the budget,
    2.85 s). With no limit (0 s) every round runs, whether or not its set measures
    better than the last round's."""
    _, database = items
    a, b = parse_index("item(a)"), parse_index("item(b)")
    now = [0.0]
    wanted = iter([frozenset({a}), frozenset({b}), frozenset({a, b})])
    with _deciding(workload, database) as (_pricer, deciding, first):
        deciding.time_budget = TimeBudget(seconds, clock=lambda: now[0])

        def search(_start: object = None) -> Selection:
            now[0] += 20.0
            return replace(first, chosen=next(wanted))

        monkeypatch.setattr(deciding, "search", search)
        deciding.rounds(first)
        assert [r.number for r in deciding.history if r.kind == SEARCHED] == rounds
        assert bool(deciding.skipped) == (seconds > 0)
        if seconds:
            [skipped] = deciding.skipped
            assert skipped.startswith("round 2 of the measured search: skipped")
            assert f"20 s of the {seconds:g} s time budget used" in skipped
            assert f"about {20 + VERIFY_SHARE * 20 + TAIL_SHARE * seconds:.0f} s" in skipped
            assert f"{TAIL_SHARE * seconds:.0f} s for timing the set against today" in skipped


@pytest.mark.parametrize(("seconds", "measured"), [(30.0, 4), (60.0, 5), (0.0, 5)])
def test_a_rounds_moves_are_measured_while_the_time_budget_fits_them(
        workload: Workload, items: tuple[Path, Path], seconds: float, measured: int) -> None:
    """Each move takes 5 s by the clock, from 0 s; the verification after the rounds is
    expected to take 10 s. A 30 s budget fits the first move (always measured) and
    three more, the last with 15 s left for 5 + 10; with 10 s left the fifth, of the
    round's second kind, is skipped and said. With 60 s, or no limit, all five are
    measured."""
    _, database = items
    now = [0.0]
    a, b = parse_index("item(a)"), parse_index("item(b)")
    with _deciding(workload, database) as (_pricer, deciding, _first):
        deciding.time_budget = TimeBudget(seconds, clock=lambda: now[0])

        def measure(_configs: object, _templates: object = None) -> int:
            now[0] += 5.0
            return 1

        deciding.pricer.measure = measure  # type: ignore[assignment,method-assign]
        moves = _Moves(deciding, 1, (10.0, "as long as measuring the set's drop-ones"))
        done: list[frozenset] = []
        first = moves.measure([(frozenset({a}), ()), (frozenset({b}), ()),
                               (frozenset({a, b}), ())], done)
        second = moves.measure([(frozenset(), ()), (frozenset({a}), ())], done)
        assert first + second == len(done) == measured
        if measured < 5:
            [said] = deciding.skipped
            assert said.startswith("round 1's last 1 move(s) of this kind and any after them:"
                                   " skipped, 20 s of the 30 s time budget used")
            assert "5.0 s a move, as the round's 4 before it took" in said
        else:
            assert not deciding.skipped


@pytest.mark.parametrize("seconds", [10.0, 0.0])
def test_a_repair_the_time_budget_cannot_fit_is_not_tried_and_said(
        workload: Workload, items: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
        seconds: float) -> None:
    """A template is slower with the set than today; 11 s of a 10 s budget are used by
    then: no repair is looked for, and the decision says it skipped one. With no limit
    (0 s) the repair is looked for."""
    _, database = items
    tried: list[str] = []

    def repaired(_self: _Decision, _final: Selection, _today: object,
                 slowed: list[str]) -> None:
        tried.extend(slowed)

    monkeypatch.setattr(_Decision, "slowed", lambda _self, _chosen, _today: ["q"])
    monkeypatch.setattr(_Decision, "repaired", repaired)
    now = [0.0]
    budget = TimeBudget(seconds, clock=lambda: now[0])
    now[0] = 11.0
    with _deciding(workload, database) as (pricer, deciding, first):
        _, decision = decide(pricer, deciding.problem_of, first, Budget(), 0.01, "auto",
                             "items.db", time_budget=budget)
    assert tried == ([] if seconds else ["q"])
    assert decision.time_budget == seconds
    repairs = [s for s in decision.skipped
               if s.startswith("a repair of 1 template(s) slower with the set than today")]
    assert len(repairs) == (1 if seconds else 0) and bool(decision.skipped) == bool(seconds)


def test_a_candidate_the_verified_set_leaves_out_is_added_when_it_saves_beyond_the_band(
        workload: Workload, items: tuple[Path, Path]) -> None:
    """Verification left a set without an index on b (here: none at all), where 80
    lookups by b scan 20,000 items each. The candidates saving most at current prices
    are measured beside it; one on b saves nearly all of their time, beyond the band
    and beyond noise timed together, and is added. Beside the set with it, no other
    index on b saves beyond the band."""
    _, database = items
    with _deciding(workload, database) as (pricer, deciding, first):
        pricer.measure([frozenset()])
        empty = replace(first, chosen=frozenset())
        completed = deciding.completed(empty)
        assert completed is not None
        [added] = completed.chosen
        assert added.columns[0][0] == "b"
        assert all(pricer.is_measured(t, completed.chosen) for t in templates_on(pricer, added))
        again = deciding.completed(completed)
        assert again is None or all(s.columns[0][0] != "b"
                                    for s in again.chosen - completed.chosen)


def test_a_look_for_what_the_verified_set_leaves_out_passes_over_a_wide_index_with_a_twin(
        workload: Workload, items: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Told that the covering indexes on b copy a wide column and have item(b) as their
    narrower variant, the look adds item(b), never one of them: the search's narrowing
    would take the variant."""
    _, database = items
    with _deciding(workload, database) as (pricer, deciding, first):
        pricer.measure([frozenset()])
        full = deciding.problem(pricer)
        narrow = [c for c in full.candidates if c.columns == (("b", False),)]
        wide = [c for c in full.candidates if c.columns[0][0] == "b" and len(c.columns) > 1]
        assert narrow and wide
        told = replace(full, narrower={w: tuple(narrow) for w in wide})
        monkeypatch.setattr(deciding, "problem", lambda _pricer: told)
        looked: list[frozenset] = []
        measure = pricer.measure

        def noted(configs: list[frozenset], *args: object, **kwargs: object) -> int:
            looked.extend(configs)
            return measure(configs, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(pricer, "measure", noted)
        completed = deciding.completed(replace(first, chosen=frozenset()))
        assert completed is not None and completed.chosen == frozenset(narrow)
        assert looked and not any(config & set(wide) for config in looked)


@pytest.mark.parametrize("seconds", [10.0, 0.0])
def test_a_look_for_what_the_verified_set_leaves_out_is_skipped_when_it_cannot_fit(
        workload: Workload, items: tuple[Path, Path], seconds: float) -> None:
    """11 s of a 10 s budget used: the look is not made, and said; with no limit it is,
    and adds the lookups' index to a set verified without it."""
    _, database = items
    now = [0.0]
    with _deciding(workload, database) as (pricer, deciding, first):
        deciding.time_budget = TimeBudget(seconds, clock=lambda: now[0])
        now[0] = 11.0
        pricer.measure([frozenset()])
        empty = replace(first, chosen=frozenset())
        final, earned, _ = deciding.completing(empty, (), {})
    looks = [s for s in deciding.skipped
             if s.startswith("a look for a candidate the verified set leaves out: skipped")]
    assert len(looks) == (1 if seconds else 0)
    assert (final.chosen == frozenset()) == bool(seconds)
    assert bool(seconds) or {e.spec for e in earned if e.kept} == final.chosen


def test_every_candidate_a_round_measured_is_in_play_for_the_next_search(
        workload: Workload, items: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A round measures a move only ``_mended`` brings (a repair of the read another move
    slows): its candidate is in play for the search after the round, as every candidate
    measuring has tried is; one no move brought is not."""
    from advisor.advise import measured

    monkeypatch.setattr(measured, "IN_PLAY", 0)  # no helpful ones fill up the room
    _, database = items
    with _deciding(workload, database) as (pricer, deciding, first):
        left = [c for c in deciding.everyone if c not in deciding.tried]
        repair, untouched = left[0], left[1]
        move = first.chosen | {repair}
        monkeypatch.setattr(deciding, "alternatives", lambda _chosen: [])
        monkeypatch.setattr(measured, "_composed", lambda *_: [])
        monkeypatch.setattr(deciding, "_mended", lambda chosen, _measured: [
            (chosen | {repair}, tuple(templates_on(pricer, repair)))])
        deciding.measure_round(first, 1)
        playing = deciding.problem(pricer).candidates
        assert pricer.is_measured(next(iter(templates_on(pricer, repair))), move)
        assert repair in playing and untouched not in playing


def test_an_index_the_estimate_left_out_for_its_writes_is_in_play(tmp_path: Path) -> None:
    """80 lookups by b beside 20,000 inserts: the estimate prices item(b)'s upkeep above
    what it saves the lookups and leaves it out; the measured search still weighs it,
    after the candidates the estimate found helpful."""
    log, database = tmp_path / "hot.log", tmp_path / "items.db"
    log.write_text(B_LOOKUPS + "".join(
        f"INSERT INTO item (a, b, name) VALUES ({k % 2}, {k % 10_000}, 'new {k}')\n"
        for k in range(20_000)))
    connection = items_database(database)
    connection.commit()
    connection.close()
    workload = read_workload(Inputs(logs=(str(log),), db=str(database)))
    b = parse_index("item(b)")
    with _deciding(workload, database) as (pricer, deciding, first):
        assert first.chosen == frozenset()
        assert first.rejected[b] is Reason.NOT_IN_OPTIMUM  # reported: not-worth-its-writes
        assert b in deciding.problem(pricer).candidates


def test_the_rounds_sets_together_are_measured_when_they_differ(
        workload: Workload, items: tuple[Path, Path]) -> None:
    """Two rounds chose item(a) and item(b) (each serving one group of lookups): both
    together is measured as one more set to keep; rounds that agree add none, and
    neither does a union over the budget."""
    _, database = items
    a, b = parse_index("item(a)"), parse_index("item(b)")
    with _deciding(workload, database) as (pricer, deciding, first):
        deciding.selections = [replace(first, chosen=frozenset({a})),
                               replace(first, chosen=frozenset({b}))]
        sets = deciding.joined(1)
        assert [s.chosen for s in sets] == [{a}, {b}, {a, b}]
        assert a not in sets[-1].rejected and b not in sets[-1].rejected
        # Priced in seconds throughout, though made from the estimate's (row steps).
        assert sets[-1].baseline_cost == pricer.totals(frozenset()).total
        assert sets[-1].optimum_cost == pricer.totals(first.optimum).total
        assert sets[-1].optimum_cost != first.optimum_cost
        assert deciding.history[-1].kind == TOGETHER
        assert all(pricer.is_measured(t, frozenset({a, b})) for t in pricer.replayable)
        deciding.selections = [replace(first, chosen=frozenset({b}))] * 2
        assert [s.chosen for s in deciding.joined(1)] == [{b}, {b}]
        # Over the budget (one index), both together is not measured.
        deciding.budget = Budget(max_indexes=1)
        deciding.selections = [replace(first, chosen=frozenset({a})),
                               replace(first, chosen=frozenset({b}))]
        assert [s.chosen for s in deciding.joined(1)] == [{a}, {b}]


def test_an_untimed_run_is_stopped_once_slow_and_the_template_still_timed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The untimed first run of a plan is stopped at SLOW_SECONDS (1 ms here, where a
    lookup by b without item(b) takes several): its steps go uncounted, it is no
    time-out of the template, and the timed runs follow under the template's own
    limit."""
    from advisor.replay import pricing as replay_pricing
    from advisor.replay.sandbox import Sandbox

    monkeypatch.setattr(replay_pricing, "SLOW_SECONDS", 0.001)
    ended: list[str] = []
    count_steps = Sandbox.count_steps

    def spy(self: Sandbox, sql: str, write: bool) -> tuple[int | None, str]:
        counted, status = count_steps(self, sql, write)
        ended.append(status)
        return counted, status

    monkeypatch.setattr(Sandbox, "count_steps", spy)
    workload, database = _slow_lookups(tmp_path)
    with estimated_pricer(workload) as estimated, Workbench(
            database, workload.catalog, False, 5.0) as bench:
        pricer = MeasuredPricer(estimated, replay_set(workload, database, 3), bench)
        [template] = pricer.replayable
        pricer.measure([frozenset()])
        assert ended == ["timeout"]
        assert "timeout" not in pricer.counters().outcomes
        today = pricer.priced(template, frozenset())
        assert today.measured and 0.001 < today.total < 5.0
        assert all(copy.sandbox.statement_seconds == 5.0 for copy in bench.copies(2))


@pytest.mark.parametrize("slow", [0.0, 1e9])
def test_a_template_slow_in_every_known_run_is_not_run_untimed_first(
        workload: Workload, items: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
        slow: float) -> None:
    """The first session counts each template's steps in an untimed run (and warms the
    caches); later ones skip it for a template whose every known run took SLOW_SECONDS
    (a threshold of 0: every template; of 1e9 s: none)."""
    from advisor.replay import pricing as replay_pricing
    from advisor.replay.sandbox import Sandbox

    _, database = items
    monkeypatch.setattr(replay_pricing, "SLOW_SECONDS", slow)
    counted: list[str] = []
    count_steps = Sandbox.count_steps

    def spy(self: Sandbox, sql: str, write: bool) -> tuple[int | None, str]:
        counted.append(sql)
        return count_steps(self, sql, write)

    monkeypatch.setattr(Sandbox, "count_steps", spy)
    with estimated_pricer(workload) as estimated, Workbench(
            database, workload.catalog, False, 5.0) as bench:
        pricer = MeasuredPricer(estimated, replay_set(workload, database, 3), bench)
        pricer.measure([frozenset()])
        first = len(counted)
        assert first == len(pricer.replayable)
        both = frozenset({parse_index("item(a)"), parse_index("item(b)")})
        pricer.measure([both])
        assert len(counted) - first == (0 if slow == 0.0 else len(pricer.replayable))
        assert all(pricer.is_measured(t, both) for t in pricer.replayable)


def test_a_read_slower_with_the_set_than_today_is_repaired(tmp_path: Path) -> None:
    """item(b) serves the lookups by b, and leads SQLite to a range over four fifths of
    the rows, b stored in no order: about three times a scan. Timed against today, the
    range is slower; a repair that covers it, item(b, name), is measured and taken: it
    reads 0.55-0.75 of a scan, the rows' 300-byte pad left in the table. (Over half the
    rows and no pad, the slowdown was twice a scan and the three runs' jitter hid it once
    in 24 runs on a shared machine; over four fifths and no pad, the repair read 0.85-1.0
    of a scan and once measured no better than today.)"""
    log, database = tmp_path / "ranges.log", tmp_path / "ranges.db"
    log.write_text(B_LOOKUPS + "".join(
        f"SELECT sum(length(name)) FROM item WHERE b >= {1000 + k} AND b < {9000 - k}\n"
        for k in range(20)))
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, "
                       "b INTEGER NOT NULL, name TEXT, pad TEXT)")
    connection.executemany("INSERT INTO item (a, b, name, pad) VALUES (?, ?, ?, ?)",
                           ((i % 2, i * 7919 % 10_000, f"item {i}", "x" * 300)
                            for i in range(ROWS)))
    connection.commit()
    connection.close()
    workload = read_workload(Inputs(logs=(str(log),), db=str(database)))
    b, covering = parse_index("item(b)"), parse_index("item(b, name)")
    with _deciding(workload, database) as (pricer, deciding, first):
        assert covering in deciding.everyone
        pricer.measure([frozenset()])
        final = replace(first, chosen=frozenset({b}))
        today = pricer.compare(final.chosen, [frozenset()], settled=3.0)[0]
        [ranges] = _slowed_reads(pricer, today)
        assert pricer.views[ranges].text.startswith("SELECT sum(length(name))")
        # Rejected beside another set, it is still a repair here (and no longer rejected).
        deciding.banned[covering] = rejection(
            Earned(covering, difference([1.0] * 5, [1.0] * 5), (), False))
        repaired = deciding.repaired(final, today)
        assert repaired is not None and repaired.chosen == {b, covering}
        assert covering not in repaired.rejected and covering not in deciding.banned
        assert deciding.repairs_tried == {covering}  # not taken again, were it let go
        # With the repair there, nothing is slower than today: no more repairs.
        again = pricer.compare(repaired.chosen, [frozenset()], settled=3.0)[0]
        assert _slowed_reads(pricer, again) == []
        assert deciding.repaired(repaired, again) is None


def test_a_repair_is_expected_to_verify_again_only_the_indexes_on_its_reads_tables() -> None:
    """Torc's event listing, slower with the set: its repair re-times the set's one event
    index and the repair (the other drop-ones cannot change), at what the last
    verification took an index, and times the set against today again. Priced as a
    whole verification, it never fitted the 60 s budget."""
    deciding = object.__new__(_Decision)
    deciding.pricer = SimpleNamespace(  # type: ignore[assignment]
        views={"listing": None}, tables_of=lambda _template: frozenset({"event"}))
    deciding.verify_seconds = 10.0
    chosen = frozenset(parse_index(text) for text in (
        "event(workflow_id)", "job(workflow_id)", "job(status)", "file(workflow_id)",
        "result(workflow_id)"))
    assert deciding.repair_seconds(chosen, ["listing"], 3.0) == pytest.approx(
        10.0 / 5 * 2 + 2 * 3.0)


_F_INDEX = parse_index("orders(o_orderstatus) WHERE o_orderstatus = 'F'")
_SUPPLIER = parse_index("supplier(s_nationkey)")


def test_a_plan_s_indexes_go_in_place_of_those_it_displaces() -> None:
    """TPC-H's Q21 under a set holding the 'F' orders index and supplier(s_nationkey), its
    plan after ANALYZE using both: another plan then, through lineitem(l_suppkey)
    and supplier(s_nationkey) uses no 'F' index. The set with that plan's indexes in
    the 'F' index's place; an index of the set the template does not use is never
    displaced, and a plan that displaces none gives no move."""
    suppkey, other = parse_index("lineitem(l_suppkey)"), parse_index("part(p_size)")
    chosen = frozenset({_F_INDEX, _SUPPLIER, other})
    now = frozenset({_F_INDEX, _SUPPLIER})  # after ANALYZE
    assert _in_place(chosen, frozenset({suppkey, _SUPPLIER}), now) == {
        _SUPPLIER, other, suppkey}
    assert _in_place(chosen, frozenset({suppkey, _SUPPLIER, _F_INDEX}), now) is None


@pytest.mark.parametrize(("displacing", "moves"), [(2, ["l_suppkey", "l_suppkey, l_shipdate"]),
                                                  (1, ["l_suppkey"])])
def test_a_candidate_whose_plan_displaces_the_sets_index_is_measured_in_its_place(
        monkeypatch: pytest.MonkeyPatch, displacing: int, moves: list[str]) -> None:
    """Q21's candidates on its tables, one at a time beside the set: a plan through
    lineitem(l_suppkey) or lineitem(l_suppkey, l_shipdate) (after ANALYZE) leaves the 'F'
    index out, one through lineitem(l_orderkey, l_suppkey) keeps it, and
    lineitem(l_shipdate) is not used. Measured: each displacing candidate in the 'F'
    index's place, the DISPLACING the estimate prices lowest; nothing off Q21's tables,
    and supplier(s_nationkey) is not displaced by a plan as found that never used it."""
    from advisor.advise import measured

    monkeypatch.setattr(measured, "DISPLACING", displacing)
    suppkey, pair, orderkey, shipdate, other = (parse_index(f"lineitem({c})") for c in (
        "l_suppkey", "l_suppkey, l_shipdate", "l_orderkey, l_suppkey", "l_shipdate",
        "l_partkey"))
    part = parse_index("part(p_size)")
    chosen = frozenset({_F_INDEX, _SUPPLIER})
    now = (frozenset({_F_INDEX}), frozenset({_F_INDEX, _SUPPLIER}))
    plans = {suppkey: (frozenset({_F_INDEX}), frozenset({suppkey, _SUPPLIER})),
             pair: (frozenset({pair}), frozenset({pair, _SUPPLIER})),
             orderkey: (frozenset({_F_INDEX, orderkey}),
                        frozenset({_F_INDEX, orderkey, _SUPPLIER})),
             shipdate: now, part: (frozenset({part}),) * 2}
    estimates = {suppkey: 2.0, pair: 3.0}  # the lower, the earlier

    def used_together(_template: str, config: frozenset[object]) -> tuple[object, ...]:
        [added] = config - chosen
        return plans[added]  # type: ignore[index]

    def estimate(_template: str, config: frozenset[object]) -> SimpleNamespace:
        [added] = config - chosen - {_F_INDEX}
        return SimpleNamespace(total=estimates[added])  # type: ignore[index]

    deciding = object.__new__(_Decision)
    deciding.pricer = SimpleNamespace(  # type: ignore[assignment]
        used_together=used_together, estimated=SimpleNamespace(priced=estimate),
        tables_of=lambda _template: frozenset({"lineitem", "orders", "supplier"}))
    deciding.everyone = (suppkey, pair, orderkey, shipdate, part, other)
    deciding.banned = {other: None}  # type: ignore[dict-item]
    found = deciding._displacing(chosen, "q21", now)
    assert found == [(chosen - {_F_INDEX}) | {parse_index(f"lineitem({c})")} for c in moves]


def test_a_configuration_measured_cheaper_is_where_the_search_goes_next(
        workload: Workload, items: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """The round measured a configuration the search cannot reach from its set in one move
    (here by fiat: the lookups by b under item(b) against the set item(a)): being cheaper
    beyond the tolerance's band, the next search starts from it, once (one within the
    band: the test after it)."""
    from advisor.advise import measured

    _, database = items
    a, b = parse_index("item(a)"), parse_index("item(b)")
    starts: list[frozenset[object]] = []

    def spy(problem: Problem, *args: object, start: frozenset[object]) -> Selection:
        starts.append(start)
        return select(problem, *args, start=start)  # type: ignore[arg-type]

    with _deciding(workload, database) as (pricer, deciding, first):
        pricer.measure([frozenset({a}), frozenset({b}), frozenset()])
        # item(b) serves the 80 lookups by b; the ten by a cost about alike either way, so
        # the two sets measure near 1:2 (0.54 once in CI, where this asked for half)
        assert pricer.totals(frozenset({b})).total < pricer.totals(frozenset({a})).total
        jump = deciding._cheapest(frozenset({a}), [frozenset({a}), frozenset({b})])
        assert jump == {b}
        monkeypatch.setattr(measured, "select", spy)
        deciding.selections = [replace(first, chosen=frozenset({a}))]
        deciding.search(jump)
        deciding.search()
        assert starts == [{b}, {a}]


@pytest.mark.parametrize(("cheaper", "jumps"), [(9.7, False), (9.0, True)])
def test_a_configuration_measured_cheaper_within_the_band_is_no_jump(cheaper: float,
                                                                     jumps: bool) -> None:
    """The set {b} costs 10 s measured, no index 100 s: the band about {a, b} is 5% of its
    cost (OWN_COST_FACTOR x 1%). 3% cheaper is within it: the search would pick the
    smaller set again, no jump. 10% cheaper is beyond it. (Measured on the items, the
    ten lookups by a are a near-tie between item(a) and a scan, and {a, b} came out
    beyond the band in one CI run of eight.)"""
    a, b = parse_index("item(a)"), parse_index("item(b)")
    costs = {frozenset(): 100.0, frozenset({b}): 10.0, frozenset({a, b}): cheaper}
    deciding = object.__new__(_Decision)
    deciding.pricer = SimpleNamespace(  # type: ignore[assignment]
        totals=lambda config: SimpleNamespace(total=costs[config]))
    deciding.tolerance = 0.01
    found = deciding._cheapest(frozenset({b}), [frozenset({b}), frozenset({a, b})])
    assert found == ({a, b} if jumps else None)


@pytest.mark.parametrize("most", [None, 1])
def test_the_cheapest_configuration_the_last_round_measured_is_kept(
        workload: Workload, items: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
        most: int | None) -> None:
    """The rounds end (here after one) on the set item(a), which saves the many lookups
    by b nothing; the round measured item(b) beside it far cheaper. That configuration
    is measured as a set of its own and kept, not the round's set; over the budget (at
    most one index) it is neither measured nor kept."""
    from advisor.advise import measured

    _, database = items
    a, b = parse_index("item(a)"), parse_index("item(b)")
    monkeypatch.setattr(measured, "MAX_ROUNDS", 1)
    with _deciding(workload, database) as (pricer, deciding, first):
        deciding.budget = Budget(max_indexes=most)
        monkeypatch.setattr(deciding, "_cheapest", lambda _chosen, _measured: frozenset({a, b}))
        kept = deciding.rounds(replace(first, chosen=frozenset({a})))
        kinds = [r.kind for r in deciding.history]
        if most is None:
            assert kept.chosen == {a, b} and kinds == [SEARCHED, CHEAPEST]
            assert pricer.totals(frozenset({a, b})).total < pricer.totals(frozenset({a})).total
            assert all(pricer.is_measured(t, frozenset({a, b})) for t in pricer.replayable)
        else:
            assert kept.chosen == {a} and kinds == [SEARCHED]


def test_of_the_rounds_sets_a_smaller_one_whose_writes_cost_more_is_not_kept() -> None:
    """The rounds measured {a, b} and {a}: without b the set costs 0.2 s more, within the
    band (5% of 11.8 s), but its writes 11% more (b finds the rows a write reads), over
    their own band (5% of the best set's 1.8 s): the larger set is kept. Writes dearer
    by 3% only, and the smaller set is."""
    a, b = parse_index("item(a)"), parse_index("item(b)")
    both, alone = frozenset({a, b}), frozenset({a})
    costs = {frozenset(): (102.0, 2.0), both: (11.8, 1.8), alone: (12.0, 2.0)}
    pricer = SimpleNamespace(totals=lambda m: SimpleNamespace(total=costs[m][0],
                                                              upkeep=costs[m][1]))
    rounds = [SimpleNamespace(chosen=both), SimpleNamespace(chosen=alone)]
    assert _kept(rounds, pricer, 0.01).chosen == both  # type: ignore[arg-type]
    costs[alone] = (12.0, 1.85)
    assert _kept(rounds, pricer, 0.01).chosen == alone  # type: ignore[arg-type]


def test_a_move_across_tables_is_measured_again_on_the_rounds_cheapest_configuration(
        ) -> None:
    """The set {orders 'F', lineitem(l_orderkey)}: the round measured lineitem(l_suppkey)
    in place of the 'F' index (two tables; dearer, say, as it slows Q1) and
    lineitem(l_returnflag) added (the cheapest). Only the move across tables is made
    again on the cheapest; moves the search composes itself (one table), one that
    touches what the cheapest changed, and any when nothing measured cheaper than the
    set, are not."""
    f = parse_index("orders(o_orderstatus) WHERE o_orderstatus = 'F'")
    key, flag, supplier, ship = (parse_index(f"lineitem({c})") for c in (
        "l_orderkey", "l_returnflag", "l_suppkey", "l_shipdate"))
    chosen = frozenset({f, key})
    cheapest, in_place = chosen | {flag}, (chosen - {f}) | {supplier}
    same_table = (chosen - {key}) | {ship}
    overlapping = (chosen - {f}) | {flag}  # in place too, but adds the cheapest's index
    costs = {chosen: 4.0, cheapest: 3.9, in_place: 5.0, same_table: 4.5, overlapping: 4.2}
    pricer = SimpleNamespace(totals=lambda m: SimpleNamespace(total=costs[m]), templates=())
    measured = [chosen, cheapest, in_place, same_table, overlapping]
    made = _composed(pricer, chosen, measured)  # type: ignore[arg-type]
    assert [move for move, _ in made] == [frozenset({key, flag, supplier})]
    costs[cheapest] = 4.1  # dearer than the set: nothing to make the moves on
    costs[same_table] = 4.05
    assert _composed(pricer, chosen, measured) == []  # type: ignore[arg-type]


def test_a_move_that_would_save_but_for_one_read_it_slows_is_measured_repaired(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The set {orders 'F', lineitem(l_orderkey)}. lineitem(l_suppkey) in the 'F' index's
    place saves Q21 0.6 s and slows Q1 1.2 s: but for Q1 it would save, so it is
    measured with the PER_MEND repairs of Q1 the estimate ranks first. A move that
    slows Q1 and saves nothing else, and one that slows nothing, are not."""
    from advisor.advise import measured

    monkeypatch.setattr(measured, "MENDED", 2)
    monkeypatch.setattr(measured, "PER_MEND", 2)
    key, supplier, flag, slow = (parse_index(f"lineitem({c})") for c in (
        "l_orderkey", "l_suppkey", "l_returnflag", "l_comment"))
    chosen = frozenset({_F_INDEX, key})
    swap, added, worse = (chosen - {_F_INDEX}) | {supplier}, chosen | {flag}, chosen | {slow}
    seconds = {  # template -> configuration -> weighted seconds (worse state)
        "q1": {chosen: 1.1, swap: 2.3, added: 1.0, worse: 1.6},
        "q21": {chosen: 0.7, swap: 0.1, added: 0.7, worse: 0.7},
        "insert": {chosen: 0.2, swap: 0.2, added: 0.25, worse: 0.25}}
    price = lambda t, m: SimpleNamespace(weighted=seconds[t][m], measured=True)  # noqa: E731
    pricer = SimpleNamespace(
        templates=tuple(seconds), tables_of=lambda t: {"q1": {"lineitem"}, "insert": {
            "lineitem"}}.get(t, {"lineitem", "orders"}),
        views={t: SimpleNamespace(write="INSERT" if t == "insert" else None)
               for t in seconds},
        priced=price, is_measured=lambda _t, _m: True,
        each_state=lambda t, m: (price(t, m),),
        totals=lambda m: SimpleNamespace(total=sum(seconds[t][m] for t in seconds)))
    repairs = [parse_index(f"lineitem({c})") for c in ("l_returnflag, l_linestatus",
                                                        "l_shipdate", "l_discount")]
    deciding = object.__new__(_Decision)
    deciding.pricer = pricer  # type: ignore[assignment]
    asked: list[tuple[frozenset[object], str]] = []

    def repairing(move: frozenset[object], template: str) -> list[tuple[object, tuple[str]]]:
        asked.append((move, template))
        return [(move | {r}, ("q1",)) for r in repairs]

    monkeypatch.setattr(deciding, "_repairing", repairing)
    assert pricer.totals(swap).total > pricer.totals(chosen).total  # dearer whole
    found = deciding._mended(chosen, [chosen, swap, added, worse])
    assert asked == [(swap, "q1")]
    assert found == [(swap | {r}, ("q1",)) for r in repairs[:2]]


def test_a_set_measured_after_the_rounds_is_not_told_as_a_round() -> None:
    """Round 2 skipped by the time budget, then the cheapest configuration round 1 measured
    measured as a set: the text calls that no round (a newcomer read '2 (cheapest)'
    beside 'round 2 ... skipped' as a round that had both run and not)."""
    from advisor.report.recommend_report import _measuring_text, _rounds_text

    rounds = [{"round": 1, "kind": "search", "indexes": ["t(a)"], "seconds": 1.0,
               "measured_share": 1.0, "keys_measured": 3},
              {"round": 2, "kind": "cheapest", "indexes": ["t(a)", "t(b)"], "seconds": 0.9,
               "measured_share": 1.0, "keys_measured": 0}]
    counters = {"unreplayable": [], "failed": [], "replays": 10, "runs": 30,
                "measured_work": 5, "builds": 2, "build_seconds": 0.1, "drops": 1,
                "copies": 2, "copy_seconds": 0.1, "measured_share": 0.9, "price_calls": 100,
                "plan_mismatches": 0}
    measured = {"rounds": rounds, "counters": counters, "seconds": 3.0,
                "search_seconds": 0.5, "steps": None}
    table = "\n".join(_rounds_text(measured, "simple", False))
    assert "(cheapest)" in table and "2 (cheapest)" not in table
    assert "1 round and 1 set measured after them:" in _measuring_text(measured)


def test_a_write_time_below_zero_is_explained_under_the_phases() -> None:
    """A newcomer read -2.52 s of "write time added" as a mistake: a sweep's DELETE found
    its rows through the phase's index. Below zero, the note says why; else it is silent."""
    from advisor.report.recommend_report import _phases_note

    faster = [{"write_cost": 0.2}, {"write_cost": -2.52}]
    assert "below zero where an index finds the rows" in _phases_note(faster, True)
    assert "below zero" not in _phases_note([{"write_cost": 0.2}], True)
    assert "below zero" not in _phases_note(faster, False)  # estimated: a cost, not a time


def test_a_plan_that_a_value_changes_is_work_of_its_own(tmp_path: Path) -> None:
    """A partial index item(b) WHERE a = 1 serves the statements naming a = 1 and not
    those naming a = 0. Known by the first statement's plan alone, the configuration with
    it did today's work (a scan) and was priced as today, and a comparison of the two
    timed nothing. Known by every statement's plan, SQLite's plans are not the what-if
    planner's (which cannot see a bound value), the template is measured per
    configuration, and the comparison times it."""
    workload, database = _lookups_by_a_and_b(tmp_path, "partial")
    statements = replay_set(workload, database, 3)
    [(template, kind, _)] = statements.statements
    zero, one = (f"SELECT name FROM item WHERE a = {a} AND b = 7" for a in (0, 1))
    statements = replace(statements, statements=((template, kind, (zero, one, zero)),))
    partial = frozenset({parse_index("item(b) WHERE a = 1")})
    with estimated_pricer(workload) as estimated, \
            Workbench(database, workload.catalog, False, 5.0) as bench:
        pricer = MeasuredPricer(estimated, statements, bench)
        pricer.measure([frozenset()])
        pricer.measure([partial], verify=True)
        assert template in pricer.untrusted
        assert pricer.key(template, partial) != pricer.key(template, frozenset())
        [pair] = pricer.compare(partial, [frozenset()])
        assert template in pair.templates


def test_a_kept_index_saving_less_than_twice_its_band_is_said_to_be_marginal() -> None:
    """Runs on a shared machine differ by more than one run's band says: an index kept
    near its band (Torc's job_output_file(file_id, job_id)) is kept in some runs and not
    in others, and the report says so of it, in text and JSON."""
    from advisor.advise.earning import MARGINAL
    from advisor.report.recommend_report import _index_text, _saving

    spec = parse_index("item(b)")
    near, far = (Earned(spec, difference([1.0] * 9, [1.0 + gap] * 9), (), True)
                 for gap in (0.08, 0.5))
    assert near.gain < MARGINAL * near.saving.band and near.marginal
    assert not far.marginal and not replace(near, kept=False).marginal
    index = {"create_sql": "CREATE INDEX i ON item(b);", "write_cost": 0.0, "bytes": 1,
             "bytes_measured": True, "stats_note": None, "prefix_note": None, "where": None,
             "phase": 1, "serves": []}
    texts = {e: " ".join(_index_text({**index, "measured_saving": _saving(e)}, False, True))
             for e in (near, far)}
    assert _saving(near)["marginal"] and "Marginal: it saves less than 2x" in texts[near]
    assert "Marginal" not in texts[far]


def test_a_repair_that_costs_within_the_allowance_is_taken_and_one_beyond_it_is_not(
        ) -> None:
    """Torc's page of a workflow's events by id, 4x today's time with the set's
    event(workflow_id, timestamp): event(workflow_id) spares it (0.04 s to 0.005 s) and
    costs the listings since a timestamp 0.05 s more, 0.015 s net, beyond noise. Taken
    as a repair of the page within an allowance of 0.02 s; not within 0.01 s, nor as a
    saving (it saves nothing)."""
    by_time, by_workflow = (parse_index("event(workflow_id, timestamp)"),
                            parse_index("event(workflow_id)"))
    chosen, move = frozenset({by_time}), frozenset({by_time, by_workflow})
    seconds = {"page": {frozenset(): 0.01, chosen: 0.04, move: 0.005},
               "since": {frozenset(): 5.0, chosen: 0.1, move: 0.15}}

    def compare(base: frozenset[IndexSpec], others: list[frozenset[IndexSpec]],
                **_: object) -> list[Comparison]:
        return [Comparison(base, other, {
            t: difference([by[base]] * 5, [by[other]] * 5) for t, by in seconds.items()},
            {}, {}) for other in others]

    deciding = object.__new__(_Decision)
    deciding.pricer = SimpleNamespace(  # type: ignore[assignment]
        compare=compare, totals=lambda config: SimpleNamespace(
            total=sum(by[frozenset(config)] for by in seconds.values())))
    deciding.banned = {}
    final = Selection(chosen, 10.0, 0.14, 0.14, (), 0, {by_workflow: Reason.NO_GAIN})
    taken = deciding._taken(final, move, repairing=("page", 0.02))
    assert taken is not None and taken.chosen == move and taken.cost == pytest.approx(0.155)
    assert by_workflow not in taken.rejected
    assert deciding._taken(final, move, repairing=("page", 0.01)) is None
    assert deciding._taken(final, move) is None
    # A repair must spare the read it was taken for: not another's.
    assert deciding._taken(final, move, repairing=("since", 0.02)) is None
