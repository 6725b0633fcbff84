"""Which schema and profile a database is synthesised from: the options, else the files
next to the log; one lookup for replay, compare and capacity."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.analysis.workload import require_synthesis_inputs, synthesis_inputs
from advisor.model.errors import InputError
from advisor.replay.measure import replay_database
from advisor.review.capacity import NEEDS_SYNTHESIS


@pytest.fixture
def log(tmp_path: Path) -> str:
    (tmp_path / "app.log").write_text("SELECT 1;\n")
    return str(tmp_path / "app.log")


def test_the_files_next_to_the_log(log: str) -> None:
    folder = Path(log).parent
    assert synthesis_inputs([log], None, None) is None
    (folder / "schema.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    assert synthesis_inputs([log], None, None) is None  # a schema alone is not enough
    (folder / "profile.toml").write_text("[profile]\nname = \"p\"\n[tables.t]\nrows = 1\n")
    expected = (folder / "schema.sql", folder / "profile.toml")
    assert synthesis_inputs(["-", log], None, None) == expected  # stdin has no folder
    assert require_synthesis_inputs([log], None, None, NEEDS_SYNTHESIS) == expected


def test_options_win_over_the_files_next_to_the_log(log: str, tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("")
    (tmp_path / "profile.toml").write_text("")
    assert synthesis_inputs([log], "other.sql", None) == (Path("other.sql"),
                                                          tmp_path / "profile.toml")
    assert synthesis_inputs([log], None, "p.toml") == (tmp_path / "schema.sql", Path("p.toml"))


def test_missing_inputs_say_who_needs_them_and_how_to_give_them(log: str) -> None:
    with pytest.raises(InputError) as capacity:
        require_synthesis_inputs([log], None, None, NEEDS_SYNTHESIS)
    assert str(capacity.value) == (
        "capacity synthesises a database per scale: give --schema and --profile (or put "
        "schema.sql and profile.toml next to the log)")
    # Given the schema, only the profile is asked for (a trial was told to give --schema).
    schema = Path(log).parent / "given.sql"
    schema.write_text("CREATE TABLE t (a INT);\n")
    with pytest.raises(InputError) as no_profile:
        require_synthesis_inputs([log], str(schema), None, NEEDS_SYNTHESIS)
    assert str(no_profile.value) == (
        "capacity synthesises a database per scale: give --profile (or put profile.toml "
        "next to the log)")
    with pytest.raises(InputError) as replay:
        replay_database([log], None, None, None, 1.0)
    assert str(replay.value).startswith("replay needs --db app.db or a database synthesised "
                                        "from a schema and a profile: give --schema")
    assert replay_database([log], "given.db", None, None, 1.0) == (Path("given.db"), "given.db")
