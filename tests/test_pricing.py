"""The pricing service: template prices under configurations, and workload totals."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from advisor.analysis.workload import Workload, load_workload
from advisor.catalog.statistics import Statistics
from advisor.costing.estimate import packed_insert_steps
from advisor.costing.pricing import (
    EstimatedPricer,
    Price,
    Pricer,
    estimated_pricer,
    limit_hint,
    template_views,
)
from advisor.digest.fingerprint import canonicalize
from advisor.model.indexes import IndexSpec
from advisor.whatif.planner import Plan, WhatIf

SCHEMA = """
CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INT, status INT, name TEXT);
CREATE TABLE event (id INTEGER PRIMARY KEY, job_id INT, kind TEXT);
CREATE INDEX event_job ON event(job_id);
"""
JOBS = "SELECT * FROM job WHERE workflow_id = 1 AND status = 2"
NAMES = "SELECT name FROM job WHERE workflow_id = 4"
EVENTS = "SELECT * FROM event WHERE kind = 'start' LIMIT 5"
UPDATE = "UPDATE job SET status = 3 WHERE id = 7"
INSERT = "INSERT INTO event (job_id, kind) VALUES (1, 'start')"
NO_TABLE = "SELECT 1"
COUNTS = {JOBS: 3, NAMES: 1, EVENTS: 2, UPDATE: 4, INSERT: 1, NO_TABLE: 5}

ON_WORKFLOW = IndexSpec("job", (("workflow_id", False),))
ON_STATUS = IndexSpec("job", (("status", False),))
ON_KIND = IndexSpec("event", (("kind", False),))


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> Workload:
    folder = tmp_path_factory.mktemp("pricing")
    (folder / "schema.sql").write_text(SCHEMA)
    log = folder / "app.log"
    log.write_text("".join(f"{sql}\n" * count for sql, count in COUNTS.items()))
    return load_workload([str(log)])


def _id(workload: Workload, sql: str) -> str:
    tid = canonicalize(sql).id
    assert tid in workload.digest.templates
    return tid


def test_it_prices_the_templates_that_touch_a_table_with_their_counts(
        workload: Workload) -> None:
    with estimated_pricer(workload) as pricer:
        assert {pricer.views[t].text.split()[0] for t in pricer.templates} == {
            "SELECT", "UPDATE", "INSERT"}
        assert len(pricer.templates) == 5
        assert _id(workload, NO_TABLE) in pricer.views  # analysed, but no index can change it
        assert _id(workload, NO_TABLE) not in pricer.templates
        assert pricer.price(_id(workload, UPDATE), ()).count == 4
        assert pricer.views[_id(workload, EVENTS)].limit == 5


def test_totals_are_the_sum_of_weighted_template_prices(workload: Workload) -> None:
    with estimated_pricer(workload) as pricer:
        config = frozenset({ON_WORKFLOW, ON_STATUS, ON_KIND})
        prices = [pricer.priced(tid, config) for tid in pricer.templates]
        totals = pricer.totals(config)
        assert totals.total == pytest.approx(sum(p.weighted for p in prices))
        assert totals.read == pytest.approx(sum(p.read * p.count for p in prices))
        assert totals.upkeep == pytest.approx(sum(p.upkeep * p.count for p in prices))
        assert totals.total == pytest.approx(totals.read + totals.upkeep)
        nothing = pricer.totals(frozenset())
        # Seeking on workflow_id beats scanning a million jobs; the writes pay for the indexes.
        assert totals.read < nothing.read / 10
        assert totals.upkeep > nothing.upkeep


def test_write_upkeep_counts_the_indexes_on_the_table_written(workload: Workload) -> None:
    with estimated_pricer(workload) as pricer:
        update, insert = _id(workload, UPDATE), _id(workload, INSERT)
        # The UPDATE sets status: an index holding it is maintained, one on workflow_id is not.
        assert pricer.price(update, (ON_STATUS,)).upkeep > pricer.price(update, ()).upkeep
        assert pricer.price(update, (ON_WORKFLOW,)).upkeep == pricer.price(update, ()).upkeep
        assert pricer.price(insert, (ON_KIND,)).upkeep > pricer.price(insert, ()).upkeep
        assert pricer.price(_id(workload, JOBS), (ON_STATUS,)).upkeep == 0.0


def test_an_added_index_pays_for_the_leaves_the_workloads_inserts_split(
        workload: Workload) -> None:
    """An index the configuration adds is built packed: the workload's one insert into
    event splits a leaf of event(kind); today's event(job_id), grown row by row, does
    not. The same index existing today costs the insert less."""
    with estimated_pricer(workload) as pricer:
        insert = _id(workload, INSERT)
        assert pricer.inserted == {"event": 1.0}
        view = pricer.views[insert]
        statistics = pricer.statistics
        grown = view.upkeep((*pricer.existing, ON_KIND), statistics)
        built = pricer.price(insert, (ON_KIND,)).upkeep
        entry = view.layout.index_entry("event", ("kind",))
        assert built == pytest.approx(grown + packed_insert_steps(
            statistics.rows("event"), entry, 1.0))
        assert built > grown


def test_restrict_keeps_only_the_templates_tables(workload: Workload) -> None:
    with estimated_pricer(workload) as pricer:
        jobs = _id(workload, JOBS)
        config = {ON_WORKFLOW, ON_KIND}
        assert pricer.restrict(config, jobs) == {ON_WORKFLOW}
        assert pricer.restrict(config, _id(workload, INSERT)) == {ON_KIND}
        priced = pricer.priced(jobs, config)
        assert priced.indexes == (ON_WORKFLOW,)
        alone = pricer.price(jobs, (ON_WORKFLOW,))
        assert (priced.read, priced.upkeep, priced.plan) == (alone.read, alone.upkeep, alone.plan)
        assert priced.read < pricer.price(jobs, ()).read


def test_matches_change_the_price_of_their_template_only(workload: Workload) -> None:
    jobs = _id(workload, JOBS)
    counted = {jobs: {("job", frozenset({"workflow_id"})): 500_000.0}}
    config = frozenset({ON_WORKFLOW, ON_KIND})
    with (estimated_pricer(workload) as plain,
          estimated_pricer(workload, matches=counted) as skewed):
        assert skewed.priced(jobs, config).read > 100 * plain.priced(jobs, config).read
        assert skewed.priced(jobs, config).plan == plain.priced(jobs, config).plan  # never planned
        names = _id(workload, NAMES)
        assert skewed.priced(names, config) == plain.priced(names, config)
        for tid in plain.templates:
            if tid != jobs:
                assert skewed.priced(tid, config) == plain.priced(tid, config)


def test_the_statistics_priced_with_are_the_ones_given(workload: Workload) -> None:
    jobs = _id(workload, JOBS)
    small = Statistics("test", (), {"job": 1000, "event": 1000})
    with (WhatIf(workload.catalog, workload.statistics) as whatif,
          estimated_pricer(workload) as priced):
        priced_small = EstimatedPricer(whatif, template_views(workload), small)
        assert priced_small.price(jobs, ()).read < priced.price(jobs, ()).read


def test_totals_are_memoised_per_configuration(workload: Workload) -> None:
    with estimated_pricer(workload) as pricer:
        config = frozenset({ON_WORKFLOW})
        first = pricer.totals(config)
        asked = pricer.whatif.counters.calls
        assert pricer.totals(frozenset({ON_WORKFLOW})) is first
        assert pricer.whatif.counters.calls == asked
        assert pricer.totals(frozenset()) is not first


def test_a_plan_in_hand_is_priced_as_the_pricer_prices_it(workload: Workload) -> None:
    """The audit prices the plans a real database gives through the same views."""
    with estimated_pricer(workload) as pricer:
        events = _id(workload, EVENTS)
        price = pricer.price(events, (ON_KIND,))
        estimate = pricer.views[events].estimate(price.plan, workload.statistics, (ON_KIND,))
        assert estimate.total == price.read
        assert estimate == price.estimate


class Halving(Pricer):
    """Any implementation: every index on a template's table halves its read of 100."""

    def __init__(self, workload: Workload) -> None:
        super().__init__(template_views(workload))
        self.asked: list[tuple[str, tuple[IndexSpec, ...]]] = []

    def price(self, template_id: str, indexes: Sequence[IndexSpec]) -> Price:
        self.asked.append((template_id, tuple(indexes)))
        return Price(template_id, tuple(indexes), Plan(()), 100 / 2 ** len(indexes), 1.0,
                     self.views[template_id].count)


