"""One workload, written in every log format: each reads back to the same templates."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from logs import (
    AWKWARD_TEXT,
    ROWS_FORMATS,
    TIMED_FORMATS,
    TS_FORMATS,
    VARIANTS,
    Execution,
    counts,
    digest_files,
    noise_before,
    render_jsonl,
    render_sqlx_text,
    render_trace,
    rust_debug,
    rust_duration,
    rust_float,
    snapshot,
    spy_parallel,
    sqlx_fields,
    workload,
    write,
)

import advisor.digest.digest
import advisor.digest.workers
from advisor.digest.fingerprint import canonicalize
from advisor.ingest import check_sources, open_log, read_statements

WORKLOAD = workload()
EXPECTED_COUNTS = Counter(canonicalize(e.sql).id for e in WORKLOAD)


def by_template(executions: list[Execution]) -> dict[str, list[Execution]]:
    grouped: dict[str, list[Execution]] = {}
    for execution in executions:
        grouped.setdefault(canonicalize(execution.sql).id, []).append(execution)
    return grouped


@pytest.fixture(params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str, Path]:
    """(variant name, its log format, the workload written that way)."""
    log_format, render = VARIANTS[request.param]
    return request.param, log_format, write(tmp_path / f"{request.param}.log", render(WORKLOAD))


def test_the_workload_is_what_the_tests_need() -> None:
    assert 25 <= len(WORKLOAD) <= 40
    assert len(EXPECTED_COUNTS) >= 10
    assert any("\n" in e.sql and AWKWARD_TEXT not in e.sql for e in WORKLOAD)  # multi-line
    assert any(AWKWARD_TEXT in e.sql for e in WORKLOAD)
    assert all(part in AWKWARD_TEXT for part in ("\n", "''", "\\", '"', "\t", "ü"))
    assert any(len(e.sql.split()) <= 4 for e in WORKLOAD)  # sqlx leaves db.statement empty


def test_auto_detection_picks_the_format(variant: tuple[str, str, Path]) -> None:
    _, log_format, path = variant
    log = open_log(check_sources([str(path)])[0])
    log.close()
    assert log.format.name == log_format


def test_every_format_gives_the_same_templates(variant: tuple[str, str, Path]) -> None:
    _, log_format, path = variant
    digest = digest_files([path], log_format=log_format)
    assert counts(digest) == EXPECTED_COUNTS
    assert digest.unreadable == 0, {r: t.refs for r, t in digest.problems.items()}
    for stats in digest.templates.values():
        assert stats.template.text == canonicalize(stats.samples[0].sql).text


def test_formats_with_durations_agree_on_time(variant: tuple[str, str, Path]) -> None:
    _, log_format, path = variant
    digest = digest_files([path], log_format=log_format)
    for tid, executions in by_template(WORKLOAD).items():
        stats = digest.templates[tid]
        if log_format not in TIMED_FORMATS:
            assert (stats.timed, stats.total_ns, stats.buckets) == (0, 0, {})
            continue
        # ms and seconds as floats round to the nanosecond, one per execution at most.
        assert stats.timed == len(executions)
        assert abs(stats.total_ns - sum(e.duration_ns for e in executions)) <= len(executions)
        assert abs(stats.max_ns - max(e.duration_ns for e in executions)) <= 1


def test_formats_with_rows_and_timestamps_keep_them(variant: tuple[str, str, Path]) -> None:
    _, log_format, path = variant
    digest = digest_files([path], log_format=log_format)
    rows = {tid: (s.rows_total, s.rows_counted) for tid, s in digest.templates.items()}
    if log_format in ROWS_FORMATS:
        assert rows == {tid: (sum(e.rows for e in group), len(group))
                        for tid, group in by_template(WORKLOAD).items()}
    else:
        assert set(rows.values()) == {(0, 0)}
    if log_format in TS_FORMATS:
        assert (digest.first_ts, digest.last_ts) == (WORKLOAD[0].ts, WORKLOAD[-1].ts)
    else:
        assert (digest.first_ts, digest.last_ts) == (None, None)


def test_samples_keep_the_statement_as_run(variant: tuple[str, str, Path]) -> None:
    """Formats that can hold any statement give it back byte for byte (replay needs it)."""
    _, log_format, path = variant
    digest = digest_files([path], log_format=log_format)
    # Every distinct statement kept (the samples are drawn from them by weight).
    samples = [k.sample for stats in digest.templates.values()
               for k in (*stats.kept, *(k for shape in stats.shapes.values() for k in shape.kept))]
    awkward = [s for s in samples if "ü" in s.sql]
    assert len(awkward) == 1
    if log_format in ("trace", "jsonl", "sqlx", "sqlx-json"):
        original = {e.sql for e in WORKLOAD}
        assert {s.sql for s in samples} <= original
        assert AWKWARD_TEXT in awkward[0].sql
    if log_format == "jsonl":  # the same text with other parameters: another statement
        begin = digest.templates[canonicalize("BEGIN IMMEDIATE").id]
        logged = sorted(repr(e.params) for e in WORKLOAD if e.sql == "BEGIN IMMEDIATE")
        assert sorted(repr(k.sample.params) for k in begin.kept) == logged
        assert sorted(repr(s.params) for s in begin.samples) == logged


def test_sample_lines_point_at_the_statement(variant: tuple[str, str, Path]) -> None:
    """``file:line`` of a sample is the line where its statement begins, not a comment."""
    _, log_format, path = variant
    lines = path.read_text(encoding="utf-8").split("\n")
    digest = digest_files([path], log_format=log_format)
    for stats in digest.templates.values():
        for sample in stats.samples:
            line = lines[sample.line - 1]
            first_word = sample.sql.split()[0] if log_format != "sql-script" else (
                stats.template.command)
            assert first_word in line and not line.lstrip().startswith(("--", "/*")), (
                f"{path.name}:{sample.line} is {line!r}, not the start of {sample.sql!r}")


def test_sqlx_logs_skip_other_events(variant: tuple[str, str, Path]) -> None:
    name, log_format, path = variant
    digest = digest_files([path], log_format=log_format)
    noise = sum(map(noise_before, range(len(WORKLOAD))))
    assert noise >= 3
    expected = noise if log_format.startswith("sqlx") and name != "sqlx-quiet" else 0
    assert digest.skipped == expected


def test_statements_read_back_in_order(variant: tuple[str, str, Path]) -> None:
    """read_statements (for later stages) gives every execution, in order, with its time."""
    _, log_format, path = variant
    statements = list(read_statements([str(path)], log_format))
    assert [canonicalize(s.sql).id for s in statements] == [
        canonicalize(e.sql).id for e in WORKLOAD]
    if log_format in TIMED_FORMATS:
        for statement, execution in zip(statements, WORKLOAD, strict=True):
            assert statement.duration_ms == pytest.approx(execution.duration_ns / 1e6, abs=1e-6)
            assert statement.source == str(path)


def test_gzip_reads_the_same(variant: tuple[str, str, Path], tmp_path: Path) -> None:
    _, log_format, path = variant
    plain = digest_files([path], log_format=log_format)
    packed = write(tmp_path / "packed.log", path.read_bytes(), compress=True)
    from_gzip = digest_files([packed], log_format=log_format)
    assert snapshot(from_gzip, source_names=False) == snapshot(plain, source_names=False)


def test_concatenated_gzip_members_read_as_one_log(tmp_path: Path) -> None:
    """``cat a.gz b.gz`` (or gzip -c >> log.gz) is a valid gzip file of several members."""
    text = render_trace(WORKLOAD)
    half = text.index("\n", len(text) // 2) + 1
    plain = digest_files([write(tmp_path / "plain.log", text)])
    members = gzip.compress(text[:half].encode()) + gzip.compress(text[half:].encode())
    joined = digest_files([write(tmp_path / "joined.log.gz", members)])
    assert joined.unreadable == 0
    assert snapshot(joined, source_names=False) == snapshot(plain, source_names=False)


@pytest.mark.parametrize(("name", "compress"), [("jsonl", False), ("sqlx", True),
                                                 ("sql-script", True)],
                         ids=["jsonl", "sqlx-gzip", "sql-script-gzip"])
def test_standard_input_reads_the_same(name: str, compress: bool, tmp_path: Path,
                                       digest_json: Any) -> None:
    log_format, render = VARIANTS[name]
    path = write(tmp_path / "log", render(WORKLOAD))
    from_file = digest_json(str(path))
    data = path.read_bytes()
    from_stdin = digest_json("-", input=gzip.compress(data) if compress else data)
    assert from_stdin["sources"] == [{"name": "-", "format": log_format,
                                      "lines": from_file["sources"][0]["lines"]}]
    for template in (*from_stdin["templates"], *from_file["templates"]):
        for sample in template["samples"]:
            assert sample.pop("source") in ("-", str(path))
    assert from_stdin["templates"] == from_file["templates"]
    assert from_stdin["totals"] == from_file["totals"]


def test_standard_input_from_a_real_pipe(tmp_path: Path) -> None:
    """The same through a real process and pipe (stdin is a buffered OS stream there)."""
    path = write(tmp_path / "log", render_trace(WORKLOAD))
    command = [sys.executable, "-c", "from advisor.cli import main; main()",
               "digest", "-", "--format", "json"]
    done = subprocess.run(command, input=gzip.compress(path.read_bytes()),
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    document = json.loads(done.stdout)
    assert {t["id"]: t["count"] for t in document["templates"]} == EXPECTED_COUNTS
    lines = path.read_bytes().count(b"\n")
    assert document["sources"] == [{"name": "-", "format": "trace", "lines": lines}]


def test_several_files_digest_as_one(tmp_path: Path) -> None:
    thirds = [WORKLOAD[:10], WORKLOAD[10:20], WORKLOAD[20:]]
    paths = [write(tmp_path / "a.jsonl", render_jsonl(thirds[0])),
             write(tmp_path / "b.trace", render_trace(thirds[1]), compress=True),
             write(tmp_path / "c.log", render_sqlx_text(thirds[2]))]
    together = digest_files(paths)
    assert counts(together) == EXPECTED_COUNTS
    assert [(s.name, s.format) for s in together.sources.values()] == [
        (str(paths[0]), "jsonl"), (str(paths[1]), "trace"), (str(paths[2]), "sqlx")]
    whole = digest_files([write(tmp_path / "all.jsonl", render_jsonl(WORKLOAD))])
    assert together.statements == whole.statements == len(WORKLOAD)
    assert together.timed == len(WORKLOAD)
    assert abs(together.total_ns - whole.total_ns) <= len(WORKLOAD)
    # A statement is kept once with every file's runs, at its first run: the first file's.
    commit = together.templates[canonicalize("COMMIT").id]
    assert sum(k.count for k in commit.kept) == commit.count
    assert str(paths[0]) in {k.sample.source for k in commit.kept}
    assert {s.source for s in commit.samples} <= {str(p) for p in paths}


# --- what the sqlx renderer writes is what sqlx writes ------------------------------


def test_rust_debug_escapes_like_rust() -> None:
    assert rust_debug("a\"b\\c\nd\re\tf\x1bg'h ü") == '"a\\"b\\\\c\\nd\\re\\tf\\u{1b}g\'h ü"'
    assert rust_float(0.000012) == "1.2e-5" and rust_float(0.25) == "0.25"
    assert [rust_duration(n) for n in (950, 12_500, 1_234_567, 2_500_000_000)] == [
        "950ns", "12.5µs", "1.234567ms", "2.5s"]


def test_sqlx_leaves_short_statements_to_the_summary() -> None:
    short = sqlx_fields(Execution("SELECT count(*) FROM job", 5, 1, "t"))
    assert (short["summary"], short["db.statement"]) == ("SELECT count(*) FROM job", "")
    long = sqlx_fields(Execution("SELECT a FROM job WHERE id = 1", 5, 1, "t"))
    assert long["summary"] == "SELECT a FROM job …"
    assert long["db.statement"] == "\n\nSELECT a FROM job WHERE id = 1\n"


def test_sqlx_durations_from_elapsed_when_elapsed_secs_is_missing(tmp_path: Path) -> None:
    line = ('2024-05-01T12:00:00Z DEBUG sqlx::query: summary="SELECT a FROM t …" '
            'db.statement="\\n\\nSELECT a FROM t WHERE b = 1\\n" rows_affected=0 '
            'rows_returned=2 elapsed={}\n')
    path = write(tmp_path / "x.log", "".join(line.format(e) for e in
                                            ("12.5µs", "1.5ms", "2s", "950ns", "3us")))
    stats = next(iter(digest_files([path]).templates.values()))
    assert stats.total_ns == 12_500 + 1_500_000 + 2_000_000_000 + 950 + 3_000
    assert (stats.rows_total, stats.rows_counted) == (10, 5)


def _split_small_logs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Workers for logs of a few KiB, gzip ones included; the byte ranges of each
    parallel read are noted."""
    monkeypatch.setattr(advisor.digest.digest, "PARALLEL_MIN_BYTES", 1024)
    monkeypatch.setattr(advisor.digest.digest, "PROBE_BYTES", 512)
    monkeypatch.setattr(advisor.digest.digest, "GZIP_SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(advisor.digest.digest, "NAMING_SHARE_FOR_ONE_WORKER", 1.0)
    return spy_parallel(monkeypatch)


@pytest.mark.parametrize("name", ["sql", "trace", "jsonl", "sqlx", "sqlx-ansi", "sqlx-json"])
def test_parallel_reading_of_every_splittable_format(name: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Byte ranges are cut only between records, multi-line ones included."""
    log_format, render = VARIANTS[name]
    path = write(tmp_path / "log", render(WORKLOAD) * 20)
    calls = _split_small_logs(monkeypatch)
    serial = digest_files([path], log_format=log_format, workers=1)
    parallel = digest_files([path], log_format=log_format, workers=2)
    assert calls == [2]
    assert snapshot(parallel) == snapshot(serial)
    assert counts(parallel) == {tid: 20 * n for tid, n in EXPECTED_COUNTS.items()}


@pytest.mark.parametrize("name", ["trace", "sqlx-json"])
def test_a_gzip_log_is_read_by_workers_and_named_as_itself(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A gzip file is decompressed to a temporary copy that workers read in byte ranges
    (one process took 5.0 s on Torc's log, two 3.1 s); every sample and source is named
    as the gzip file, and the digest is the one a single process makes."""
    log_format, render = VARIANTS[name]
    path = write(tmp_path / "log.gz", render(WORKLOAD) * 20, compress=True)
    calls = _split_small_logs(monkeypatch)
    serial = digest_files([path], log_format=log_format, workers=1)
    parallel = digest_files([path], log_format=log_format, workers=2)
    assert calls == [2]
    assert snapshot(parallel) == snapshot(serial)
    assert list(parallel.sources) == [str(path)]


def test_a_gzip_log_too_small_for_workers_is_read_from_its_copy_by_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Decompressed, its content is under PARALLEL_MIN_BYTES: the copy is read here, the
    digest the same as the stream's, and named as the gzip file."""
    path = write(tmp_path / "small.log.gz", render_trace(WORKLOAD) * 5, compress=True)
    monkeypatch.setattr(advisor.digest.digest, "GZIP_SPLIT_MIN_BYTES", 0)
    calls = spy_parallel(monkeypatch)
    serial = digest_files([path], workers=1)
    copied = digest_files([path], workers=2)
    assert calls == []
    assert snapshot(copied) == snapshot(serial) and list(copied.sources) == [str(path)]


def test_a_truncated_gzip_log_is_read_as_a_stream_by_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the gzip stream breaks off, it is read again as a stream: every whole line
    before the break, and the break reported where it is."""
    text = render_trace(WORKLOAD) * 20
    packed = gzip.compress(text.encode())
    path = write(tmp_path / "cut.log.gz", packed[:2 * len(packed) // 3])
    calls = _split_small_logs(monkeypatch)
    serial = digest_files([path], workers=1)
    parallel = digest_files([path], workers=2)
    assert calls == []
    assert serial.unreadable == 1 and snapshot(parallel) == snapshot(serial)


@pytest.mark.parametrize("limit", ["KEY_CACHE_LIMIT", "TEXT_CACHE_LIMIT", "TEXT_CACHE_BYTES"])
def test_a_full_key_cache_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          limit: str) -> None:
    """The key cache and the remembered statements are cleared when full (bounded
    memory), and long statements are not remembered; only speed may suffer."""
    path = write(tmp_path / "log", render_trace(WORKLOAD))
    roomy = digest_files([path])
    monkeypatch.setattr(advisor.digest.digest, limit, 2)
    cramped = digest_files([path])
    assert snapshot(cramped) == snapshot(roomy)
    assert counts(cramped) == EXPECTED_COUNTS
