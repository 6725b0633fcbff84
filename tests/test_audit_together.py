"""The audit's drop list measured as a whole (advisor/review/audit/together.py): every
listed index dropped at once, and what to put back when that is slower."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

from conftest import command_json

from advisor.replay.measure import ANALYZED, AS_FOUND
from advisor.report import audit_report
from advisor.review.audit.replay import SAVES, StateMeasure, TemplateMeasure
from advisor.review.audit.together import Attempt, culprit


def build(folder: Path, indexes: str, log: list[str]) -> tuple[Path, Path]:
    """20,000 rows of t(a, b, c): a has 10 values (2,000 rows each), b and c are random;
    analysed, so the statistics are fresh and one state is measured."""
    path = folder / "app.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, c INTEGER, "
               "payload TEXT)")
    rng = random.Random(1)
    db.executemany("INSERT INTO t (a, b, c, payload) VALUES (?, ?, ?, ?)",
                   [(i % 10, rng.randrange(1 << 30), rng.randrange(1 << 30), "x" * 40)
                    for i in range(20_000)])
    db.executescript(indexes)
    db.execute("ANALYZE")
    db.commit()
    db.close()
    written = folder / "app.log"
    written.write_text("\n".join(log) + "\n")
    return path, written


INSERTS = [f"INSERT INTO t (a, b, c, payload) VALUES ({i}, {i}, {i}, 'y')" for i in range(5)]


def by_index(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["index"]: entry for entry in entries}


def test_a_drop_list_fine_together_is_measured_and_not_warned_about(tmp_path: Path) -> None:
    """t(b) and t(c) serve nothing but the inserts' upkeep: dropped together, the inserts
    get faster and nothing else changes. t(a) serves the reads (a seek against a scan of
    20,000 rows) and stays."""
    path, log = build(tmp_path, "CREATE INDEX t_a ON t (a); CREATE INDEX t_b ON t (b); "
                                "CREATE INDEX t_c ON t (c);",
                      [*(f"SELECT count(payload) FROM t WHERE a = {i}" for i in range(10)),
                       *INSERTS])
    document = command_json("audit", "--db", str(path), str(log), "--repetitions", "1")
    assert sorted(d["index"] for d in document["drops"]) == ["t_b", "t_c"]
    together = document["drops_together"]
    assert together["indexes"] == ["t_b", "t_c"]
    assert [s["statistics"] for s in together["states"]] == document["measured_states"]
    (state,) = together["states"]
    insert = next(t for t in state["templates"] if t["kind"] == "write")
    assert set(state["served"]) == {insert["template"]}  # no read uses t(b) or t(c)
    assert state["effect"] != SAVES and state["write_seconds_saved"] > 0
    assert state["read_seconds_saved"] == 0 and state["band_seconds"] > 0
    assert not together["slower"] and together["warning"] is None
    assert together["put_back"] == [] and together["slower_templates"] == []
    assert together["safe_subset"] == ["t_b", "t_c"] and together["safe"]
    assert not any(d["put_back"] for d in document["drops"])
    assert not any(v["put_back"] for v in document["verdicts"])
    text = audit_report.render_text(document)
    assert "Together (the 2 listed dropped at once" in text and "WARNING" not in text
    sql = audit_report.render_sql(document)
    assert 'DROP INDEX IF EXISTS "t_b";' in sql.splitlines()
    assert 'DROP INDEX IF EXISTS "t_c";' in sql.splitlines()


def test_two_indexes_that_stand_in_for_each_other_are_not_both_dropped(
        tmp_path: Path) -> None:
    """t(a) twice, and t(a, b). The reads page through one value of a in rowid order:
    either t(a) serves them without a sort (an index's entries for one key are in rowid
    order), t(a, b) cannot (its are in b order). SQLite uses one twin, so the other is
    unused; the one used is a prefix of t(a, b) and, measured alone, its twin stands in:
    its drop is within noise (redundant) or saves the inserts' upkeep (harmful). Both go
    on the drop list; dropped together, the reads sort 2,000 rows each."""
    pages = [f"SELECT id, payload FROM t WHERE a = {i} ORDER BY id LIMIT 5" for i in range(10)]
    path, log = build(tmp_path, "CREATE INDEX t_a ON t (a); CREATE INDEX t_a_again ON t (a); "
                                "CREATE INDEX t_ab ON t (a, b);",
                      [*pages, *(f"SELECT payload FROM t WHERE a = {i} AND b = {i * 7}"
                                 for i in range(5)), *INSERTS])
    document = command_json("audit", "--db", str(path), str(log), "--repetitions", "1")
    used = {i["name"]: i["used_by"] for i in document["indexes"]}
    (twin_used,) = [name for name in ("t_a", "t_a_again") if used[name]]
    (twin_unused,) = [name for name in ("t_a", "t_a_again") if not used[name]]
    (page,) = used[twin_used]
    drops = by_index(document["drops"])
    assert set(drops) == {"t_a", "t_a_again"}  # what the finders list, each measured alone
    verdicts = by_index(document["verdicts"])
    assert all(s["effect"] != SAVES for s in verdicts[twin_used]["states"])
    assert verdicts["t_ab"]["verdict"] == "keep"

    together = document["drops_together"]
    assert together["indexes"] == ["t_a", "t_a_again"]
    assert together["slower"] and together["states"][0]["effect"] == SAVES
    (slowed,) = together["slower_templates"]
    assert slowed["template"] == page and slowed["statistics"] == AS_FOUND
    assert slowed["seconds_without"] > slowed["seconds_with"]
    assert "USE TEMP B-TREE FOR ORDER BY" in slowed["plan_without"]
    assert together["warning"].startswith("dropped together, the 2 listed indexes make the "
                                          "workload slower beyond noise")
    assert page in together["warning"] and twin_used in together["warning"]
    # The twin the reads use is put back; the other alone serves only the inserts.
    (back,) = together["put_back"]
    assert back["index"] == twin_used and back["templates"] == [page]
    assert back["seconds_slower"] > 0
    assert back["dropped_after"] == [twin_unused] and not back["slower_after"]
    assert together["safe_subset"] == [twin_unused] and together["safe"]
    assert drops[twin_used]["put_back"] and not drops[twin_unused]["put_back"]
    assert verdicts[twin_used]["put_back"]

    text = audit_report.render_text(document)
    verdict_part, drop_part = text.split("Drop list:")[0], text.split("Drop list:")[1]
    assert f"WARNING: {together['warning']}" in verdict_part
    assert f"WARNING: {together['warning']}" in drop_part
    assert f"- put back {twin_used}: it serves {page}" in drop_part
    assert "**WARNING:**" in audit_report.render_text(document, markdown=True)
    lines = audit_report.render_sql(document).splitlines()
    assert f'DROP INDEX IF EXISTS "{twin_unused}";' in lines
    assert f'-- DROP INDEX IF EXISTS "{twin_used}";' in lines
    assert f'DROP INDEX IF EXISTS "{twin_used}";' not in lines


def test_nothing_replayed_nothing_measured_as_a_whole(tmp_path: Path) -> None:
    path, log = build(tmp_path, "CREATE INDEX t_a ON t (a); CREATE INDEX t_b ON t (b);",
                      [*(f"SELECT count(payload) FROM t WHERE a = {i}" for i in range(3)),
                       *INSERTS])
    estimated = command_json("audit", "--db", str(path), str(log), "--no-replay")
    assert [d["index"] for d in estimated["drops"]] == ["t_b"]
    assert estimated["drops_together"] is None
    assert not any("as a whole" in note for note in estimated["notes"])
    # Replays asked for, but none made: said so.
    none = command_json("audit", "--db", str(path), str(log), "--max-replays", "0")
    assert none["drops_together"] is None and none["replayed"] == []
    assert "the drop list was not measured as a whole: nothing it serves was replayed" \
        in none["notes"]


def _template(tid: str, saved: float, band: float) -> TemplateMeasure:
    # saved = count x (with - without): negative, the template is slower once dropped.
    return TemplateMeasure(tid, "read", 1, 1.0, 1.0 - saved, band, "", "")


def _state(statistics: str, *templates: TemplateMeasure, band: float = 0.2) -> StateMeasure:
    # The band of a sum is less than the sum of the bands (jitter adds in quadrature).
    return StateMeasure(statistics, tuple(t.template_id for t in templates), templates, (),
                        sum(t.saved for t in templates), 0.0, band)


def test_the_index_serving_the_most_slowed_time_is_put_back_first() -> None:
    """Over both states: x serves 3 s of slowdown (q1 as found), y 2 + 2 s (q2 in both);
    q3 got slower within its band, so it does not count."""
    attempt = Attempt(("x", "y"), (
        _state(AS_FOUND, _template("q1", -3.0, 0.1), _template("q2", -2.0, 0.1),
               _template("q3", -0.05, 0.1)),
        _state(ANALYZED, _template("q2", -2.0, 0.1))))
    assert attempt.slower
    served = {"x": (("q1", "q3"), ("q1",)), "y": (("q2",), ("q2",))}
    assert culprit(attempt, served) == ("y", 4.0, ("q2",))
    # Slower as a sum, no template beyond its own band: every slower one counts.
    spread = Attempt(("x", "y"), (_state(AS_FOUND, *(_template(f"q{i}", -0.08, 0.1)
                                                    for i in range(4))),))
    assert spread.slower and not spread.slowed
    served = {"x": (("q0",),), "y": (("q1", "q2", "q3"),)}
    name, seconds, templates = culprit(spread, served)
    assert (name, templates) == ("y", ("q1", "q2", "q3")) and round(seconds, 6) == 0.24


def test_a_drop_list_of_one_index_is_its_drop_one_not_timed_again(tmp_path: Path) -> None:
    """Dropping the one listed index alone is what its drop-one measured, on the same
    templates and copies: the whole list's figures are those, not a second timing."""
    path, log = build(tmp_path, "CREATE INDEX t_a ON t (a); CREATE INDEX t_b ON t (b);",
                      [*(f"SELECT count(payload) FROM t WHERE a = {i}" for i in range(10)),
                       *INSERTS])
    document = command_json("audit", "--db", str(path), str(log), "--repetitions", "1")
    assert [d["index"] for d in document["drops"]] == ["t_b"]
    [verdict] = [v for v in document["verdicts"] if v["index"] == "t_b"]
    assert document["drops_together"]["states"] == verdict["states"]
