"""Replay safety: the user's database is never changed; hostile logs are refused or stopped."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from conftest import jobs_database

from advisor.model.errors import InputError
from advisor.model.indexes import parse_index
from advisor.replay.sandbox import (
    FAST_RUNS,
    FAST_SECONDS,
    Sandbox,
    Tally,
    copy_database,
    run_in_turns,
    time_sampled,
    time_together,
)


@pytest.fixture
def original(tmp_path: Path) -> Path:
    return jobs_database(tmp_path / "app.db")


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def sandbox(original: Path, tmp_path: Path) -> Sandbox:
    copy = tmp_path / "replay.db"
    copy_database(original, copy)
    box = Sandbox(copy, statement_seconds=0.5)
    yield box
    box.close()


HOSTILE = {
    "attach": ("ATTACH DATABASE 'elsewhere.db' AS other", "refused"),
    "pragma-write": ("PRAGMA writable_schema = 1", "refused"),
    "pragma-journal": ("PRAGMA journal_mode = DELETE", "refused"),
    "load-extension": ("SELECT load_extension('evil')", "refused"),
    "vacuum-into": ("VACUUM INTO 'copy.db'", "refused"),
    "runaway": ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                "SELECT count(*) FROM c", "timeout"),
    "unknown-table": ("SELECT * FROM nope", "error"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_statements_are_refused_or_stopped(case: str, sandbox: Sandbox, original: Path,
                                                   tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = checksum(original)
    sql, expected = HOSTILE[case]
    outcome = sandbox.run(sql)
    assert outcome.status == expected, outcome
    assert not (tmp_path / "elsewhere.db").exists() and not (tmp_path / "copy.db").exists()
    assert checksum(original) == before
    # The sandbox still works afterwards.
    assert sandbox.run("SELECT count(*) FROM job").status == "ok"


def test_a_write_that_times_out_inside_its_savepoint_is_stopped(sandbox: Sandbox) -> None:
    """Replays run writes in a savepoint they roll back; a write stopped at the time limit
    has rolled back already (Torc's INSERT … SELECT of initialize_jobs, on a large copy)."""
    before = sandbox.run("SELECT count(*) FROM job")
    outcome = sandbox.run_rolled_back(
        "INSERT INTO job (workflow_id, status) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
        "SELECT x + 1 FROM c) SELECT 1, 0 FROM c")
    assert outcome.status == "timeout", outcome
    assert not sandbox.connection.in_transaction
    assert before.status == sandbox.run("SELECT count(*) FROM job").status == "ok"


def test_our_own_statements_run_whatever_the_last_statements_deadline(
        sandbox: Sandbox) -> None:
    """Writes counted step by step (the progress handler called every STEP_OPCODES VM
    steps) under a time limit they all overrun: SQLite counts a cached statement's steps
    across its runs, and the savepoint's ROLLBACK TO, run after a write whose deadline
    had passed, was once interrupted: the error ended a recommend. Every write here ends
    as a timeout or runs; none raises."""
    sandbox.hold_transaction()
    try:
        with sandbox.time_limit(0.0):
            statuses = {sandbox.count_steps("UPDATE job SET status = status + 1 WHERE id = 7",
                                            write=True)[1] for _ in range(400)}
            sandbox.plan("SELECT * FROM job WHERE workflow_id = 3")
    finally:
        sandbox.release_transaction()
    assert statuses <= {"ok", "timeout"} and "timeout" in statuses
    assert sandbox.run("SELECT status FROM job WHERE id = 7").status == "ok"


def test_read_only_pragmas_run(sandbox: Sandbox) -> None:
    assert sandbox.run("PRAGMA table_info(job)").status == "ok"


def test_sampled_writes_are_rolled_back_and_sequential_ones_applied(sandbox: Sandbox,
                                                                  original: Path) -> None:
    before = checksum(original)
    tally = Tally()
    samples = [("t1", "write", ("DELETE FROM job WHERE workflow_id = 1",)),
               ("t2", "read", ("SELECT * FROM job WHERE workflow_id = 2",))]
    timings = time_sampled(sandbox, samples, repetitions=3, tally=tally)
    # At least 3 runs each; fast statements run on until FAST_SECONDS are timed.
    assert all(3 <= t.runs <= FAST_RUNS for t in timings)
    assert all(t.median_seconds for t in timings)
    count = sandbox.connection.execute("SELECT count(*) FROM job").fetchone()[0]
    assert count == 5000  # rolled back every time
    totals = run_in_turns([sandbox], [("write", "DELETE FROM job WHERE workflow_id = 1")],
                          [tally])[0]
    assert sandbox.connection.execute("SELECT count(*) FROM job").fetchone()[0] == 4500
    assert totals["write"] > 0 and tally.counts == {"ok": sum(t.runs for t in timings) + 1}
    assert checksum(original) == before


def test_closer_timing_runs_each_template_that_many_times_as_long(sandbox: Sandbox) -> None:
    """``closer=3``: three times the runs, and a fast statement timed for three times
    FAST_SECONDS (else a statement of microseconds stops at the same FAST_RUNS)."""
    samples = [("slow", "read", ("SELECT count(*) FROM job a, job b WHERE a.id < 40",)),
               ("fast", "read", ("SELECT status FROM job WHERE id = 7",))]
    plain = time_together([sandbox], samples, 3, [Tally()])[0]
    closer = time_together([sandbox], samples, 3, [Tally()], closer=3)[0]
    slow, fast = closer
    assert plain[0].runs >= 3 and slow.runs >= 9
    assert sum(slow.seconds) >= 3 * FAST_SECONDS or slow.runs == 3 * FAST_RUNS
    assert plain[1].runs == FAST_RUNS and fast.runs == 3 * FAST_RUNS  # microseconds each


class _Recording(Sandbox):
    """A sandbox that notes what it is asked to do, in order."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, statement_seconds=0.5)
        self.calls: list[str] = []

    def forget_pages(self) -> None:
        self.calls.append("forget")
        super().forget_pages()

    def run(self, sql, params=()):
        self.calls.append("run")
        return super().run(sql, params)


def test_every_timed_run_starts_with_the_page_cache_emptied(original: Path,
                                                           tmp_path: Path) -> None:
    """Timed warm, after runs of the same statements, the pages a lookup scatters over
    a large table are all cached already, as they are not when the log runs in order
    (docs/recommend.md, "Cold pages"): each run, read or rolled-back write, on each of
    the copies taking turns, follows a forget_pages."""
    boxes = []
    for name in ("a.db", "b.db"):
        copy_database(original, tmp_path / name)
        boxes.append(_Recording(tmp_path / name))
    samples = [("r", "read", ("SELECT * FROM job WHERE workflow_id = 2",)),
               ("w", "write", ("UPDATE job SET status = 1 WHERE workflow_id = 3",))]
    timings = time_together(boxes, samples, 3, [Tally(), Tally()])
    for box, timed in zip(boxes, timings, strict=True):
        runs = sum(t.runs for t in timed)
        assert runs >= 6 and box.calls == ["forget", "run"] * runs
        box.close()


class _Turns(Sandbox):
    """A sandbox that notes each statement it runs in a log shared with the others."""

    def __init__(self, path: Path, name: str, shared: list[tuple[str, str]]) -> None:
        super().__init__(path, statement_seconds=0.5)
        self.name, self.shared = name, shared

    def run(self, sql, params=()):
        self.shared.append((self.name, sql))
        return super().run(sql, params)


def test_in_order_copies_take_turns_statement_by_statement_in_a_shuffled_order(
        original: Path, tmp_path: Path) -> None:
    """Each statement of the log runs on every copy before the next one does, writes
    applied on each; which copy runs first changes from statement to statement (in a
    fixed order the first copy, its caches cold after the others, measured 25% slower
    than its twin)."""
    shared: list[tuple[str, str]] = []
    boxes = []
    for name in ("a", "b", "c"):
        copy_database(original, tmp_path / f"{name}.db")
        boxes.append(_Turns(tmp_path / f"{name}.db", name, shared))
    log = [("write", f"UPDATE job SET status = 7 WHERE id = {n}") for n in range(1, 31)]
    log.append(("read", "SELECT count(*) FROM job WHERE status = 7"))
    tallies = [Tally() for _ in boxes]
    totals = run_in_turns(boxes, log, tallies, seed=1)
    turns = [shared[i:i + 3] for i in range(0, len(shared), 3)]
    assert len(turns) == len(log)
    for (_, sql), turn in zip(log, turns, strict=True):
        assert sorted(name for name, _ in turn) == ["a", "b", "c"]
        assert {ran for _, ran in turn} == {sql}
    assert len({turn[0][0] for turn in turns}) == 3  # each copy was first sometimes
    assert [name for name, _ in shared] == [name for name, _ in _replayed(original, tmp_path,
                                                                       log, seed=1)]
    for box, tally, mine in zip(boxes, tallies, totals, strict=True):
        assert tally.counts == {"ok": len(log)} and mine["write"] > 0 and mine["read"] > 0
        # Our own statement: the time limit of the log's last one here, counted from its
        # start, may have run out since (on a loaded machine it did: "interrupted").
        assert box.run_own("SELECT count(*) FROM job WHERE status = 7") == [(30,)]
        box.close()
    untouched = sqlite3.connect(original)
    assert untouched.execute("SELECT count(*) FROM job WHERE status = 7").fetchone()[0] == 0
    untouched.close()


RUNAWAY = HOSTILE["runaway"][0]


def test_a_statement_that_runs_into_the_time_limit_counts_as_the_limit_in_order(
        sandbox: Sandbox) -> None:
    """Left out, a statement past the limit made the configuration it is slowest on
    look fastest; it counts as the limit (0.5 s here), a lower bound."""
    tally = Tally()
    [totals] = run_in_turns([sandbox], [("read", RUNAWAY), ("read", "SELECT 1")], [tally])
    assert tally.counts == {"timeout": 1, "ok": 1}
    assert 0.5 <= totals["read"] < 0.6


def test_in_order_progress_is_told_at_least_every_few_seconds(sandbox: Sandbox,
                                                              monkeypatch) -> None:
    """Every thousand statements, and between them once PROGRESS_SECONDS have passed
    (0 here: every statement)."""
    from advisor.replay import sandbox as sandbox_module

    told: list[int] = []
    log = [("read", "SELECT 1")] * 5
    run_in_turns([sandbox], log, [Tally()], lambda _what, done, _total: told.append(done))
    assert told == [0]
    monkeypatch.setattr(sandbox_module, "PROGRESS_SECONDS", 0.0)
    told.clear()
    run_in_turns([sandbox], log, [Tally()], lambda _what, done, _total: told.append(done))
    assert told == [0, 1, 2, 3, 4]


def test_replay_counts_statements_past_the_time_limit_as_the_limit_and_says_so(
        original: Path, tmp_path: Path) -> None:
    """In both modes the configuration's seconds include the limit for each statement
    that ran into it, marked as a lower bound in JSON and with ≥ in the table."""
    from conftest import command_json, run_command

    log = tmp_path / "runaway.log"
    log.write_text(RUNAWAY + "\nSELECT count(*) FROM job WHERE workflow_id = 1\n")
    for mode in ("sampled", "sequential"):
        arguments = ("replay", str(log), "--db", str(original), "-c", "none", "--stats",
                     "as-found", "--statement-timeout", "0.2", "--repetitions", "1",
                     "--mode", mode)
        document = command_json(*arguments)
        assert document["format_version"] == 4
        assert document["statement_timeout_seconds"] == 0.2
        [none] = document["configurations"]
        assert none["lower_bound"] and none["outcomes"]["timeout"] >= 1
        assert none["weighted_read_seconds"] >= 0.2
        code, text, _ = run_command(*arguments)
        assert code == 0 and "≥ " in text
        assert "ran into the time limit (0.2 s, --statement-timeout)" in text
    # A join of 5,000 jobs thrice over that no index helps: priced, and past the limit.
    log.write_text(log.read_text() + "SELECT count(*) FROM job a, job b, job c "
                   "WHERE a.status + b.status + c.status = -1\n")
    arguments = ("compare", str(log), "--db", str(original), "-c", "none", "-c",
                 "job(workflow_id)", "--stats", "as-found", "--statement-timeout", "0.2",
                 "--repetitions", "1")
    compared = command_json(*arguments)
    assert compared["format_version"] == 3
    none = compared["configurations"][0]
    assert none["measured"]["as found"]["lower_bound"]
    assert none["measured"]["as found"]["read_seconds"] >= 0.2
    # The template that ran into it has no median: it is named as timed out, not blank.
    runaway = next(t for t in compared["templates"] if "job c" in t["sql"])
    assert runaway["measured_median_seconds"]["as found"]["none"] is None
    assert runaway["timed_out"]["as found"] == ["none", "job(workflow_id)"]
    code, text, _ = run_command(*arguments)
    assert code == 0 and "≥: some statements ran into the time limit" in text
    assert f"{runaway['id']}" in text and "timed out" in text


def _replayed(original: Path, tmp_path: Path, log: list[tuple[str, str]], seed: int
              ) -> list[tuple[str, str]]:
    """The turns run_in_turns takes on fresh copies with ``seed``: the same each time."""
    shared: list[tuple[str, str]] = []
    boxes = []
    for name in ("a", "b", "c"):
        copy_database(original, tmp_path / f"again-{name}.db")
        boxes.append(_Turns(tmp_path / f"again-{name}.db", name, shared))
    run_in_turns(boxes, log, [Tally() for _ in boxes], seed=seed)
    for box in boxes:
        box.close()
    return shared


def test_only_a_database_larger_than_the_cache_is_timed_cold(original: Path,
                                                             tmp_path: Path) -> None:
    """One SQLite's cache holds whole stays cached on a server too: left warm."""
    big = tmp_path / "big.db"
    db = sqlite3.connect(big)
    db.execute("CREATE TABLE blob (id INTEGER PRIMARY KEY, body TEXT)")
    db.executemany("INSERT INTO blob (body) VALUES (?)", [("x" * 200,) for _ in range(20_000)])
    db.commit()
    db.close()
    copy_database(original, tmp_path / "small.db")
    issued = {}
    for name in ("small.db", "big.db"):
        box = Sandbox(tmp_path / name, statement_seconds=0.5)
        seen: list[str] = []
        box.connection.set_trace_callback(seen.append)
        box.forget_pages()
        issued[name] = [sql for sql in seen if "shrink_memory" in sql]
        box.close()
    assert issued == {"small.db": [], "big.db": ["PRAGMA shrink_memory"]}


def test_the_page_cache_is_emptied_by_the_sandbox_alone(sandbox: Sandbox) -> None:
    """forget_pages runs a PRAGMA the authorizer lets through for it, not for a log."""
    sandbox.run("SELECT count(*) FROM job")
    sandbox.forget_pages()
    assert sandbox.run("PRAGMA shrink_memory").status == "refused"
    assert sandbox.run("SELECT count(*) FROM job").status == "ok"


def test_indexes_are_built_on_the_copy_and_measured(sandbox: Sandbox, original: Path) -> None:
    before = checksum(original)
    seconds, grown = sandbox.build_indexes([parse_index("job(workflow_id, status)")])
    assert seconds >= 0 and grown > 0
    plan = sandbox.connection.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM job WHERE workflow_id = 3").fetchall()
    assert "INDEX" in plan[0][3]
    assert checksum(original) == before


def test_an_index_built_where_another_was_dropped_is_measured_by_its_own_pages(
        sandbox: Sandbox) -> None:
    """A build takes a dropped index's freed pages first: the file grows by nothing, yet
    the size is the pages the index holds (as dbstat counts them), not the growth."""
    wide, narrow = parse_index("job(workflow_id, status, id)"), parse_index("job(status)")
    sandbox.build_indexes([wide])
    sandbox.drop_index(wide.name)
    pages = "PRAGMA page_count"
    before = sandbox.connection.execute(pages).fetchone()[0]
    _, size = sandbox.build_indexes([narrow])
    assert sandbox.connection.execute(pages).fetchone()[0] == before  # the freed pages held it
    (held,) = sandbox.connection.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?",
                                         (narrow.name,)).fetchone()
    assert size == held > 0


