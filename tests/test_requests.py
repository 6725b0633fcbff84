"""The library calls the commands make: configurations by name, recommend measured or
estimated, and the requests' own checks of their options."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from advisor.advise.recommend import recommend
from advisor.analysis.inputs import Inputs, read_workload
from advisor.analysis.workload import Workload
from advisor.model.errors import InputError, OptionError
from advisor.model.indexes import parse_index
from advisor.report import recommend_report
from advisor.review import configs
from advisor.review.configs import resolve_configurations
from advisor.review.requests import (
    AuditRequest,
    CapacityRequest,
    CompareRequest,
    ExplainRequest,
    RecommendRequest,
    run_recommend,
)

SCHEMA = "CREATE TABLE item (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, name TEXT);\n"
OWNER = parse_index("item(owner)")
# What recommend chooses: covering, it saves the row lookups too, over a tenth of the
# set's own cost (the band the tolerance gives away).
COVERING = parse_index("item(owner, name)")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(log, schema, database): lookups by owner on 20,000 items, no index to serve them."""
    folder = tmp_path_factory.mktemp("items")
    log = folder / "lookups.log"
    log.write_text("".join(f"SELECT name FROM item WHERE owner = {i}\n" for i in range(40)))
    schema = folder / "items.sql"
    schema.write_text(SCHEMA)
    database = folder / "items.db"
    connection = sqlite3.connect(database)
    connection.executescript(SCHEMA)
    connection.executemany("INSERT INTO item (owner, name) VALUES (?, ?)",
                           ((i % 500, f"item {i}") for i in range(20_000)))
    connection.commit()
    connection.close()
    return log, schema, database


@pytest.fixture(scope="module")
def workload(files: tuple[Path, Path, Path]) -> Workload:
    log, schema, _ = files
    return read_workload(Inputs(logs=(str(log),), schema=str(schema)))


def test_configurations_by_name(workload: Workload, tmp_path: Path) -> None:
    listed = tmp_path / "mine.sql"
    listed.write_text("CREATE INDEX by_owner ON item (owner);\n")
    chosen = tuple(entry.spec for entry in recommend(workload).chosen)
    assert chosen == (COVERING,)
    resolved = resolve_configurations(
        ["none", "recommended", str(listed), "item(owner); item(name)", "both=item(owner, name)",
         "mine=" + str(listed), "best=recommended"], workload)
    assert not any(c.drops for c in resolved)
    assert [(c.label, c.indexes) for c in resolved] == [
        ("none", ()),
        ("recommended", chosen),
        ("mine.sql", (OWNER,)),
        ("item(owner); item(name)", (OWNER, parse_index("item(name)"))),
        ("both", (parse_index("item(owner, name)"),)),
        ("mine", (OWNER,)),
        ("best", chosen),
    ]


def test_a_spec_with_an_equals_sign_is_not_a_name(workload: Workload) -> None:
    where = "item(name) WHERE owner = 3"
    assert resolve_configurations([where], workload) == [(where, (parse_index(where),), ())]


def test_an_index_list_longer_than_a_file_name_is_read_as_a_list(workload: Workload) -> None:
    """The system refuses to look up a name over 255 bytes: the list is still a list."""
    listed = "; ".join(f"item(owner, name) WHERE owner = {i}" for i in range(12))
    assert len(listed) > 255
    [(label, specs, _)] = resolve_configurations([listed], workload)
    assert label == listed and len(specs) == 12


def test_recommended_is_searched_for_once(workload: Workload,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    searches = []

    def counted(given: Workload) -> object:
        searches.append(given)
        return recommend(given)

    monkeypatch.setattr(configs, "recommend", counted)
    resolved = resolve_configurations(["recommended", "again=recommended"], workload)
    assert len(searches) == 1 and resolved[0][1] == resolved[1][1] == (COVERING,)


def test_recommend_measures_on_the_database_by_default(
        files: tuple[Path, Path, Path]) -> None:
    log, _, database = files
    recommended = run_recommend(RecommendRequest(Inputs(logs=(str(log),), db=str(database))))
    measured = recommended.recommendation.measured
    assert measured is not None and measured.database == str(database)
    assert not measured.analyzed  # the database has no sqlite_stat1: measured as found
    # Sampled, owner holds 40 rows a value (not the 10 SQLite guesses): a covering index
    # saves their lookups, so the set may be item(owner) or item(owner, name).
    chosen = [c.spec for c in recommended.recommendation.chosen]
    assert [spec.column_names[0] for spec in chosen] == ["owner"]
    assert measured.against_today.delta < -measured.against_today.band  # faster, beyond noise
    assert [(e.spec, e.kept) for e in measured.earned] == [(chosen[0], True)]
    assert recommended.unmeasurable is None and not recommended.estimate_only
    text = recommend_report.render_text(recommend_report.recommend_document(
        recommended.recommendation, recommended.workload))
    assert "Measured on copies of" in text and "Estimated only" not in text


def test_without_a_database_recommend_estimates_and_validate_fails(
        files: tuple[Path, Path, Path]) -> None:
    log, schema, database = files
    plain = RecommendRequest(Inputs(logs=(str(log),), schema=str(schema)))
    recommended = run_recommend(plain)
    assert recommended.recommendation.measured is None
    assert recommended.unmeasurable is not None
    assert recommended.unmeasurable.startswith("no database to measure on")
    with pytest.raises(InputError, match="--validate cannot measure: no database"):
        run_recommend(RecommendRequest(plain.inputs, validate=True))
    with pytest.raises(OptionError, match="--validate insists on measuring"):
        RecommendRequest(plain.inputs, validate=True, estimate_only=True)
    asked = run_recommend(RecommendRequest(Inputs(logs=(str(log),), db=str(database)),
                                           estimate_only=True))
    assert asked.recommendation.measured is None and asked.estimate_only


def test_analyze_goes_into_the_migration_when_assumed(files: tuple[Path, Path, Path]) -> None:
    log, schema, _ = files
    inputs = Inputs(logs=(str(log),), schema=str(schema))
    assert not run_recommend(RecommendRequest(inputs)).analyze
    assert run_recommend(RecommendRequest(inputs, assume_analyze=True)).analyze


@pytest.mark.parametrize(("request_of", "message"), [
    (lambda inputs: ExplainRequest(inputs), "give a LOG"),
    (lambda inputs: CompareRequest(inputs, ("none",)), "two or more -c"),
    (lambda inputs: CapacityRequest(inputs), "give a LOG, or -c CONFIG"),
    (lambda inputs: AuditRequest(inputs), "needs the database"),
], ids=["explain", "compare", "capacity", "audit"])
def test_requests_check_their_options(request_of: Callable[[Inputs], object],
                                      message: str) -> None:
    with pytest.raises(OptionError, match=message):
        request_of(Inputs())
