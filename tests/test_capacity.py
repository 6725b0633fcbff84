"""advisor capacity: scale text, the growth fit, measured and extrapolated scales, reports."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from torc import PROFILE, SCHEMA

from advisor.catalog.profile import Reference, parse_profile
from advisor.catalog.scales import format_count, parse_scales
from advisor.model.errors import InputError, OptionError, ProfileError
from advisor.model.indexes import parse_index
from advisor.replay.synth import cached_database
from advisor.report import capacity_report
from advisor.review.capacity import BASELINE, _index_sizes, fit_power

TORC_REFERENCE = Reference("job", 10_000, "workflow")

# Torc statements with their values: the focus workflow (40), a job's dependants, a write.
LOG = """\
SELECT * FROM job WHERE workflow_id = 40
SELECT * FROM job WHERE workflow_id = 40 AND status = 2
SELECT * FROM result WHERE workflow_id = 40
SELECT job_id FROM job_blocked_by WHERE blocked_by_job_id = 150
SELECT job_id FROM job_blocked_by WHERE blocked_by_job_id = 151
SELECT status, COUNT(*) FROM job WHERE workflow_id = 36 GROUP BY status
UPDATE job SET status = 7 WHERE id = 150
"""
# 100 jobs per workflow is scale 0.01 (a few thousand jobs in all); 2k is not built.
SCALES = "100,200,400,2k"
MAX_SYNTH = "0.04"


# ---------------------------------------------------------------- scale text


@pytest.mark.parametrize(("text", "factors"), [
    ("10k,100k,1M", [1.0, 10.0, 100.0]),
    ("1M, 10k", [1.0, 100.0]),  # sorted, spaces allowed
    ("x2,0.5x,X1", [0.5, 1.0, 2.0]),
    ("10000,10k,x1", [1.0]),  # one scale written three ways
    ("2.5k,.5M", [0.25, 50.0]),
    ("1G", [100_000.0]),
])
def test_scales_parse_to_profile_multipliers(text: str, factors: list[float]) -> None:
    assert [s.factor for s in parse_scales(text, TORC_REFERENCE)] == factors


def test_scales_keep_the_rows_they_mean() -> None:
    scales = parse_scales("100k,x2", TORC_REFERENCE)
    assert [(s.label, s.rows) for s in scales] == [("20k", 20_000.0), ("100k", 100_000.0)]
    assert [s.label for s in parse_scales("x2,0.5x", None)] == ["x0.5", "x2"]
    assert [format_count(n) for n in (750, 2500, 10_000, 1e6, 2.5e9)] == [
        "750", "2.5k", "10k", "1M", "2.5G"]


@pytest.mark.parametrize(("text", "message"), [
    ("10k,,1M", "empty item"),
    ("abc", "write counts such as 10k"),
    ("10m", "write M for millions"),
    ("0", "above 0"),
    ("x0", "above 0"),
    ("-1k", "write counts such as 10k"),
    ("1.5.2k", "write counts such as 10k"),
])
def test_bad_scale_text_is_named(text: str, message: str) -> None:
    with pytest.raises(OptionError, match=message):
        parse_scales(text, TORC_REFERENCE)


def test_a_count_needs_the_profiles_reference() -> None:
    with pytest.raises(InputError, match=r"no \[profile\]\.reference"):
        parse_scales("10k", None)


# ---------------------------------------------------------------- the profile's reference


PROFILE_HEAD = """
[profile]
name = "shop"
scales = ["order"]
{reference}
[tables.customer]
rows = 100
[tables.order]
parent = "customer"
per_parent = 3
"""


def test_reference_is_read_from_the_profile() -> None:
    profile = parse_profile(PROFILE_HEAD.format(
        reference='reference = { table = "order", per = "customer", rows = 3 }'))
    assert profile.reference == Reference("order", 3, "customer")
    assert profile.reference.unit == "order rows per customer"
    assert parse_profile(PROFILE_HEAD.format(reference="")).reference is None


@pytest.mark.parametrize(("reference", "message"), [
    ('reference = { table = "customer", rows = 3 }', "must be one of"),
    ('reference = { table = "order", rows = 0 }', "above 0"),
    ('reference = { table = "order" }', "above 0"),
    ('reference = { table = "order", rows = 3, per = "shop" }', "per names 'shop'"),
    ('reference = { table = "order", rows = 3, unit = "x" }', "unknown key 'unit'"),
])
def test_a_bad_reference_is_named(reference: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profile(PROFILE_HEAD.format(reference=reference))


# ---------------------------------------------------------------- the growth fit


def test_fit_recovers_a_power_law_exactly() -> None:
    scales = [0.5, 1, 2, 4, 8]
    fit = fit_power(scales, [3 * s ** 1.5 for s in scales])
    assert fit is not None
    assert fit.b == pytest.approx(1.5, abs=1e-12)
    assert fit.a == pytest.approx(3.0, rel=1e-12)
    assert fit.r2 == pytest.approx(1.0) and fit.points == 5
    assert fit.at(100) == pytest.approx(3 * 100 ** 1.5)


def test_fit_is_least_squares_in_log_log() -> None:
    # In log2: values 0, 1, 3 at scales 0, 1, 2. The line is -1/6 + 1.5 x; residuals
    # 1/6, -1/3, 1/6 (squares sum to 1/6) against a spread of 14/3 about the mean 4/3.
    fit = fit_power([1, 2, 4], [1, 2, 8])
    assert fit is not None
    assert fit.b == pytest.approx(1.5)
    assert fit.a == pytest.approx(2 ** (-1 / 6))
    assert fit.r2 == pytest.approx(1 - (1 / 6) / (14 / 3))


def test_fit_skips_points_it_cannot_take() -> None:
    two = fit_power([1, 2, 4, 8], [None, 5.0, 0.0, 20.0])  # a timeout and an empty index
    assert two is not None and two.points == 2 and two.r2 is None
    assert two.b == pytest.approx(math.log(4) / math.log(4))
    assert fit_power([1, 2], [None, 3.0]) is None
    assert fit_power([2, 2], [1.0, 3.0]) is None  # one scale cannot give a slope


# ---------------------------------------------------------------- a measured run


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ADVISOR_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("log") / "torc.log"
    path.write_text(LOG)
    return path


def capacity(*args: str) -> tuple[int, str, str]:
    result = run_cli("capacity", *args)
    return result.exit_code, result.stdout, result.stderr


def torc_args(log: Path, *more: str) -> list[str]:
    return [str(log), "--schema", str(SCHEMA), "--profile", str(PROFILE), "--scales", SCALES,
            "--max-synth-scale", MAX_SYNTH, "--repetitions", "2", *more]


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    return tmp_path_factory.mktemp("chart") / "capacity.png"


@pytest.fixture(scope="module")
def document(cache: Path, log: Path, chart: Path | None) -> dict[str, Any]:
    extra = ["--chart", str(chart)] if chart else []
    code, out, err = capacity(*torc_args(log, "--format", "json", *extra))
    assert code == 0, err
    return json.loads(out)


def scale(document: dict[str, Any], label: str) -> dict[str, Any]:
    return next(s for s in document["scales"] if s["label"] == label)


def test_measured_and_extrapolated_scales(document: dict[str, Any]) -> None:
    assert [(s["label"], s["factor"], s["extrapolated"]) for s in document["scales"]] == [
        ("100", 0.01, False), ("200", 0.02, False), ("400", 0.04, False), ("2k", 0.2, True)]
    assert document["reference"]["rows"] == 10_000
    assert document["size_method"] == "dbstat"  # this Python's SQLite has it
    assert [c["label"] for c in document["configurations"]] == [BASELINE, "recommended"]
    assert document["configurations"][1]["indexes"], "the tiny log still needs indexes"
    for point in document["scales"][:3]:
        assert point["rows"]["job"] > 0 and point["database_bytes"] > 0
        for run in point["configurations"]:
            assert run["outcomes"].get("ok", 0) > 0 and run["read_seconds"] > 0
    # Rows double with the scale: the synthesised databases really are the asked sizes.
    jobs = [scale(document, label)["rows"]["job"] for label in ("100", "200", "400")]
    assert jobs[1] == pytest.approx(2 * jobs[0], rel=0.05)
    assert jobs[2] == pytest.approx(4 * jobs[0], rel=0.05)


def test_index_sizes_are_measured_beside_the_estimate(document: dict[str, Any]) -> None:
    page = 4096
    for label in ("100", "200", "400"):
        point = scale(document, label)
        for size in point["indexes"]:
            assert size["bytes"] > 0 and size["bytes"] % page == 0, size
            assert size["estimated_bytes"] > 0 and size["entries"] > 0
            assert size["build_seconds"] >= 0
        # The recommended set's indexes, summed, are what building them added to the file.
        recommended = next(c for c in point["configurations"] if c["label"] == "recommended")
        summed = sum(i["bytes"] for i in point["indexes"])
        assert summed <= recommended["index_bytes"] <= summed + 2 * page
        assert recommended["database_bytes"] == (point["database_bytes"]
                                                 + recommended["index_bytes"])
    growth = document["growth"]["indexes"]["job(workflow_id, status)"]
    assert 0.6 < growth["b"] < 1.3, growth  # an index on every job grows with the jobs


def test_latency_is_measured_before_and_after(document: dict[str, Any]) -> None:
    ids = {t["id"] for t in document["templates"]}
    assert len(ids) == 6  # every read and write template replayed
    for label in ("100", "200", "400"):
        timings = scale(document, label)["templates"]
        assert set(timings) == ids
        for by_config in timings.values():
            assert by_config[BASELINE] > 0 and by_config["recommended"] > 0
    before = [scale(document, label)["configurations"][0]["write_overhead_seconds"]
              for label in ("100", "400")]
    assert before == [None, None]  # no overhead of the baseline over itself
    after = scale(document, "400")["configurations"][1]
    assert after["write_overhead_seconds"] == pytest.approx(
        after["write_seconds"] - scale(document, "400")["configurations"][0]["write_seconds"],
        abs=2e-6)


def test_extrapolated_figures_come_from_the_fit(document: dict[str, Any]) -> None:
    far = scale(document, "2k")
    assert far["extrapolated"] and far["seconds"] == 0
    fit = document["growth"]["database_bytes"]
    assert fit["points"] == 3 and fit["r2"] is not None
    assert far["database_bytes"] == pytest.approx(fit["a"] * 0.2 ** fit["b"], rel=1e-4)
    for size in far["indexes"]:
        assert size["entries"] is None and size["build_seconds"] is None
        fitted = document["growth"]["indexes"][size["index"]]
        if fitted is not None:
            assert size["bytes"] == pytest.approx(fitted["a"] * 0.2 ** fitted["b"], rel=1e-4)
    for run in far["configurations"]:
        assert run["outcomes"] == {}
    template = document["templates"][0]["id"]
    fitted = document["growth"]["templates"][template][BASELINE]
    assert far["templates"][template][BASELINE] == pytest.approx(
        fitted["a"] * 0.2 ** fitted["b"], rel=1e-3)
    assert far["rows"]["job"] == pytest.approx(20 * scale(document, "100")["rows"]["job"],
                                               rel=0.05)
    assert any("extrapolated" in note and "2k" in note for note in document["notes"])


def test_markdown_is_a_review_document(document: dict[str, Any]) -> None:
    text = capacity_report.render_table(document, markdown=True)
    assert text.startswith("# Capacity-planning review")
    for heading in ("## Database and configurations", "## Index sizes",
                    "## Template latency", "## Growth exponents", "## Notes"):
        assert heading in text
    assert f"SQLite {sqlite3.sqlite_version}" in text
    assert "Extrapolated, not measured: 2k" in text and "| 2k*" in text
    assert "job(workflow_id, status)" in text
    plain = capacity_report.render_table(document, top=1)
    assert "2k*" in plain and "* extrapolated" in plain
    shown = [t["id"] for t in document["templates"] if t["id"][:12] in plain]
    assert shown == [document["templates"][0]["id"]]  # top 1: the heaviest template only


def test_chart_is_a_png(document: dict[str, Any], chart: Path | None) -> None:
    pytest.importorskip("matplotlib")
    assert chart is not None and chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert chart.stat().st_size > 10_000


def test_chart_without_matplotlib_names_the_extra(log: Path, monkeypatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)  # import fails
    code, out, err = capacity(*torc_args(log, "--chart", "x.png"))
    assert code == 1 and not out
    assert err.strip() == ("advisor: error: --chart needs matplotlib, the 'chart' extra: "
                           "pip install -e '.[chart]'")


def test_sizes_without_a_log(cache: Path) -> None:
    code, out, err = capacity("--schema", str(SCHEMA), "--profile", str(PROFILE),
                              "--scales", "100,200", "-c", "job(workflow_id)",
                              "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["templates"] == []
    assert [i["index"] for i in document["scales"][0]["indexes"]] == ["job(workflow_id)"]
    assert all(s["indexes"][0]["bytes"] > 0 for s in document["scales"])


def test_dbstat_sizes_are_the_index_pages(cache: Path, tmp_path: Path) -> None:
    database = cached_database(SCHEMA, PROFILE, scale=0.01)
    spec = parse_index("job(workflow_id, status)")
    (size, entries, _), = _index_sizes(database, [spec], "dbstat", 5.0).values()
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(database.read_bytes())
    connection = sqlite3.connect(copy)
    try:
        connection.execute(spec.create_sql("probe"))
        pages = connection.execute("SELECT count(*) FROM dbstat WHERE name = 'probe'")
        assert size == pages.fetchone()[0] * 4096
        assert entries == connection.execute("SELECT count(*) FROM job").fetchone()[0]
    finally:
        connection.close()


def test_page_counts_stand_in_for_dbstat(cache: Path, monkeypatch) -> None:
    database = cached_database(SCHEMA, PROFILE, scale=0.01)
    specs = [parse_index("job(workflow_id, status)"), parse_index("job_blocked_by(job_id)")]
    exact = _index_sizes(database, specs, "dbstat", 5.0)
    grown = _index_sizes(database, specs, "page_count", 5.0)
    for spec in specs:
        assert exact[spec][0] <= grown[spec][0] <= exact[spec][0] + 2 * 4096
        assert exact[spec][1] == grown[spec][1] > 0  # the same entries either way
    # Where SQLite lacks dbstat, the command says it measured page counts.
    monkeypatch.setattr("advisor.review.capacity.dbstat_available", lambda: False)
    code, out, err = capacity("--schema", str(SCHEMA), "--profile", str(PROFILE),
                              "--scales", "100,200", "-c", "job(workflow_id)")
    assert code == 0, err
    assert "page counts: the file's growth" in out
    # dbstat covers the whole file: its pages add up to page_count × page_size.
    connection = sqlite3.connect(database)
    try:
        total = connection.execute("SELECT sum(pgsize) FROM dbstat").fetchone()[0]
        pages, size, free = (connection.execute(f"PRAGMA {p}").fetchone()[0]
                             for p in ("page_count", "page_size", "freelist_count"))
    finally:
        connection.close()
    assert total == (pages - free) * size


@pytest.mark.parametrize(("args", "message"), [
    (["--scales", "10q"], "--scales '10q'"),
    (["--scales", "100,400k"], "needs at least two measured scales"),
])
def test_bad_scales_are_usage_errors(log: Path, args: list[str], message: str) -> None:
    base = [str(log), "--schema", str(SCHEMA), "--profile", str(PROFILE),
            "--max-synth-scale", MAX_SYNTH]
    code, out, err = capacity(*base, *args)
    assert code == 2 and not out
    assert err.startswith("Usage: advisor capacity ")
    assert err.splitlines()[-1].startswith("Error: ") and message in err


def test_capacity_takes_no_db(log: Path) -> None:
    """It synthesises its databases: --db is not among its options (click's usage error)."""
    code, _, err = capacity(str(log), "--db", str(SCHEMA))
    assert code == 2 and "No such option '--db'" in err


def test_no_log_and_no_configuration(tmp_path: Path) -> None:
    code, _, err = capacity("--schema", str(SCHEMA), "--profile", str(PROFILE))
    assert code == 2 and "give a LOG, or -c CONFIG" in err
    bare = tmp_path / "profile.toml"
    bare.write_text(PROFILE.read_text().replace("reference = {", "# reference = {"))
    code, _, err = capacity("--schema", str(SCHEMA), "--profile", str(bare), "-c",
                            "job(workflow_id)", "--scales", "10k")
    assert code == 1 and "no [profile].reference" in err


def test_without_a_reference_table_the_rows_are_every_tables() -> None:
    """A profile without a reference table printed a dash for every scale's rows (a
    newcomer's chat profile); the rows of all its tables say how big each scale is."""
    from advisor.report.capacity_report import _configuration_table

    config = {"label": "none", "database_bytes": 1 << 20, "index_bytes": 0,
              "build_seconds": None, "read_seconds": 1.0, "write_seconds": 0.5,
              "write_overhead_seconds": None}
    document = {"reference": None, "scales": [
        {"label": "1", "scale": 1.0, "extrapolated": False,
         "rows": {"users": 1_000, "messages": 24_000}, "configurations": [config]}]}
    table = _configuration_table(document, "simple")
    header, _, row = table.splitlines()
    assert header.split()[1:4] == ["rows", "(all", "tables)"] and row.split()[1] == "25,000"
