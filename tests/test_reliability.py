"""Issue 12's rows, each reproduced: what used to go wrong, and now does not.

Rows 2 and 3 (signals) are in test_signals.py, row 12 (options) in
test_options.py; the bad-input corpus (test_bad_inputs.py) holds further cases of
rows 1 and 5-8.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from logs import spy_parallel
from torc import PROFILE, SCHEMA

import advisor.analysis.inputs
import advisor.cli.terminal
import advisor.digest.digest
import advisor.digest.workers
from advisor.analysis.inputs import Inputs
from advisor.digest.digest import DigestOptions, digest_logs
from advisor.digest.workers import MAX_WORKERS, usable_cores, worker_count
from advisor.model.feedback import Feedback
from advisor.replay.synth import cache_entries, cached_database, clear_cache
from advisor.replay.synth.cache import make_room
from advisor.report import capacity_report
from advisor.review.capacity import Fit
from advisor.review.requests import CapacityRequest, run_capacity

SCHEMA_SQL = ("CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INTEGER, status TEXT);"
              "CREATE TABLE workflow (id INTEGER PRIMARY KEY, name TEXT);")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    database = tmp_path / "app.db"
    with sqlite3.connect(database) as db:
        db.executescript(SCHEMA_SQL)
        db.executemany("INSERT INTO job (workflow_id, status) VALUES (?, ?)",
                       [(i % 20, "ready") for i in range(2000)])
    db.close()
    return database


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


# --- row 1: --workers is bounded -----------------------------------------------------------


def test_row1_workers_are_bounded_by_the_cores_and_a_cap(tmp_path: Path) -> None:
    assert worker_count(100_000) == worker_count(None) == min(usable_cores(), MAX_WORKERS)
    assert run_cli("digest", "x.log", "--workers", "100000").exit_code == 2  # not started
    log = write(tmp_path / "a.log", "SELECT 1\n")
    notes: list[str] = []
    digest_logs([log], DigestOptions(workers=usable_cores() + 1), note=notes.append)
    assert notes == [f"reading with {usable_cores()} worker(s), not {usable_cores() + 1}: "
                     f"this process may run on {usable_cores()} core(s)"]


# --- row 4: recommend says what it could not analyse ----------------------------------------


def test_row4_recommend_names_the_templates_it_could_not_analyse(app: Path,
                                                                 tmp_path: Path) -> None:
    log = write(tmp_path / "mixed.log", "SELECT * FROM job WHERE workflow_id = 3\n"
                                        "SELECT * FROM missing WHERE a = 1\n")
    table = run_cli("recommend", log, "--db", str(app))
    assert table.exit_code == 0, table.stderr
    assert ("Templates analysed: 1 of 2 (50.0% of statements). The other 1 are left out of "
            "the recommendation (unknown table: missing)") in table.stdout
    document = json.loads(run_cli("recommend", log, "--db", str(app), "--format", "json").stdout)
    assert document["analysed"]["templates"] == 1 and document["analysed"]["of"] == 2
    sql = run_cli("recommend", log, "--db", str(app), "--format", "sql").stdout
    assert "-- Templates analysed: 1 of 2" in sql
    nothing = write(tmp_path / "nothing.log", "SELECT * FROM missing WHERE a = 1\n")
    refused = run_cli("recommend", nothing, "--db", str(app))
    assert refused.exit_code == 1
    assert "none of the 1 templates could be analysed" in refused.stderr
    # compare and audit refuse it too: compare measured 0 s everywhere and gave a
    # verdict, audit listed every index to drop (a bookings trial).
    for command in (["compare", nothing, "--db", str(app), "-c", "none", "-c",
                     "job(workflow_id)"], ["audit", "--db", str(app), nothing]):
        refused = run_cli(*command)
        assert refused.exit_code == 1, command
        assert "none of the 1 templates could be analysed" in refused.stderr
        assert "Traceback" not in refused.stderr


# --- rows 5, 7, 8: databases that are not, or cannot be, read --------------------------------


def test_row5_a_corrupt_database_is_named_not_a_bug(app: Path, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.db"
    data = bytearray(app.read_bytes())
    data[4096:4096 * 4] = b"\xff" * (4096 * 3)  # the first table's pages
    corrupt.write_bytes(bytes(data))
    log = write(tmp_path / "a.log", "SELECT * FROM job WHERE workflow_id = 3\n")
    result = run_cli("replay", log, "--db", str(corrupt), "-c", "none")
    assert result.exit_code == 1
    assert result.stderr == (f"advisor: error: {corrupt}: the database is corrupt (SQLite: "
                             "database disk image is malformed); PRAGMA integrity_check in "
                             "the sqlite3 shell tells where\n")


@pytest.mark.parametrize("command", ["replay", "recommend", "compare", "audit", "explain"])
@pytest.mark.parametrize(("content", "why"), [(b"", "an empty file"),
                                              (b"CREATE TABLE job (id);\n", "no 'SQLite")])
def test_row8_a_db_that_is_not_sqlite_is_refused_as_such(command: str, content: bytes,
                                                         why: str, tmp_path: Path) -> None:
    """Never read as a schema script ("SQLite rejects it: near …")."""
    fake = tmp_path / "fake.db"
    fake.write_bytes(content)
    log = write(tmp_path / "a.log", "SELECT * FROM job WHERE id = 3\n")
    more = {"replay": ["-c", "none"], "compare": ["-c", "none", "-c", "recommended"]}
    args = ([] if command == "audit" else [log]) + ["--db", str(fake), *more.get(command, [])]
    result = run_cli(command, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"advisor: error: {fake}: not a SQLite database ({why}")


def test_row7_replay_fails_when_no_statement_ran(app: Path, tmp_path: Path) -> None:
    log = write(tmp_path / "a.log", "SELECT nope FROM job WHERE id = 1\n")
    result = run_cli("replay", log, "--db", str(app), "-c", "none", "--stats", "as-found")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"advisor: error: no statement could be replayed on {app} "
                                    "(error ")


# --- row 6: values no option means ------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["recommend", "{log}", "--scale", "inf"],  # was OverflowError, exit 70
    ["capacity", "{log}", "--max-synth-scale", "nan"],  # was IndexError, exit 70
    ["replay", "{log}", "-c", "none", "--statement-timeout", "nan"],  # was accepted
])
def test_row6_nan_and_inf_are_usage_errors(args: list[str], app: Path, tmp_path: Path) -> None:
    log = write(tmp_path / "a.log", "SELECT * FROM job WHERE id = 3\n")
    filled = [log if arg == "{log}" else arg for arg in args]
    more = ["--schema", str(SCHEMA), "--profile", str(PROFILE)] if args[0] == "capacity" else [
        "--db", str(app)]
    result = run_cli(*filled, *more)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("Error: Invalid value for")


def test_row6_a_binary_profile_is_named(tmp_path: Path) -> None:
    log = write(tmp_path / "a.log", "SELECT * FROM job WHERE id = 3\n")
    result = run_cli("recommend", log, "--schema", str(SCHEMA), "--profile", "/bin/ls")
    assert result.exit_code == 1  # was UnicodeDecodeError, exit 70
    assert result.stderr == ("advisor: error: /bin/ls: not a text file; a profile is TOML "
                             "(docs/profile-format.md)\n")


# --- row 9: many templates are not read by workers that would each parse them all -----------


def _spy_parallel(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    monkeypatch.setattr(advisor.digest.digest, "PARALLEL_MIN_BYTES", 64 << 10)
    monkeypatch.setattr(advisor.digest.digest, "PROBE_BYTES", 64 << 10)
    return spy_parallel(monkeypatch)


def test_row9_a_log_of_many_templates_is_read_by_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker would parse nearly every template again (137 s against 51 s)."""
    calls = _spy_parallel(monkeypatch)
    log = write(tmp_path / "many.log", "".join(
        f"SELECT c{i % 997}, d{i % 991} FROM t{i % 89} WHERE k = {i}\n" for i in range(12_000)))
    serial = digest_logs([log], DigestOptions(workers=1))
    parallel = digest_logs([log], DigestOptions(workers=2))
    assert calls == []
    assert parallel == serial


