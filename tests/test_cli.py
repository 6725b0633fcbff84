"""The command line through click's CliRunner: documents, ranking, tables, help."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from conftest import RunCli
from logs import render_jsonl, render_sql, workload, write

from advisor.cli import main
from advisor.digest.fingerprint import canonicalize

DOCS = Path(__file__).resolve().parents[1] / "docs" / "digest.md"
WORKLOAD = workload()


def documented_example() -> dict[str, Any]:
    """The JSON document shown in docs/digest.md."""
    block = re.search(r"```json\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/digest.md lost its JSON example"
    return json.loads(block.group(1))


@pytest.fixture
def timed_log(tmp_path: Path) -> Path:
    return write(tmp_path / "workload.jsonl", render_jsonl(WORKLOAD))


def keys(value: Any) -> Any:
    """The key structure of a JSON value (a list of objects by its first object)."""
    if isinstance(value, dict):
        return {key: keys(item) for key, item in value.items()}
    if isinstance(value, list):
        objects = [item for item in value if isinstance(item, dict)]
        return [keys(objects[0])] if objects else "list"
    return None


def test_json_document_has_the_documented_keys(timed_log: Path, tmp_path: Path,
                                               digest_json: Any) -> None:
    broken = write(tmp_path / "broken.jsonl", '{"sql": "SELECT\n')
    document = digest_json(str(timed_log), str(broken), "--log-format", "jsonl")
    assert keys(document) == keys(documented_example())
    assert list(document["templates"][0]) == [
        "rank", "id", "kind", "command", "tables", "sql", "count", "share_count", "timed",
        "total_ms", "share_time", "mean_ms", "p95_ms", "max_ms", "rows_mean", "samples"]
    assert document["format_version"] == 1
    assert document["unreadable"] == [
        {"reason": "bad-json", "count": 1, "first": [{"source": str(broken), "line": 1}]}]


def test_json_numbers_are_the_workloads(timed_log: Path, digest_json: Any) -> None:
    document = digest_json(str(timed_log))
    totals = document["totals"]
    assert totals["statements"] == totals["timed_statements"] == len(WORKLOAD)
    assert totals["lines"] == len(WORKLOAD)
    assert totals["total_ms"] == pytest.approx(sum(e.duration_ns for e in WORKLOAD) / 1e6)
    assert (totals["first_ts"], totals["last_ts"]) == (WORKLOAD[0].ts, WORKLOAD[-1].ts)
    assert totals["templates"] == len(document["templates"]) == len(
        {canonicalize(e.sql).id for e in WORKLOAD})
    assert math.isclose(sum(t["share_count"] for t in document["templates"]), 1, abs_tol=1e-4)
    assert math.isclose(sum(t["share_time"] for t in document["templates"]), 1, abs_tol=1e-4)
    for template in document["templates"]:
        runs = [e for e in WORKLOAD if canonicalize(e.sql).id == template["id"]]
        durations = sorted(e.duration_ns / 1e6 for e in runs)
        assert template["count"] == template["timed"] == len(runs)
        assert template["sql"] == canonicalize(runs[0].sql).text
        samples = [sample["sql"] for sample in template["samples"]]  # drawn by weight
        assert set(samples) <= {e.sql for e in runs}
        assert len(samples) == min(3, len(runs))
        assert template["total_ms"] == pytest.approx(sum(durations), abs=1e-5)
        assert template["mean_ms"] == pytest.approx(sum(durations) / len(runs), abs=1e-5)
        assert template["max_ms"] == pytest.approx(durations[-1], abs=1e-5)
        exact_p95 = durations[math.ceil(0.95 * len(durations)) - 1]
        assert template["p95_ms"] == pytest.approx(exact_p95, rel=0.02)
        assert template["rows_mean"] == pytest.approx(sum(e.rows for e in runs) / len(runs),
                                                      abs=1e-3)


def test_untimed_logs_leave_times_null(tmp_path: Path, digest_json: Any) -> None:
    document = digest_json(str(write(tmp_path / "plain.sql", render_sql(WORKLOAD))))
    assert document["totals"]["timed_statements"] == 0
    for template in document["templates"]:
        assert [template[k] for k in ("total_ms", "share_time", "mean_ms", "p95_ms", "max_ms",
                                      "rows_mean")] == [None] * 6


@pytest.mark.parametrize("sort", ["time", "count"])
def test_sort_ranks_templates(sort: str, timed_log: Path, digest_json: Any) -> None:
    templates = digest_json(str(timed_log), "--sort", sort)["templates"]
    assert [t["rank"] for t in templates] == list(range(1, len(templates) + 1))
    if sort == "time":
        order = [(-t["total_ms"], -t["count"], t["id"]) for t in templates]
    else:
        order = [(-t["count"], -t["total_ms"], t["id"]) for t in templates]
    assert order == sorted(order)


def test_sorts_differ_on_this_workload(timed_log: Path, digest_json: Any) -> None:
    """Otherwise the two ranking tests could not tell the sorts apart."""
    by_time = [t["id"] for t in digest_json(str(timed_log), "--sort", "time")["templates"]]
    by_count = [t["id"] for t in digest_json(str(timed_log), "--sort", "count")["templates"]]
    assert by_time != by_count and sorted(by_time) == sorted(by_count)


def test_top_cuts_the_ranking(timed_log: Path, digest_json: Any, cli: RunCli) -> None:
    everything = digest_json(str(timed_log), "--sort", "count")
    top = digest_json(str(timed_log), "--sort", "count", "--top", "3")
    assert top["templates"] == everything["templates"][:3]
    assert top["totals"] == everything["totals"]
    table = cli("digest", str(timed_log), "--top", "2").stdout
    assert f"({everything['totals']['templates'] - 2} more templates; --top to show more)" in table
    assert cli("digest", str(timed_log), "--top", "0").exit_code == 2


def test_table_and_markdown_show_the_templates(timed_log: Path, digest_json: Any,
                                               cli: RunCli) -> None:
    templates = digest_json(str(timed_log))["templates"]
    every = ("--top", str(len(templates)))
    table = cli("digest", str(timed_log), *every)
    markdown = cli("digest", str(timed_log), "--format", "markdown", *every)
    assert table.exit_code == markdown.exit_code == 0
    assert table.stdout.startswith(f"{len(WORKLOAD)} statements in {len(templates)} templates "
                                   f"from {len(WORKLOAD)} lines (jsonl); ")
    for template in templates:
        assert template["id"] in table.stdout and template["id"] in markdown.stdout
        assert template["sql"][:40] in table.stdout
        assert f"| {template['sql']}" in markdown.stdout  # whole, in a markdown cell
    assert "|---" in markdown.stdout or "|:--" in markdown.stdout
    header = next(line for line in table.stdout.splitlines() if line.startswith("#"))
    assert header.split() == ["#", "id", "kind", "count", "%count", "total", "ms", "%time",
                              "mean", "ms", "p95", "ms", "rows", "tables", "template"]


def test_markdown_cells_hold_sql_with_pipes(tmp_path: Path, cli: RunCli) -> None:
    """SQLite's || must not split a markdown table's cell."""
    log = write(tmp_path / "concat.sql", "SELECT a || 'x' FROM t\nSELECT b FROM t\n")
    markdown = cli("digest", str(log), "--format", "markdown").stdout
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(rows) == 4  # header, rule, two templates
    cells = [len(re.findall(r"(?<!\\)\|", row)) for row in rows]
    assert cells == [cells[0]] * 4, rows


@pytest.mark.parametrize("output", ["table", "markdown"])
def test_tables_default_to_10_templates(output: str, tmp_path: Path, cli: RunCli,
                                        digest_json: Any) -> None:
    log = write(tmp_path / "many.sql", "".join(f"SELECT c{i} FROM t\n" for i in range(30)))
    assert len(digest_json(str(log))["templates"]) == 30
    table = cli("digest", str(log), "--format", output).stdout
    assert "(20 more templates; --top to show more)" in table
    assert sum(" SELECT c" in line for line in table.splitlines()) == 10


# --- help -------------------------------------------------------------------------------


def all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = [("", main)]
    stack: list[tuple[str, click.Command]] = [("", main)]
    while stack:
        path, command = stack.pop()
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                entry = (f"{path} {name}".strip(), sub)
                found.append(entry)
                stack.append(entry)
    return found


def test_digest_is_a_command() -> None:
    assert "digest" in dict(all_commands())


@pytest.mark.parametrize(("path", "command"), all_commands(),
                         ids=[path or "advisor" for path, _ in all_commands()])
def test_every_command_has_help(path: str, command: click.Command, cli: RunCli) -> None:
    assert command.help and command.help.strip(), f"'advisor {path}' has no docstring"
    assert command.get_short_help_str().strip()
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"'advisor {path}' option {param.opts} has no help text"
    result = cli(*path.split(), "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert command.help.strip().splitlines()[0] in result.stdout


def test_top_level_help_lists_commands_and_version(cli: RunCli) -> None:
    help_text = cli("-h").stdout
    for name, command in main.commands.items():
        assert command.help is not None
        first_words = " ".join(command.help.split()[:3])
        assert re.search(rf"^\s+{name}\s+{re.escape(first_words)}", help_text, re.M), name
    version = cli("--version")
    assert version.exit_code == 0 and version.stdout.startswith("advisor, version ")


@pytest.mark.parametrize("args", [["digest", "--help"], ["capacity", "--help"],
                                  ["recommend", "--no-such-option"], ["--version"]])
def test_clicks_own_exits_are_not_taken_for_bugs(args: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADVISOR_DEBUG")
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    assert "internal error" not in result.output + result.stderr
    assert result.exit_code in (0, 2)


def test_a_bug_is_one_line_and_exit_70_unless_debugging(monkeypatch: pytest.MonkeyPatch) -> None:
    import advisor.digest.digest

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something we did not foresee")

    monkeypatch.setattr("advisor.analysis.inputs.digest_logs", broken)
    monkeypatch.delenv("ADVISOR_DEBUG")
    result = CliRunner().invoke(main, ["digest", advisor.digest.digest.__file__],
                                catch_exceptions=True)
    assert result.exit_code == 70
    assert result.stderr.strip() == ("advisor: internal error: RuntimeError: something we did "
                                     "not foresee (a bug in advisor; ADVISOR_DEBUG=1 shows the "
                                     "traceback)")


@pytest.mark.parametrize(("args", "message"), [
    (["explain"], "give a LOG to explain its templates, or --sql STATEMENT"),
    (["recommend", "app.log", "--max-bytes", "lots"],
     "Invalid value for '--max-bytes': 'lots': write a size such as 500MB, 64KiB or 1048576"),
    (["compare", "app.log", "-c", "none"], "compare needs two or more -c configurations"),
    (["capacity"], "without a LOG there is no workload to recommend for: give a LOG, or -c "
                   "CONFIG with the indexes to size"),
    (["audit"], "Missing option '--db'."),
], ids=["explain", "recommend", "compare", "capacity", "audit"])
def test_usage_errors_exit_2_with_the_usage(args: list[str], message: str, cli: RunCli) -> None:
    """Options that cannot be, found before any log is read: click's usage and one line."""
    result = cli(*args)
    assert result.exit_code == 2 and result.stdout == ""
    usage, hint, blank, error = result.stderr.splitlines()
    assert usage.startswith(f"Usage: advisor {args[0]} [OPTIONS]")
    assert (hint, blank, error) == (f"Try 'advisor {args[0]} --help' for help.", "",
                                    f"Error: {message}")


def test_sizes_read_binary_units() -> None:
    from advisor.cli.options import Size

    assert [Size().convert(text, None, None) for text in ("1048576", "64 KiB", "500MB", "1.5g")
            ] == [1 << 20, 64 << 10, 500 << 20, 3 << 29]
