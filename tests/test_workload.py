"""End to end: the default Torc workload digests the same from its two captured logs."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import digest_json
from torc import TORC

# Both logs ship gzip-compressed under their plain names (gzip is read by content).
PLAIN = TORC / "workload.log"
SQLX = TORC / "workload.sqlx.log"


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    return [digest_json(str(path), "--strict") for path in (PLAIN, SQLX)]


def test_both_logs_give_the_same_templates_and_counts(documents: list[dict[str, Any]]) -> None:
    plain, sqlx = ({t["id"]: t["count"] for t in document["templates"]}
                   for document in documents)
    assert plain == sqlx
    assert len(plain) >= 10  # a workload, not a handful of statements


def test_the_default_workload_is_clean(documents: list[dict[str, Any]]) -> None:
    for document in documents:
        totals = document["totals"]
        assert totals["unreadable"] == 0  # --strict passed too
        assert totals["statements"] > 0
        kinds = {t["kind"] for t in document["templates"]}
        assert {"read", "write", "transaction"} <= kinds
    sqlx = documents[1]
    assert sqlx["sources"][0]["format"].startswith("sqlx")
    assert sqlx["totals"]["timed_statements"] == sqlx["totals"]["statements"]  # sqlx times all