def test_row9_a_log_of_few_templates_still_uses_every_core(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _spy_parallel(monkeypatch)
    log = write(tmp_path / "few.log", "".join(
        f"SELECT * FROM job WHERE workflow_id = {i} AND status = 'x{i % 7}'\n"
        for i in range(12_000)))
    serial = digest_logs([log], DigestOptions(workers=1))
    parallel = digest_logs([log], DigestOptions(workers=2))
    assert calls == [2]
    assert parallel == serial


# --- row 10: one huge statement ---------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "SELECT * FROM job WHERE id IN ({})".format(", ".join(str(i) for i in range(400_000))),
    "INSERT INTO job (id, status) VALUES {}".format(
        ", ".join(f"({i}, 's{i}')" for i in range(150_000))),
    "SELECT * FROM job WHERE note = '{}'".format("x" * 3_000_000),
], ids=["in-list", "multi-row-insert", "string"])
def test_row10_one_huge_statement_takes_a_few_times_its_size(statement: str,
                                                             tmp_path: Path) -> None:
    """A 50 MB statement took 1.1 GB (a 50 MB string ran out of 4 GB); here a few MB of
    each kind, with its peak allocation against its size."""
    log = write(tmp_path / "huge.log", statement + "\n")
    tracemalloc.start()
    try:
        digest = digest_logs([log], DigestOptions(max_line_bytes=100_000_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest.statements == 1
    assert peak < 8 * len(statement), f"{peak / len(statement):.1f} times the statement"


# --- row 11: progress, whether or not stderr is a terminal ------------------------------------


def test_row11_progress_shows_off_a_terminal_and_quiet_silences_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = write(tmp_path / "a.log", "SELECT * FROM job WHERE id = 3\n")
    monkeypatch.setattr(advisor.cli.terminal, "DELAY_SECONDS", 0.0)
    real = advisor.analysis.inputs.digest_logs

    def slow(*args: Any, **kwargs: Any) -> Any:
        digest = real(*args, **kwargs)
        time.sleep(0.6)  # a long step: its progress shows meanwhile
        return digest

    monkeypatch.setattr("advisor.analysis.inputs.digest_logs", slow)
    shown = run_cli("digest", log, "--format", "json")  # CliRunner's stderr is no terminal
    quiet = run_cli("digest", log, "--format", "json", "--quiet")
    assert shown.exit_code == quiet.exit_code == 0
    assert shown.stdout == quiet.stdout
    assert "reading the logs" in shown.stderr and "\r" not in shown.stderr
    assert quiet.stderr == ""


def test_row11_off_a_terminal_each_line_says_when_it_was_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the new step's own time, which is nought when its line is written: every line
    used to end in "0 s"."""
    log = write(tmp_path / "a.log", "SELECT * FROM job WHERE id = 3\n")
    monkeypatch.setattr(advisor.cli.terminal, "DELAY_SECONDS", 0.0)
    real = advisor.analysis.inputs.digest_logs

    def two_steps(*args: Any, note: Any = None, **kwargs: Any) -> Any:
        note("first step")
        time.sleep(1.6)
        note("second step")
        time.sleep(0.6)  # long enough for the ticker to show it
        return real(*args, note=note, **kwargs)

    monkeypatch.setattr("advisor.analysis.inputs.digest_logs", two_steps)
    result = run_cli("digest", log, "--format", "json")  # CliRunner's stderr is no terminal
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)
    stamped = [re.fullmatch(r"\[(\d+) s\] (.*)", line) for line in result.stderr.splitlines()]
    assert all(stamped), result.stderr
    seconds = {match[2]: int(match[1]) for match in stamped if match}
    assert seconds["first step"] <= 1 and seconds["second step"] >= 2, result.stderr


def test_row11_a_terminal_gets_one_line_rewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(advisor.cli.terminal, "DELAY_SECONDS", 0.0)
    stream = io.StringIO()
    display = advisor.cli.terminal.Display(stream, interactive=True)
    display.step("searching")
    time.sleep(0.5)
    display.close()
    assert stream.getvalue().startswith("\rsearching, 0 s\033[K")
    assert stream.getvalue().endswith("\r\033[K")  # cleared before anything else is written


def test_row11_cached_only_when_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    request = CapacityRequest(Inputs(schema=str(SCHEMA), profile=str(PROFILE)),
                              scale_text="100,200", configs=("job(workflow_id)",))
    runs = []
    for _ in range(2):
        said: list[str] = []
        run_capacity(request, Feedback(step=said.append))
        runs.append([line for line in said if "database" in line])
    assert all("synthesising the database" in line for line in runs[0]) and len(runs[0]) == 2
    assert all("(cached)" in line for line in runs[1]) and len(runs[1]) == 2


# --- row 13: capacity's falling writes, the synthesis cache, audit's drop script ---------------


def test_row13_falling_write_times_are_not_extrapolated_without_a_caveat(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    request = CapacityRequest(Inputs(schema=str(SCHEMA), profile=str(PROFILE)),
                              scale_text="100,200,1k", configs=("job(workflow_id)",),
                              max_synth_scale=0.025)
    result = run_capacity(request).capacity
    assert any(p.extrapolated for p in result.points)

    def notes(b: float) -> list[str]:
        growth = {label: {**fits, "write_seconds": Fit(1.0, b, 2, None)}
                  for label, fits in result.run_growth.items()}
        return capacity_report._notes(replace(result, run_growth=growth))

    [falling] = [note for note in notes(-0.3) if "fall as the data grows" in note]
    assert "not to be trusted" in falling
    assert not [note for note in notes(0.3) if "fall as the data grows" in note]


def test_row13_the_synthesis_cache_is_listed_cleared_and_capped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(folder))
    first = cached_database(SCHEMA, PROFILE, scale=0.01)
    second = cached_database(SCHEMA, PROFILE, scale=0.011)
    listed = json.loads(run_cli("cache", "list", "--format", "json").stdout)
    assert [Path(d["path"]) for d in listed["databases"]] == [first, second]
    monkeypatch.setenv("ADVISOR_CACHE_MAX_BYTES", str(second.stat().st_size))
    make_room(folder / "synth", keep=second)  # the least recently used goes first
    assert [entry.path for entry in cache_entries()] == [second]
    cleared = run_cli("cache", "clear")
    assert cleared.exit_code == 0 and cleared.stdout.startswith("removed 1 file(s)")
    assert cache_entries() == [] and clear_cache() == []
