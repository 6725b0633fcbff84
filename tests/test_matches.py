"""Counted matches: the rows a statement's own equality values match, for the costing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from advisor.analysis.workload import load_workload
from advisor.costing.estimate import estimate_plan
from advisor.replay.matches import value_matches
from advisor.replay.measure import replay_set
from advisor.whatif.planner import Plan, PlanStep


def test_a_skewed_value_is_counted_and_priced_as_it_is(tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    db = sqlite3.connect(database)
    db.executescript("CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INT, status INT);"
                     "CREATE INDEX job_wf ON job(workflow_id);")
    # Workflow 1 holds 900 of 1,000 jobs; the other 100 are spread over ten workflows.
    db.executemany("INSERT INTO job (workflow_id, status) VALUES (?, ?)",
                   [(1 if i < 900 else 2 + i % 10, i % 3) for i in range(1000)])
    db.commit()
    db.close()
    log = tmp_path / "w.log"
    log.write_text("SELECT * FROM job WHERE workflow_id = 1 AND status = 2;\n")
    workload = load_workload([str(log)], schema=str(database), db=str(database))
    replayed = replay_set(workload, database, repetitions=1)
    (template_id,) = workload.digest.templates
    matches = value_matches(workload, database, replayed)[template_id]
    assert matches[("job", frozenset({"workflow_id"}))] == 900
    assert matches[("job", frozenset({"workflow_id", "status"}))] == 300
    plan = Plan((PlanStep(2, 0, "SEARCH job USING INDEX job_wf (workflow_id=?)"),))
    reads = workload.analyses[template_id].reads
    average = estimate_plan(plan, reads, workload.statistics)
    counted = estimate_plan(plan, reads, workload.statistics.with_matches(matches))
    # 11 workflows: 91 rows per value on average; this value has 900 (300 after status).
    assert counted.total > 5 * average.total
    assert counted.rows == 300
    assert workload.statistics.with_matches(matches).stat1_line("job", ("workflow_id",)) == \
        workload.statistics.stat1_line("job", ("workflow_id",))  # the planner sees averages


def test_range_bounds_are_counted_and_or_terms_are_not(tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    db = sqlite3.connect(database)
    db.executescript("CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INT, status INT, "
                     "cpus INT);")
    db.executemany("INSERT INTO job (workflow_id, status, cpus) VALUES (?, ?, ?)",
                   [(i % 4, i % 3, 1 + i % 8) for i in range(800)])
    db.commit()
    db.close()
    log = tmp_path / "w.log"
    # Half the workflow's rows pass the bound (SQLite's rule of thumb keeps a quarter).
    log.write_text("SELECT * FROM job WHERE workflow_id = 1 AND cpus <= 3 "
                   "AND (status = 2 OR status IS NULL);\n")
    workload = load_workload([str(log)], schema=str(database), db=str(database))
    (template_id,) = workload.digest.templates
    replayed = replay_set(workload, database, repetitions=1)
    matches = value_matches(workload, database, replayed)[template_id]
    assert matches == {("job", frozenset({"workflow_id"})): 200,
                       ("job", frozenset({"workflow_id", "cpus~range"})): 100}
    plan = Plan((PlanStep(2, 0, "SCAN job"),))
    reads = workload.analyses[template_id].reads
    counted = estimate_plan(plan, reads, workload.statistics.with_matches(matches))
    assert counted.rows == 100  # the bound counted, status = 2 under OR not taken as a filter
