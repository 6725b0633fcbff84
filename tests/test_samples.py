"""Which statements a template keeps as samples: replay prices the template by them."""

from __future__ import annotations

from pathlib import Path

from logs import digest_files

from advisor.digest.digest import SAMPLES_PER_TEMPLATE
from advisor.digest.samples import KEPT


def _digest(tmp_path: Path, lines: list[str]):
    path = tmp_path / "workload.log"
    path.write_text("".join(line + "\n" for line in lines))
    return digest_files([path], log_format="sql", workers=1)


def _rows(sql: str) -> int:
    return sql.count("),") + 1


def test_a_template_of_many_sizes_is_sampled_across_them(tmp_path: Path) -> None:
    """An IoT trial's readings insert: most statements one row, over a third 2 to 8
    rows, the batches after the first single ones. The first three statements were
    all one-row, and replay priced the template's upkeep at under half of what its
    statements carry; samples at the size quantiles carry about their mean."""
    lines = []
    for i in range(600):
        rows = 1 if i < 30 or i % 3 else 2 + i % 7
        lines.append("INSERT INTO readings(sensor_id, ts, value) VALUES "
                     + ", ".join(f"({i}, {i * 10 + r}, {r}.5)" for r in range(rows)))
    [stats] = _digest(tmp_path, lines).templates.values()
    assert stats.template.varies_in_size
    picked = [_rows(s.sql) for s in stats.samples]
    first = [_rows(line) for line in lines[:SAMPLES_PER_TEMPLATE]]
    mean = sum(_rows(line) for line in lines) / len(lines)
    assert len(picked) == SAMPLES_PER_TEMPLATE and picked == sorted(picked)
    assert abs(sum(picked) / len(picked) - mean) < abs(sum(first) / len(first) - mean)
    assert max(picked) > 1
    assert sum(shape.count for shape in stats.shapes.values()) == stats.count == 600


def test_in_lists_of_every_length_are_sampled_across_them(tmp_path: Path) -> None:
    lines = [f"SELECT * FROM job WHERE id IN ({', '.join(str(k) for k in range(1 + i % 40))})"
             for i in range(200)]
    [stats] = _digest(tmp_path, lines).templates.values()
    lengths = [s.sql.count(",") + 1 for s in stats.samples]
    assert lengths == sorted(lengths) and lengths[0] < 10 and lengths[-1] > 25


def test_a_short_list_in_a_long_statement_is_a_size_of_its_own(tmp_path: Path) -> None:
    """Torc's "is a job of the workflow not finished?" asks with two statuses early in
    the log and four later: a statement's length hardly tells them apart."""
    lines = [f"SELECT 1 AS found FROM job WHERE workflow_id = {w} AND status NOT IN (0, 9) "
             f"LIMIT 1" for w in range(90)]
    lines += [f"SELECT 1 AS found FROM job WHERE workflow_id = {w} AND status NOT IN "
              f"(4, 2, 3, 9) LIMIT 1" for w in range(30)]
    [stats] = _digest(tmp_path, lines).templates.values()
    assert sorted(s.sql.count(",") for s in stats.samples) == [1, 1, 3]


def test_samples_run_as_the_log_ran_not_as_it_began(tmp_path: Path) -> None:
    """Torc's completion check: its first statements asked about two small workflows,
    then 81% of its runs asked about the focus workflow. Kept by weight, most samples
    ask about the focus workflow; the first three asked about it in none."""
    check = "SELECT 1 AS found FROM job WHERE workflow_id = {} AND status <> 4 LIMIT 1"
    lines = [check.format(36 + k % 2) for k in range(40)]
    lines += [check.format(40 if k % 10 < 8 else 38 + k % 2) for k in range(400)]
    [stats] = _digest(tmp_path, lines).templates.values()
    focus = [s for s in stats.samples if "workflow_id = 40 " in s.sql]
    assert len(stats.samples) == SAMPLES_PER_TEMPLATE and len(focus) >= 2
    assert not any("workflow_id = 40 " in line for line in lines[:SAMPLES_PER_TEMPLATE])
    # Every distinct statement is kept with how often it ran, and where it first ran.
    runs = {k.sample.sql: (k.count, k.sample.line) for k in stats.kept}
    assert runs[check.format(40)] == (320, 41)
    assert sum(count for count, _ in runs.values()) == stats.count == 440


def test_of_many_distinct_statements_a_fixed_number_is_kept_and_the_same_each_time(
        tmp_path: Path) -> None:
    """Each statement distinct: KEPT of them, chosen by a key that is the same in every
    run and process, so the samples are too."""
    lines = [f"SELECT * FROM job WHERE id = {i}" for i in range(500)]
    first = _digest(tmp_path, lines)
    [stats] = first.templates.values()
    assert len(stats.kept) == KEPT and all(k.count == 1 for k in stats.kept)
    assert [k.key for k in stats.kept] == sorted(k.key for k in stats.kept)
    assert max(s.line for s in stats.samples) > SAMPLES_PER_TEMPLATE  # not the first ones
    [again] = _digest(tmp_path, lines).templates.values()
    assert again.samples == stats.samples and again.kept == stats.kept