def test_the_interface_totals_any_implementation(workload: Workload) -> None:
    pricer = Halving(workload)
    jobs = _id(workload, JOBS)
    totals = pricer.totals(frozenset({ON_STATUS, ON_WORKFLOW, ON_KIND}))
    # Each template is asked about its own tables' indexes, sorted.
    assert (jobs, (ON_STATUS, ON_WORKFLOW)) in pricer.asked
    assert len(pricer.asked) == 5
    assert (_id(workload, EVENTS), (ON_KIND,)) in pricer.asked
    counts = {t: pricer.views[t].count for t in pricer.templates}
    # The job templates (3 + 1 + 4 runs) at 25, events and the insert (2 + 1) at 50.
    assert counts[jobs] == 3
    assert totals.read == 25 * 8 + 50 * 3
    assert totals.upkeep == sum(counts.values())
    assert totals.total == totals.read + totals.upkeep


def test_limit_hint_is_the_largest_limit_the_samples_used() -> None:
    assert limit_hint(["SELECT * FROM t LIMIT 5", "select * from t limit 20"]) == 20
    assert limit_hint(["SELECT * FROM t"]) is None


def test_configurations_planned_alike_share_one_estimate(workload: Workload) -> None:
    """The estimate is worked out once per (template, plan): every configuration priced
    after others costs what a pricer asked about it first would say."""
    configs = [(), (ON_WORKFLOW,), (ON_STATUS,), (ON_STATUS, ON_WORKFLOW), (ON_KIND,),
               (ON_KIND, ON_STATUS, ON_WORKFLOW)]
    with estimated_pricer(workload) as warm:
        for config in configs:  # warm the memo with every configuration first
            for tid in warm.templates:
                warm.priced(tid, config)
        for config in reversed(configs):
            with estimated_pricer(workload) as fresh:
                for tid in warm.templates:
                    mine, theirs = warm.priced(tid, config), fresh.priced(tid, config)
                    assert (mine.plan, mine.read, mine.upkeep, mine.estimate) == (
                        theirs.plan, theirs.read, theirs.upkeep, theirs.estimate)
        # The workload's configurations plan JOBS with three distinct plans at most.
        jobs = _id(workload, JOBS)
        assert len({key for key in warm._estimates if key[0] == jobs}) <= 3