def test_copy_errors_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such database"):
        copy_database(tmp_path / "missing.db", tmp_path / "x.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(InputError, match="not a SQLite database"):
        copy_database(junk, tmp_path / "y.db")


def test_replay_command_measures_each_configuration_on_a_copy(tmp_path: Path,
                                                              monkeypatch) -> None:
    import subprocess
    import sys

    from conftest import command_json, run_command
    from torc import SCHEMA, TORC

    out = tmp_path / "run"
    database = tmp_path / "torc.db"
    subprocess.run([sys.executable, str(TORC / "simulate.py"), "--scale", "0.01", "--out-dir",
                    str(out), "--keep-db", str(database)], check=True, capture_output=True)
    before = checksum(database)
    document = command_json("replay", str(out / "workload.log"), "--db", str(database),
                            "--schema", str(SCHEMA), "-c", "none",
                            "-c", "job_blocked_by(blocked_by_job_id); job(workflow_id, status)",
                            "--repetitions", "2")
    configurations = document["configurations"]
    # Each configuration in both statistics states: --stats both, compare's default too.
    assert [c["statistics"] for c in configurations] == ["as found", "after ANALYZE"] * 2
    none, indexed = configurations[0], configurations[2]
    assert none["indexes"] == [] and none["index_bytes"] == 0
    assert len(indexed["indexes"]) == 2 and indexed["index_bytes"] > 0
    for configuration in (none, indexed):
        assert configuration["templates_replayed"] > 10
        assert configuration["outcomes"]["ok"] > 0
        assert configuration["weighted_read_seconds"] > 0
    assert checksum(database) == before  # only copies were replayed on
    code, printed, err = run_command("recommend", str(out / "workload.log"), "--db",
                                     str(database), "--schema", str(SCHEMA), "--validate")
    assert code == 0, err
    # a database without sqlite_stat1: measured as found and after a later ANALYZE both
    assert f"Measured on copies of {database}, as found and after ANALYZE:" in printed
    assert "index builds" in printed
    assert checksum(database) == before
    # Sequential: the whole log in order, writes applied, on a copy.
    sequential = command_json("replay", str(out / "workload.log"), "--db", str(database),
                              "--schema", str(SCHEMA), "-c", "none", "--mode", "sequential")
    assert sequential["mode"] == "sequential" and sequential["repetitions"] is None
    run = sequential["configurations"][0]
    assert run["outcomes"]["ok"] > 100 and run["weighted_write_seconds"] > 0
    assert checksum(database) == before
    # Per template: the statements run, their median and their sum, which add up to the
    # configuration's seconds (transaction control counts with the writes).
    templates = run["templates"]
    assert run["templates_replayed"] == len(templates) > 1
    assert sum(t["runs"] for t in templates) == sum(run["outcomes"].values())
    for kind in ("read", "write"):
        summed = sum(t["total_seconds"] for t in templates if t["kind"] == kind)
        assert summed == pytest.approx(run[f"weighted_{kind}_seconds"], abs=1e-5)
    assert all(0 <= t["median_seconds"] <= t["total_seconds"] for t in templates)
    # Without --db: a database synthesised from the profile, cached.
    from torc import PROFILE

    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    synthesised = command_json("replay", str(out / "workload.log"), "--schema", str(SCHEMA),
                               "--profile", str(PROFILE), "--scale", "0.01", "-c", "none",
                               "--repetitions", "1")
    assert synthesised["database"].startswith("a database synthesised from")
    assert synthesised["configurations"][0]["outcomes"]["ok"] > 0
    assert list((tmp_path / "cache").rglob("*.sqlite")), "the synthesised database is cached"


def test_compare_measures_both_statistics_states_on_a_synthesised_database(
        tmp_path: Path, monkeypatch) -> None:
    """A sqlx log holds no values: they are drawn from the synthesised database, and every
    configuration is measured as found (no sqlite_stat1) and after ANALYZE."""
    from conftest import command_json
    from torc import PROFILE, SCHEMA, TORC

    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    document = command_json("compare", str(TORC / "workload.sqlx.log"), "--schema", str(SCHEMA),
                            "--profile", str(PROFILE), "--scale", "0.01", "--repetitions", "1",
                            "-c", "none", "-c", "blocked=job_blocked_by(blocked_by_job_id)")
    assert document["database"].startswith("a database synthesised from")
    assert document["statistics_states"] == ["as found", "after ANALYZE"]
    assert set(document["verdicts"]) == {"as found", "after ANALYZE"}
    values = document["values"]
    # The log logged no values. Six of torc-server's templates cannot be filled (see
    # workloads/torc/README.md): the COALESCE updates' and `trigger_count + ?`'s
    # placeholders and the unblock CTE's return code bind no column, and the uninitialize
    # CTE repeats its $1 and $2.
    assert values["drawn"] > 50 and values["unfilled"] <= 6
    none, indexed = document["configurations"]
    assert indexed["label"] == "blocked" and indexed["indexes"] == [
        "job_blocked_by(blocked_by_job_id)"]
    for state in document["statistics_states"]:
        assert none["measured"][state]["index_bytes"] == 0
        assert indexed["measured"][state]["index_bytes"] > 0
        assert none["measured"][state]["outcomes"]["ok"] > 50
        assert document["fidelity"][state]["pairs"] > 50


def test_compare_on_named_templates_only(tmp_path: Path, monkeypatch) -> None:
    from conftest import command_json, run_command
    from torc import PROFILE, SCHEMA, TORC

    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    # Three runs at least: with one, a run that stalls past FAST_SECONDS is the median.
    args = ["compare", str(TORC / "workload.log"), "--schema", str(SCHEMA), "--profile",
            str(PROFILE), "--scale", "0.01", "--repetitions", "3", "--stats", "analyzed",
            "--template", "e44be722", "-c", "none", "-c", "job_blocked_by(blocked_by_job_id)"]
    document = command_json(*args)
    # The recursive CTE complete_job runs to release dependents, from the trace log's values.
    assert [t["id"] for t in document["templates"]] == ["e44be7227406"]
    assert document["statistics_states"] == ["after ANALYZE"]
    assert len(document["configurations"][0]["measured"]["after ANALYZE"]) > 0
    (template,) = document["templates"]
    index = "job_blocked_by(blocked_by_job_id)"
    # Both timed (which is faster at scale 0.01 is a benchmark's question: under load the
    # index's 0.4 ms came out above the scan's 0.2 ms once); the plans say what differs.
    medians = template["measured_median_seconds"]["after ANALYZE"]
    assert medians[index] > 0 and medians["none"] > 0
    plans = template["plans"]["after ANALYZE"]
    assert "SCAN jbb" in plans["none"]
    assert "USING INDEX advisor_job_blocked_by" in plans[index]
    code, _, err = run_command(*args[:-4], "--template", "ffffffff", "-c", "none", "-c", "none")
    assert code == 1 and "no template with id ffffffff" in err


def test_held_transaction_outlives_a_timed_out_write(sandbox: Sandbox) -> None:
    """Sampled writes run inside one transaction held open, each in a savepoint rolled
    back; a write stopped at the time limit ends it, and the next write opens it again."""
    sandbox.hold_transaction()
    assert sandbox.connection.in_transaction
    runaway = ("INSERT INTO job (workflow_id, status) WITH RECURSIVE c(x) AS (SELECT 1 "
               "UNION ALL SELECT x + 1 FROM c) SELECT 1, 0 FROM c")
    assert sandbox.run_rolled_back(runaway).status == "timeout"
    assert sandbox.run_rolled_back("DELETE FROM job WHERE workflow_id = 1").status == "ok"
    assert sandbox.connection.in_transaction  # held again, around the next write
    sandbox.release_transaction()
    assert not sandbox.connection.in_transaction
    assert sandbox.connection.execute("SELECT count(*) FROM job").fetchone()[0] == 5000


def test_each_distinct_plan_of_a_templates_samples_is_kept(tmp_path: Path) -> None:
    """A partial index serves the samples whose value matches its WHERE and not the
    others: by its first sample alone, a chat workload's configurations with the index
    and without it planned alike, and their 0.35 ms against 15.4 ms were called noise."""
    from advisor.replay.sandbox import PLANS_APART

    path = tmp_path / "receipts.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE receipt (id INTEGER PRIMARY KEY, user_id INT, status TEXT)")
        db.execute("CREATE INDEX delivered ON receipt(user_id) WHERE status = 'delivered'")
    db.close()
    box = Sandbox(path, statement_seconds=0.5)
    try:
        read, delivered = (f"SELECT count(*) FROM receipt WHERE user_id = 5 AND status = '{s}'"
                           for s in ("read", "delivered"))
        plans = box.plans([read, delivered, read]).split(PLANS_APART)
        assert plans == [box.plan(read), box.plan(delivered)]
        assert "delivered" not in plans[0] and "INDEX delivered" in plans[1]
        assert box.plans([read, read]) == box.plan(read)
    finally:
        box.close()
