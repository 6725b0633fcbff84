"""workloads/torc-0.10: Torc v0.10.0's schema as migrations, its simulator and its logs."""

from __future__ import annotations

import gzip
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import command_json

from advisor.catalog.schema import load_catalog

HOME = Path(__file__).resolve().parents[1] / "workloads" / "torc-0.10"
MIGRATIONS = HOME / "migrations"
TORC_OWN_INDEXES = {
    "idx_job_depends_on_depends_on_job_id", "idx_job_depends_on_workflow_depends_on",
    "idx_job_status", "idx_job_workflow_status", "idx_job_unblocking_pending",
    "idx_job_workflow_unblocking", "idx_event_workflow_timestamp",
    "idx_job_internal_active_compute_node_id", "idx_remote_worker_workflow_id",
    "idx_user_group_membership_user", "idx_user_group_membership_group",
    "idx_workflow_access_group_workflow", "idx_workflow_access_group_group",
    "idx_failure_handler_workflow_id", "idx_result_job_id", "idx_result_workflow_id",
}


def test_the_migrations_give_torc_010s_catalog() -> None:
    catalog = load_catalog(MIGRATIONS)
    assert len(catalog.tables) == 25
    assert "ready_queue" not in catalog.tables and "job_blocked_by" not in catalog.tables
    assert "unblocking_processed" in catalog.tables["job"].column_names
    assert {i.name for i in catalog.droppable} == TORC_OWN_INDEXES
    partial = {i.name: i.where for i in catalog.droppable if i.where}
    assert partial == {
        "idx_job_unblocking_pending": "status IN (6, 7, 8) AND unblocking_processed = 0",
        "idx_job_workflow_unblocking": "status IN (6, 7, 8) AND unblocking_processed = 0",
        "idx_job_internal_active_compute_node_id": "active_compute_node_id IS NOT NULL",
    }


def test_every_migration_has_a_down_that_undoes_it() -> None:
    conn = sqlite3.connect(":memory:")
    ups = sorted(MIGRATIONS.glob("*.up.sql"))
    assert len(ups) == 11 and len(list(MIGRATIONS.glob("*.down.sql"))) == 11
    for up in ups:
        conn.executescript(up.read_text())
    assert conn.execute("SELECT type FROM pragma_table_info('event') WHERE name = 'timestamp'"
                        ).fetchone() == ("INTEGER",)
    for up in reversed(ups):
        conn.executescript(up.with_name(up.name.replace(".up.", ".down.")).read_text())
    assert conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                        ).fetchall() == []


def _small_profile(folder: Path) -> Path:
    """The profile with three history workflows, one active, two runners polling every
    20 s, and failures common enough that the failure paths of the unblock task run."""
    text = (HOME / "profile.toml").read_text()
    text = text.replace("rows = 35", "rows = 3").replace("rows = 4\n", "rows = 1\n")
    text = text.replace("failure_rate = 0.005", "failure_rate = 0.2")
    text = text.replace('runners = 6 }', 'runners = 2 }')
    text = text.replace("poll_every_s = 5 ", "poll_every_s = 20 ")  # fewer idle polls
    path = folder / "profile.toml"
    path.write_text(text)
    return path


def _simulate(profile: Path, out: Path) -> list[str]:
    done = subprocess.run([sys.executable, str(HOME / "simulate.py"), "--profile", str(profile),
                           "--scale", "0.004", "--out-dir", str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    with gzip.open(out / "workload.log", "rt") as log:
        return [re.sub(r" -- \d+ ns$", "", line) for line in log]


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str], Path]:
    folder = tmp_path_factory.mktemp("torc010")
    profile = _small_profile(folder)
    return (_simulate(profile, folder / "a"), _simulate(profile, folder / "b"),
            folder / "a" / "workload.log")


def test_the_simulator_is_deterministic_for_a_seed(
        small_runs: tuple[list[str], list[str], Path]) -> None:
    first, second, _ = small_runs
    assert len(first) > 1000
    assert first == second  # the same statements with the same values, durations aside


def test_the_log_speaks_torc_010s_statements(
        small_runs: tuple[list[str], list[str], Path]) -> None:
    text = "".join(small_runs[0])
    assert "ready_queue" not in text and "job_blocked_by" not in text
    for statement in (
            "SELECT DISTINCT workflow_id FROM job WHERE status IN (5, 6, 7, 8) "
            "AND unblocking_processed = 0",  # the background task
            "UPDATE job SET unblocking_processed = 1 WHERE id IN (",
            "WITH RECURSIVE jobs_to_process",  # a failure's dependents
            "UPDATE job SET status = 7 WHERE workflow_id = ",  # canceled by the fast path
            "SELECT job.workflow_id, job.id AS job_id",  # the claim, from job
            "INSERT OR REPLACE INTO workflow_result"):
        assert statement in text, statement


def test_every_template_is_analysed(small_runs: tuple[list[str], list[str], Path]) -> None:
    document: dict[str, Any] = command_json("explain", str(small_runs[2]), "--schema",
                                            str(MIGRATIONS), "-q")
    analysed = document["analysed"]
    assert analysed["templates"] == analysed["of"] > 50
    assert analysed["unanalysed"] == []
