"""The compare verdict: fewest indexes within 5% of the best; plan-twins scored together."""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
from pathlib import Path

import pytest
from conftest import command_json, run_command

from advisor.catalog.index_lists import load_index_changes, load_index_list
from advisor.catalog.schema import catalog_from_database
from advisor.model.indexes import IndexSpecError, parse_index
from advisor.replay.measure import ANALYZED, AS_FOUND, Measurement
from advisor.replay.sandbox import Tally, TemplateTiming
from advisor.review.compare import Compared, Comparison, _verdict, state_flips

SCAN = "SCAN job"
SEEK = "SEARCH job USING INDEX advisor_job_workflow_id (workflow_id=?)"


def measured(label: str, seconds: float, plan: str, state: str = AS_FOUND,
             template_seconds: float | None = None) -> Measurement:
    timing = TemplateTiming("t1", "read", template_seconds or seconds, 3)
    return Measurement(label, (), 0.0, 0, (timing,), seconds, 0.0, (), Tally().frozen(), state,
                       None, {"t1": plan})


def configuration(label: str, indexes: int, *measurements: Measurement) -> Compared:
    specs = tuple(parse_index(f"job(c{i})") for i in range(indexes))
    return Compared(label, specs, 0.0, 0.0, 0.0, 0, {"t1": 0.0}, measurements)


def test_the_fewest_indexes_within_five_percent_wins() -> None:
    compared = [configuration("none", 0, measured("none", 10.0, SCAN)),
                configuration("one", 1, measured("one", 1.00, SEEK)),
                configuration("two", 2, measured("two", 0.97, SEEK + "; x"))]
    best, text = _verdict(compared, AS_FOUND)
    assert best == "one"
    assert "90% less measured time than none" in text and "than two" in text


def test_plan_twins_are_scored_by_their_median_and_named() -> None:
    # "noisy" got the baseline's plan: its lucky 8 s is noise, not a saving.
    compared = [configuration("none", 0, measured("none", 10.0, SCAN)),
                configuration("noisy", 1, measured("noisy", 8.0, SCAN)),
                configuration("seek", 1, measured("seek", 8.3, SEEK))]
    best, text = _verdict(compared, AS_FOUND)
    assert best == "seek"
    best, text = _verdict(compared[:2], AS_FOUND)
    assert best == "none" and "same plans with noisy" in text


def test_a_state_flip_is_reported() -> None:
    compared = [
        configuration("none", 0, measured("none", 1.0, SCAN),
                      measured("none", 1.0, SCAN, ANALYZED)),
        configuration("idx", 1, measured("idx", 2.0, SEEK),
                      measured("idx", 0.5, SEEK, ANALYZED)),
    ]
    flips = state_flips(Comparison(tuple(compared), "", "", {}))
    assert [(f.template_id, f.configuration) for f in flips] == [("t1", "idx")]
    assert flips[0].ratios == {AS_FOUND: 2.0, ANALYZED: 0.5}


def test_plan_groups_letter_the_configurations_by_their_plans() -> None:
    from advisor.review.compare import plan_groups

    compared = [configuration("none", 0, measured("none", 10.0, SCAN)),
                configuration("twin", 1, measured("twin", 8.0, SCAN)),
                configuration("seek", 1, measured("seek", 1.0, SEEK))]
    assert plan_groups(compared, AS_FOUND) == {"none": "A", "twin": "A", "seek": "B"}


# --- configuration files that drop the database's own indexes -----------------------


