"""advisor explain: plans and costs per template, candidates with verdicts."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import command_json, run_command
from torc import CLAIM, TORC, claim_with_values

from advisor.model.reasons import Reason

SORT_ORDERS = ("resource_requirements(num_gpus, runtime_s, memory_bytes)",
               "resource_requirements(num_gpus, memory_bytes, runtime_s)")


def explain(*args: str) -> tuple[int, str, str]:
    return run_command("explain", *args)


def explain_json(*args: str) -> dict[str, Any]:
    return command_json("explain", *args)


def torc(*args: str) -> list[str]:
    return ["--schema", str(TORC / "schema.sql"), "--profile", str(TORC / "profile.toml"), *args]


def _sorts_for_order_by(plan: list[str]) -> bool:
    return any(line.strip().startswith("USE TEMP B-TREE") and "ORDER BY" in line
               for line in plan)


def test_claim_query_with_each_sort_order_index_and_the_pairs_that_avoid_the_sort() -> None:
    document = explain_json(*torc("--sql", CLAIM, "--index", SORT_ORDERS[0],
                                  "--index", SORT_ORDERS[1]))
    (template,) = document["templates"]
    assert _sorts_for_order_by(template["today"]["plan"])
    # Together, then each alone.
    assert [g["indexes"] for g in template["given"]] == [
        list(SORT_ORDERS), [SORT_ORDERS[0]], [SORT_ORDERS[1]]]
    free = template["order_by_without_sort"]
    assert free, "some index set must let SQLite read rows in ORDER BY order"
    for costed in free:
        assert not _sorts_for_order_by(costed["plan"])
        assert len(costed["indexes"]) <= 2


def test_reverse_dependency_lookup_gets_the_seeds_index() -> None:
    document = explain_json(*torc(
        "--sql", "SELECT job_id FROM job_blocked_by WHERE blocked_by_job_id = 5"))
    (template,) = document["templates"]
    assert template["best"]["index"].startswith("job_blocked_by(blocked_by_job_id")
    assert template["best"]["saving"] > 0.9
    codes = {c["index"]: c["code"] for c in template["candidates"]}
    assert codes["job_blocked_by(blocked_by_job_id)"] == Reason.SAVES


def test_each_candidate_and_each_dropped_one_carries_a_reason_code(tmp_path: Path) -> None:
    log = tmp_path / "three.log"
    log.write_text("SELECT * FROM file WHERE workflow_id = 5 ORDER BY id LIMIT 10 OFFSET 0\n"
                   "SELECT * FROM ready_queue WHERE workflow_id = 5\n"
                   + claim_with_values() + "\n")
    document = explain_json(str(log), *torc())
    by_sql = {t["sql"].split(" WHERE")[0]: t for t in document["templates"]}
    files = {c["index"]: c for c in by_sql["SELECT * FROM file"]["candidates"]}
    # Covering without the ORDER BY column: the planner uses it, then sorts.
    wide = files["file(workflow_id, name, path, st_mtime)"]
    assert wide["code"] == Reason.COSTS_MORE and wide["saving"] < 0
    assert wide["reason"].startswith("raises the template's cost by ")
    saves = files["file(workflow_id, id)"]
    assert saves["code"] == Reason.SAVES
    assert saves["reason"] == (f"saves {saves['saving']:.2%} of the template's cost beside "
                               "today's indexes")
    (dropped,) = by_sql["SELECT * FROM ready_queue"]["dropped"]
    assert dropped["code"] == Reason.SERVED_BY_EXISTING
    assert "sqlite_autoindex_ready_queue_1" in dropped["reason"]
    claim = {c["index"]: c["code"] for c in by_sql[CLAIM.split(" WHERE")[0]]["candidates"]}
    assert claim["resource_requirements(num_cpus)"] == Reason.UNUSED
    text = explain(str(log), *torc())[1]
    assert "Dropped ready_queue(workflow_id) (served-by-existing): served by the " in text
    # The best of the candidates planned one at a time, said so: a pair may cost less.
    assert "best single candidate: file(workflow_id, id, name, path, st_mtime) (" in text


def test_write_templates_carry_index_upkeep() -> None:
    document = explain_json(*torc("--sql", "UPDATE job SET status = 5 WHERE workflow_id = 3 "
                                  "AND status = 1"))
    (template,) = document["templates"]
    assert template["today"]["upkeep"] > 0  # the table's own b-tree at least
    candidate = next(c for c in template["candidates"]
                     if c["index"] == "job(workflow_id, status)")
    # The update sets status, which this index holds: its upkeep is charged.
    assert candidate["upkeep"] > template["today"]["upkeep"]


def test_log_next_to_its_schema_states_what_is_not_analysed(tmp_path: Path) -> None:
    shutil.copy(TORC / "schema.sql", tmp_path / "schema.sql")
    log = tmp_path / "app.log"
    log.write_text("SELECT * FROM job WHERE workflow_id = 1\n"
                   "SELECT * FROM job WHERE workflow_id = 2\n"
                   "SELECT * FROM jobs WHERE id = 3\n"
                   "BEGIN\nCOMMIT\n")
    document = explain_json(str(log))
    analysed = document["analysed"]
    assert (analysed["templates"], analysed["of"]) == (3, 4)
    (missing,) = analysed["unanalysed"]
    assert "jobs" in missing["reason"]
    assert document["statistics"]["source"] == "defaults"
    assert document["whatif"]["calls"] > 0
    text = explain(str(log))[1]
    assert "Not analysed" in text and "Statistics: defaults" in text
    assert "every table taken as 1,048,576 rows" in text  # what its costs rest on


@pytest.mark.parametrize(("args", "message"), [
    (["--sql", "SELECT 1"], "no schema"),
    (["--sql", "SELECT * FROM job", "--schema", str(TORC / "schema.sql"),
      "--index", "job(nope)"], "no column"),
    (["--sql", "SELECT * FROM job", "--schema", str(TORC / "schema.sql"),
      "--template", "ffffff"], "no template"),
])
def test_user_errors_are_one_line(args: list[str], message: str) -> None:
    code, _, err = explain(*args)
    assert code == 1
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_compare_puts_configurations_side_by_side_with_a_verdict(tmp_path: Path) -> None:
    log = tmp_path / "lookups.log"
    log.write_text("".join(f"SELECT job_id FROM job_blocked_by WHERE blocked_by_job_id = {i}\n"
                           for i in range(30)))
    document = command_json("compare", *torc(str(log), "-c", "none",
                                             "-c", "job_blocked_by(blocked_by_job_id)",
                                             "-c", "workflow(user)", "--estimate-only"))
    costs = {c["label"]: c["estimated_cost"] for c in document["configurations"]}
    assert costs["job_blocked_by(blocked_by_job_id)"] < costs["none"]
    assert costs["workflow(user)"] == costs["none"]
    assert document["best"] == "job_blocked_by(blocked_by_job_id)"
    assert document["templates"][0]["count"] == 30
    assert all(c["measured"] == {} for c in document["configurations"])  # nothing replayed
    assert list(document["verdicts"]) == ["estimated"]


def test_compare_estimates_follow_the_scale(tmp_path: Path) -> None:
    """Without --db, --scale sizes the profile's statistics as the synthesised database."""
    log = tmp_path / "lookups.log"
    log.write_text("".join(f"SELECT job_id FROM job_blocked_by WHERE blocked_by_job_id = {i}\n"
                           for i in range(30)))
    costs = {}
    for scale in ("1", "10"):
        document = command_json("compare", *torc(str(log), "-c", "none", "-c",
                                                 "job_blocked_by(blocked_by_job_id)",
                                                 "--estimate-only", "--scale", scale))
        costs[scale] = {c["label"]: c for c in document["configurations"]}
        assert document["statistics"]["from"].endswith(
            "" if scale == "1" else "at scale 10")
    assert costs["10"]["none"]["estimated_cost"] > 5 * costs["1"]["none"]["estimated_cost"]
    indexed = "job_blocked_by(blocked_by_job_id)"
    assert costs["10"][indexed]["estimated_bytes"] > 5 * costs["1"][indexed]["estimated_bytes"]


