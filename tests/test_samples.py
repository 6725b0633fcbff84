"""Which statements a template keeps as samples: replay prices the template by them."""

from __future__ import annotations

from pathlib import Path

from logs import digest_files

from advisor.digest.digest import SAMPLES_PER_TEMPLATE


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


def test_a_template_of_one_size_keeps_its_first_statements(tmp_path: Path) -> None:
    lines = [f"SELECT * FROM job WHERE id = {i}" for i in range(50)]
    lines += [f"INSERT INTO job(id) VALUES ({1000 + i})" for i in range(50)]
    for stats in _digest(tmp_path, lines).templates.values():
        assert [s.line for s in stats.samples] == [stats.samples[0].line + k for k in range(3)]