@pytest.fixture
def indexed_db(tmp_path: Path) -> tuple[Path, Path]:
    """A database with two indexes of its own, and a log that uses both."""
    database = tmp_path / "app.db"
    db = sqlite3.connect(database)
    db.executescript(
        "CREATE TABLE reading (id INTEGER PRIMARY KEY, sensor INT, ts INT, value REAL);"
        "CREATE TABLE alert (id INTEGER PRIMARY KEY, state TEXT, raised INT);"
        "CREATE INDEX idx_reading_sensor ON reading(sensor);"
        'CREATE INDEX "idx alert state" ON alert(state);')
    db.executemany("INSERT INTO reading (sensor, ts, value) VALUES (?, ?, ?)",
                   [(i % 50, i, i * 0.5) for i in range(4000)])
    db.executemany("INSERT INTO alert (state, raised) VALUES (?, ?)",
                   [(("open", "closed", "acked")[i % 3], i) for i in range(600)])
    db.commit()
    db.close()
    log = tmp_path / "workload.log"
    log.write_text("\n".join(
        [f"SELECT ts, value FROM reading WHERE sensor = {i % 50} ORDER BY ts DESC LIMIT 5"
         for i in range(30)]
        + [f"SELECT count(*) FROM alert WHERE state = '{s}'" for s in ("open", "acked")] * 5)
        + "\n")
    return database, log


