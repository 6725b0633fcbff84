"""Values handed from one stage to the next cannot be changed by a later one.

A frozen dataclass is only as frozen as what it holds, so these walk what the
stages return and look for dicts, lists, sets and mutable dataclasses inside.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from torc import PROFILE, SCHEMA

from advisor.advise.recommend import recommend
from advisor.analysis.workload import Workload, load_workload
from advisor.digest.digest import digest_logs
from advisor.replay.measure import measure

LINES = (
    [f"SELECT job_id FROM job_blocked_by WHERE blocked_by_job_id = {i}; -- {1000 + i} ns"
     for i in range(20)]
    + [f"SELECT status, count(*) FROM job WHERE workflow_id = {i % 4} GROUP BY status; "
       f"-- {5000 + i} ns" for i in range(10)]
    + [f"DELETE FROM ready_queue WHERE workflow_id = 1 AND job_id = {i}; -- 700 ns"
       for i in range(10)]
    + ["SELECT count(*) FROM workflow WHERE name = 'it''s'; -- 300 ns", "\x01\x02 not sql"]
)
MUTABLE = (dict, list, set, bytearray)


def mutable_parts(value: Any, path: str = "", seen: set[int] | None = None) -> Iterator[str]:
    """Where inside ``value`` something mutable sits, following frozen dataclasses'
    fields, tuples, frozensets and read-only mappings."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, MUTABLE):
        yield f"{path}: {type(value).__name__}"
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not value.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            yield f"{path}: mutable {type(value).__name__}"
            return
        for field in dataclasses.fields(value):
            yield from mutable_parts(getattr(value, field.name), f"{path}.{field.name}", seen)
    elif isinstance(value, (tuple, frozenset)):
        for k, item in enumerate(value):
            yield from mutable_parts(item, f"{path}[{k}]", seen)
    elif isinstance(value, MappingProxyType):
        for key, item in value.items():
            yield from mutable_parts(key, f"{path} key {key!r}", seen)
            yield from mutable_parts(item, f"{path}[{key!r}]", seen)


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> Workload:
    folder = tmp_path_factory.mktemp("frozen")
    shutil.copy(SCHEMA, folder / "schema.sql")
    shutil.copy(PROFILE, folder / "profile.toml")
    log = folder / "workload.log"
    log.write_text("\n".join(LINES) + "\n")
    return load_workload([str(log)])


def test_the_workload_holds_only_frozen_values(workload: Workload) -> None:
    assert workload.digest.unreadable == 1 and len(workload.digest.templates) == 4
    assert list(mutable_parts(workload, "workload")) == []


def test_the_recommendation_holds_only_frozen_values(workload: Workload) -> None:
    assert list(mutable_parts(recommend(workload), "recommendation")) == []


def test_a_measurement_holds_only_frozen_values(workload: Workload, tmp_path: Path) -> None:
    database = tmp_path / "empty.sqlite"
    connection = sqlite3.connect(database)
    connection.executescript(SCHEMA.read_text())
    connection.close()
    measurement = measure(workload, database, (), "none", repetitions=1)
    assert measurement.tally.counts and measurement.fills is not None
    assert list(mutable_parts(measurement, "measurement")) == []


def test_a_digest_refuses_changes(workload: Workload) -> None:
    digest = workload.digest
    stats = next(iter(digest.templates.values()))
    with pytest.raises(TypeError):
        digest.templates["other"] = stats  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.count += 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        stats.buckets[0] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        workload.analyses[stats.template.id] = workload.analyses[stats.template.id]  # type: ignore[index]


def test_a_digest_cut_down_is_read_only_too(workload: Workload) -> None:
    first = next(iter(workload.digest.templates))
    only = workload.only([first])
    assert list(only.digest.templates) == [first] and list(only.analyses) == [first]
    assert list(mutable_parts(only, "only")) == []


def test_reading_a_log_twice_gives_equal_digests(tmp_path: Path) -> None:
    log = tmp_path / "workload.log"
    log.write_text("\n".join(LINES) + "\n")
    assert digest_logs([str(log)]) == digest_logs([str(log)])
