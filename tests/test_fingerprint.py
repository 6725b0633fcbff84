"""Golden fingerprint cases: tests/fixtures/fingerprint/cases.toml, one test per case."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import pytest

from advisor.digest.fingerprint import canonicalize, mask, template_id

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES_FILE = Path(__file__).parent / "fixtures" / "fingerprint" / "cases.toml"
CASES: list[dict[str, Any]] = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))["case"]
BY_NAME = {case["name"]: case for case in CASES}
KINDS = {"read", "write", "transaction", "other"}


def test_fixture_is_well_formed() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)), "case names are test ids: make them unique"
    for case in CASES:
        assert {"name", "sql", "text"} <= case.keys(), case["name"]
        assert case.keys() <= {"name", "sql", "text", "kind", "command", "tables", "same_as"}
        assert case.get("kind", "read") in KINDS, case["name"]
        assert case.get("same_as", case["name"]) in BY_NAME, case["name"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_golden(case: dict[str, Any]) -> None:
    template = canonicalize(case["sql"])
    assert template.text == case["text"]
    assert template.id == template_id(case["text"])
    if "kind" in case:
        assert template.kind == case["kind"]
    if "command" in case:
        assert template.command == case["command"]
    if "tables" in case:
        assert list(template.tables) == case["tables"]
    if "same_as" in case:
        assert template.id == canonicalize(BY_NAME[case["same_as"]]["sql"]).id


def test_template_id_is_the_sha1_prefix_of_the_text() -> None:
    text = "SELECT * FROM job WHERE id = ?"
    assert template_id(text) == hashlib.sha1(text.encode()).hexdigest()[:12]
    assert canonicalize("select * from JOB where id=7").id == template_id(text)


def test_distinct_statements_get_distinct_ids() -> None:
    """Templates that differ in shape must not be merged."""
    texts = {canonicalize(case["sql"]).text for case in CASES}
    ids = {template_id(text) for text in texts}
    assert len(ids) == len(texts)
    assert canonicalize("SELECT a FROM t WHERE b = 1").id != canonicalize(
        "SELECT a FROM t WHERE c = 1").id
    assert canonicalize("SELECT a FROM t WHERE b = 1").id != canonicalize(
        "SELECT a FROM t WHERE b > 1").id
    assert canonicalize('SELECT * FROM "Job"').id != canonicalize("SELECT * FROM job").id


def test_mask_keeps_comments_and_quoted_names() -> None:
    assert mask("SELECT \"c1\" FROM t -- 7 'x'\nWHERE a = 3 /* 4 */") == (
        "SELECT \"c1\" FROM t -- 7 'x'\nWHERE a = ? /* 4 */")