def test_a_file_drops_indexes_as_sqlite_reads_it(indexed_db: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    database, _ = indexed_db
    catalog = catalog_from_database(database)
    changes = tmp_path / "changes.sql"
    changes.write_text(
        'CREATE INDEX "new_one" ON "reading" ("sensor", "ts");\n'
        'DROP INDEX IF EXISTS "idx alert state";\n'
        "drop index idx_reading_sensor;\n"
        "DROP INDEX IF EXISTS not_there;\n"
        "-- rollback, commented out as recommend --format sql writes it\n"
        "-- DROP INDEX IF EXISTS \"new_one\";\n"
        "-- CREATE INDEX idx_alert_state ON alert(state);\n")
    read = load_index_changes(str(changes), catalog)
    assert [str(s) for s in read.creates] == ["reading(sensor, ts)"]
    assert read.drops == ("idx_reading_sensor", "idx alert state")
    assert load_index_list(str(changes), catalog) == list(read.creates)
    # Dropped and created anew, changed: both a drop and a create.
    changes.write_text("DROP INDEX idx_reading_sensor;\n"
                       "CREATE INDEX idx_reading_sensor ON reading(sensor, ts);\n")
    read = load_index_changes(str(changes), catalog)
    assert read == (tuple(read.creates), ("idx_reading_sensor",))
    assert [str(s) for s in read.creates] == ["reading(sensor, ts)"]
    # A file of drops alone is a configuration too.
    changes.write_text('DROP INDEX "idx alert state";\n')
    assert load_index_changes(str(changes), catalog) == ((), ("idx alert state",))


def test_a_files_index_advisor_cannot_write_back_is_refused_and_the_rest_are_read(
        indexed_db: tuple[Path, Path], tmp_path: Path) -> None:
    """An IndexSpec holds columns, expressions as advisor writes them and keys in another
    collation: read as one, ifnull(state, '') became alert("<expression -2>") (sqlglot
    writes ifnull as coalesce, which SQLite does not match to a query's ifnull), and the
    comparison measured another index than the file's without a word. Refused, naming
    the index and why; lower(state) and state COLLATE NOCASE are read as they are."""
    database, log = indexed_db
    changes = tmp_path / "changes.sql"
    changes.write_text("CREATE INDEX by_state ON alert(ifnull(state, ''));\n")
    with pytest.raises(IndexSpecError, match=r"index by_state has an expression: advisor "
                                             r"weighs"):
        load_index_changes(str(changes), catalog_from_database(database))
    code, _, err = run_command("compare", str(log), "--db", str(database), "--estimate-only",
                               "-c", "none", "-c", str(changes))
    assert code == 1 and "index by_state has" in err and "Traceback" not in err
    for create, read in (("alert(state COLLATE BINARY)", "alert(state)"),
                         ("alert(LOWER(state))", "alert(lower(state))"),
                         ("alert(state COLLATE nocase)", "alert(state COLLATE NOCASE)"),
                         ("alert(raised, state COLLATE NOCASE DESC)",
                          "alert(raised, state COLLATE NOCASE DESC)")):
        changes.write_text(f"CREATE INDEX by_state ON {create};\n")
        assert load_index_list(str(changes), catalog_from_database(database)) == [
            parse_index(read)]


def test_compare_applies_a_files_drops(indexed_db: tuple[Path, Path], tmp_path: Path) -> None:
    database, log = indexed_db
    before = hashlib.sha1(database.read_bytes()).hexdigest()
    drops = tmp_path / "drops.sql"
    drops.write_text('-- advisor recommend --allow-drops\n'
                     'CREATE INDEX "fresh" ON "reading" ("sensor", "ts", "value");\n'
                     'DROP INDEX IF EXISTS "idx_reading_sensor";\n'
                     '-- rollback\n-- CREATE INDEX idx_reading_sensor ON reading(sensor);\n')
    args = [str(log), "--db", str(database), "--repetitions", "1", "--stats", "as-found",
            "-c", "none", "-c", f"drops={drops}"]
    document = command_json("compare", *args)
    none, dropping = document["configurations"]
    assert none["drops"] == [] and dropping["drops"] == ["idx_reading_sensor"]
    assert dropping["indexes"] == ["reading(sensor, ts, value)"]
    # On the copy the file's drop was applied: no plan uses the dropped index there.
    plans = [t["plans"]["as found"] for t in document["templates"]]
    assert any("idx_reading_sensor" in p["none"] for p in plans)
    assert not any("idx_reading_sensor" in p["drops"] for p in plans)
    code, text, _ = run_command("compare", *args)
    assert code == 0 and "drops idx_reading_sensor" in text
    # The estimate plans without it too: drop the only index alert's lookup has.
    only_drop = tmp_path / "only_drop.sql"
    only_drop.write_text('DROP INDEX "idx alert state";\n')
    estimated = command_json("compare", str(log), "--db", str(database), "--estimate-only",
                             "-c", "none", "-c", f"bare={only_drop}")
    none, bare = estimated["configurations"]
    assert bare["drops"] == ["idx alert state"]
    assert bare["estimated_read"] > none["estimated_read"]
    # A drop of an index the database lacks: one line naming it, exit 1.
    missing = tmp_path / "missing.sql"
    missing.write_text("DROP INDEX idx_nowhere;\n")
    code, _, err = run_command("compare", str(log), "--db", str(database), "--estimate-only",
                               "-c", "none", "-c", str(missing))
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "drops idx_nowhere, an index the database does not have" in err
    assert hashlib.sha1(database.read_bytes()).hexdigest() == before


def test_compare_shows_the_templates_asked_for(indexed_db: tuple[Path, Path],
                                              tmp_path: Path) -> None:
    """--top N: the N costliest templates without an index; JSON and --template: every
    one (fifteen templates named were cut to ten, without a word)."""
    database, _ = indexed_db
    log = tmp_path / "many.log"
    columns = ("id", "sensor", "ts", "value")
    log.write_text("".join(
        f"SELECT {', '.join(chosen)} FROM reading WHERE sensor = {k}\n"
        for n in range(1, 5) for chosen in itertools.combinations(columns, n)
        for k in range(3)))
    args = [str(log), "--db", str(database), "--estimate-only", "-c", "none",
            "-c", "reading(sensor, ts)"]
    every = command_json("compare", *args)["templates"]
    assert len(every) == 15
    [costliest] = command_json("compare", *args, "--top", "1")["templates"]
    assert costliest["estimated"]["none"] == max(t["estimated"]["none"] for t in every)
    named = [arg for t in every for arg in ("--template", t["id"])]
    code, text, _ = run_command("compare", *args, *named)
    assert code == 0 and all(t["id"] in text for t in every)
    code, text, _ = run_command("compare", *args)
    assert code == 0 and sum(t["id"] in text for t in every) == 10  # the default