def test_without_logged_durations_the_costliest_templates_come_first_and_the_rest_are_counted(
        tmp_path: Path) -> None:
    """A log without durations: the top templates are the costliest by the estimate, not
    the most frequent (a newcomer's top 10 by count left out the EXISTS that held 89% of
    the estimated cost), and the text says how many it leaves out and by what it ranked."""
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE item (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER);\n"
                      "CREATE TABLE tag (id INTEGER PRIMARY KEY, item_id INTEGER, name TEXT);\n")
    log = tmp_path / "plain.log"
    log.write_text(
        "".join(f"SELECT a FROM item WHERE id = {k};\n" for k in range(50))
        + "".join(f"SELECT b FROM item WHERE id = {k};\n" for k in range(40))
        + "".join(f"SELECT count(*) FROM item i WHERE i.a = {k} AND NOT EXISTS "
                  f"(SELECT 1 FROM tag t WHERE t.item_id = i.id AND t.name = 'x{k}');\n"
                  for k in range(3)))
    document = explain_json(str(log), "--schema", str(schema), "--top", "1")
    [shown] = document["templates"]
    assert "NOT EXISTS" in shown["sql"] and shown["count"] == 3
    assert document["shown"] == {"templates": 1, "of": 3, "ranked_by": "estimated cost"}
    code, out, _ = explain(str(log), "--schema", str(schema), "--top", "2")
    assert code == 0
    assert out.rstrip().endswith("Shown: the first 2 of 3 templates by estimated cost (--top N "
                                 "for more, --template ID for one).")
