"""Real signals: Ctrl-C and TERM stop a run at once and clean up; workers die with their
parent. Each test runs advisor (or a pool) in a process of its own, bounded by timeouts."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from advisor.model.indexes import parse_index
from advisor.model.interrupts import Interrupted, stopping_on_signals
from advisor.replay.sandbox import Sandbox, copy_database

# A statement of about a second: a join of 3,000 rows with themselves.
SLOW_READ = "SELECT count(*) FROM t a, t b WHERE a.x < b.x + {i}"
SLOW_WRITE = ("UPDATE t SET y = y + 1 "
              "WHERE x + {i} > (SELECT count(*) FROM t a, t b WHERE a.x < b.y)")


@pytest.fixture
def slow(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(database, a log of slow reads and writes, a private TMPDIR)."""
    database = tmp_path / "slow.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER, y INTEGER)")
        db.executemany("INSERT INTO t VALUES (?, ?, ?)",
                       [(i, i * 7 % 1000, i % 13) for i in range(3000)])
    db.close()
    log = tmp_path / "slow.log"
    log.write_text("".join(SLOW_READ.format(i=i) + "\n" for i in range(30))
                   + "".join(SLOW_WRITE.format(i=i) + "\n" for i in range(10)))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    return database, log, temporary


def _advisor(*args: str, temporary: Path) -> subprocess.Popen[str]:
    environment = {**os.environ, "TMPDIR": str(temporary), "PYTHONUNBUFFERED": "1"}
    environment.pop("ADVISOR_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "advisor", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment,
                            start_new_session=True)  # its own process group, as a shell's job


def _wait_for_a_copy(temporary: Path, process: subprocess.Popen[str]) -> None:
    """Until the replay has made its temporary copy (it is replaying then)."""
    deadline = time.monotonic() + 60
    while not any(temporary.iterdir()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the replay never started"
        time.sleep(0.1)
    time.sleep(1.5)  # well inside a statement


@pytest.mark.parametrize(("mode", "signum", "status"), [
    ("sequential", signal.SIGINT, 130),  # row 3: was swallowed and counted as a timeout
    ("sampled", signal.SIGINT, 130),  # row 3: was sometimes exit 70 "no such savepoint"
    ("sequential", signal.SIGTERM, 143),  # row 3: TERM left the temporary folder behind
    ("sampled", signal.SIGTERM, 143),
])
def test_a_stop_signal_ends_a_replay_at_once_and_cleans_up(
        mode: str, signum: int, status: int, slow: tuple[Path, Path, Path]) -> None:
    database, log, temporary = slow
    process = _advisor("replay", str(log), "--db", str(database), "-c", "none", "--mode", mode,
                       "--stats", "as-found", "--statement-timeout", "60", "--repetitions", "9",
                       temporary=temporary)
    try:
        _wait_for_a_copy(temporary, process)
        sent = time.monotonic()
        os.killpg(process.pid, signum)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == status, err
    assert time.monotonic() - sent < 10, "it went on replaying"
    assert err.strip().splitlines()[-1] == f"advisor: stopped by {signal.Signals(signum).name}"
    assert "timeout" not in err and "internal error" not in err and "Traceback" not in err
    assert list(temporary.iterdir()) == [], "the temporary copy was left behind"


def test_a_timed_out_write_leaves_no_savepoint_to_roll_back(slow: tuple[Path, Path, Path],
                                                             tmp_path: Path) -> None:
    """An interrupted write rolls back its whole transaction; the savepoint went with it
    (row 3: 'no such savepoint: advisor_replay', exit 70)."""
    database, _, _ = slow
    copy = tmp_path / "copy.db"
    copy_database(database, copy)
    sandbox = Sandbox(copy, statement_seconds=0.05)
    try:
        outcome = sandbox.run_rolled_back(SLOW_WRITE.format(i=0))
        assert outcome.status == "timeout"
        assert not sandbox.connection.in_transaction
        assert sandbox.run_rolled_back("UPDATE t SET y = 0").status == "ok"
        # Our own statement, past the 0.05 s limit the write's was counted from.
        [(rolled_back,)] = sandbox.run_own("SELECT count(*) FROM t WHERE y = 0")
        assert isinstance(rolled_back, int) and rolled_back < 3000
    finally:
        sandbox.close()


def test_a_stop_signal_during_an_index_build_is_a_stop_not_an_error(tmp_path: Path) -> None:
    """TERM arrives while the copy builds an index: SQLite turns the handler's exception
    into "interrupted", which came out as an OperationalError (a bench killed by its
    timeout printed a traceback); it is the stop it was."""
    database = tmp_path / "big.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
        db.executemany("INSERT INTO t (s) VALUES (?)",
                       ((f"{i * 7919 % 1_000_003:07d}-padding",) for i in range(400_000)))
    db.close()
    sandbox = Sandbox(database, statement_seconds=0.05)
    timer = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        with stopping_on_signals(), pytest.raises(Interrupted):
            timer.start()
            sandbox.build_indexes([parse_index("t(s)"), parse_index("t(s, id)")])
            time.sleep(5)  # the build was quicker than the signal: it stops here instead
    finally:
        timer.cancel()
        sandbox.close()


POOL_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from advisor.digest.workers import run_in_workers

    def job(seconds):
        os.write(1, b"%d\\n" % os.getpid())  # one write: the two workers' lines stay apart
        time.sleep(seconds)
        return seconds

    run_in_workers(job, [(120,), (120,)])
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:  # a zombie has died: it only waits to be reaped
        return handle.read().split(") ", 1)[1][0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    """Row 2: kill -9 the parent; its workers stop within seconds, not a minute later."""
    script = tmp_path / "pool.py"
    script.write_text(POOL_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert parent.stdout is not None and parent.stderr is not None
        lines = [parent.stdout.readline().strip() for _ in range(2)]
        assert all(line.isdigit() for line in lines), (lines, parent.stderr.read())
        workers = [int(line) for line in lines]
        assert all(_alive(pid) for pid in workers)
        _kill_and_see_workers_die(parent, workers)
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)


def _kill_and_see_workers_die(parent: subprocess.Popen[Any], workers: list[int]) -> None:
    """kill -9 the parent; every worker must be gone within five seconds."""
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "workers outlived their parent"


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc/*/stat)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_digest_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    """Row 2 as a user meets it: ``advisor digest big.log & sleep; kill -9 $!``."""
    log = tmp_path / "big.log"
    line = b"SELECT * FROM job WHERE workflow_id = %d AND status = 'ready' ORDER BY id\n"
    with log.open("wb") as handle:  # 60 MB of few templates: read by every core
        for block in range(80):
            handle.write(b"".join(line % (block * 10_000 + i) for i in range(10_000)))
    parent = subprocess.Popen([sys.executable, "-m", "advisor", "digest", str(log),
                               "--workers", "2", "-q"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2:
            assert parent.poll() is None and time.monotonic() < deadline, "no workers started"
            time.sleep(0.05)
            workers = [pid for pid in _children(parent.pid) if _alive(pid)]
        time.sleep(0.5)
        _kill_and_see_workers_die(parent, workers)
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
