"""Shared fixtures: the command line through click's CliRunner.

Log renderers and digest helpers live in tests/logs.py (plain functions, so
hypothesis tests can call them too).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from advisor.cli import main

# A bug must fail the test with its traceback, not become advisor's one-line message.
os.environ["ADVISOR_DEBUG"] = "1"

RunCli = Callable[..., Result]


def run_cli(*args: str, input: bytes | str | None = None) -> Result:
    """Run ``advisor ARGS...``; the result keeps stdout and stderr apart."""
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=True,
                                prog_name="advisor")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"advisor {' '.join(args)} raised {result.exception!r} (a traceback, not an "
            f"error message); stderr: {result.stderr}"
        ) from result.exception
    return result


def jobs_database(path: Path) -> Path:
    """A database of 5,000 jobs in 10 workflows and 3 statuses, no secondary index."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INTEGER, status INT)")
    db.executemany("INSERT INTO job (workflow_id, status) VALUES (?, ?)",
                   [(i % 10, i % 3) for i in range(5000)])
    db.commit()
    db.close()
    return path


def run_command(command: str, *args: str) -> tuple[int, str, str]:
    """``advisor COMMAND ARGS...``: exit code, stdout, stderr (never a traceback)."""
    result = run_cli(command, *args)
    return result.exit_code, result.stdout, result.stderr


def command_json(command: str, *args: str, input: bytes | str | None = None) -> dict[str, Any]:
    """``advisor COMMAND ARGS... --format json``, parsed; it must succeed."""
    result = run_cli(command, *args, "--format", "json", input=input)
    assert result.exit_code == 0, result.stderr or result.output
    return json.loads(result.stdout)


def digest_json(*args: str, input: bytes | str | None = None) -> dict[str, Any]:
    """``advisor digest ARGS... --format json``, parsed; it must succeed."""
    return command_json("digest", *args, input=input)


@pytest.fixture
def cli() -> RunCli:
    return run_cli


@pytest.fixture(name="digest_json")
def digest_json_fixture() -> Callable[..., dict[str, Any]]:
    return digest_json
