"""The check in log order: which moves it replays, which it takes, and the paired,
winsorized comparison of copies that replayed the same log."""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

from conftest import command_json

from advisor.advise import in_order
from advisor.advise.earning import Earned
from advisor.advise.in_order import ADD, DROP, InOrderCheck, Move, Pass, check_in_order
from advisor.advise.recommend import _earned_in_order, _in_order_note
from advisor.model.indexes import IndexSpec, parse_index
from advisor.replay.noise import Difference
from advisor.replay.paired import StatementTimes, paired_seconds

A, B, C, D = (parse_index(f"t({name})") for name in "abcd")


class FakeLog:
    """The log in order under each set: its seconds (2 s for a set not given), plus a
    stall on the first copy of the ``stalled``-th replay; remembers what it was asked."""

    def __init__(self, seconds: dict[frozenset[IndexSpec], float], stalled: int = -1,
                 stall: float = 0.0) -> None:
        self.seconds, self.stalled, self.stall = seconds, stalled, stall
        self.asked: list[list[frozenset[IndexSpec]]] = []

    def __call__(self, configs: Sequence[frozenset[IndexSpec]]) -> list[float]:
        self.asked.append(list(configs))
        out = [self.seconds.get(config, 2.0) for config in configs]
        if len(self.asked) - 1 == self.stalled:
            out[0] += self.stall
        return out


def predicted(config: frozenset[IndexSpec]) -> float:
    return 0.1


def test_a_move_faster_in_order_beyond_noise_is_confirmed_then_taken() -> None:
    log = FakeLog({frozenset({A}): 1.0, frozenset({A, B}): 0.8, frozenset({A, C}): 1.01,
                   frozenset(): 1.5, frozenset({A, B, C}): 0.81, frozenset({B}): 1.2})
    final, check = check_in_order(frozenset({A}), [B, C], [A], predicted, log,
                                  lambda _config: True)
    assert final == frozenset({A, B})
    assert [(m.kind, m.spec) for m in check.taken] == [(ADD, B)]
    search, confirm = check.passes  # from the new set, every move left was tried: done
    assert [(m.kind, m.spec) for m in search.moves] == [(ADD, B), (DROP, A), (ADD, C)]
    assert search.taken is not None and search.taken.spec == B
    assert log.asked[1] == [frozenset({A, B}), frozenset({A, B}), frozenset({A})]
    assert confirm.confirmed and confirm.confirms == search.taken and not check.skipped


def test_a_move_within_the_twins_noise_is_not_replayed_again() -> None:
    """The set's twin came out 0.1 s apart: three times that is the band, and a move
    0.2 s faster is within it."""
    log = FakeLog({frozenset({A}): 1.0, frozenset({A, B}): 0.8}, stalled=0, stall=0.1)
    final, check = check_in_order(frozenset({A}), [B], [], predicted, log,
                                  lambda _config: True)
    assert final == frozenset({A}) and check.taken == () and len(log.asked) == 1
    assert abs(check.passes[0].band - 0.3) < 1e-9


def test_a_move_its_confirmation_does_not_repeat_is_not_taken() -> None:
    """The search found B 0.2 s faster; replayed again, the set with B is no faster than
    the set before it."""
    replays = iter([[1.0, 1.0, 0.8], [1.0, 1.0, 1.0]])

    def log(configs: Sequence[frozenset[IndexSpec]]) -> list[float]:
        return next(replays)

    final, check = check_in_order(frozenset({A}), [B], [], predicted, log,
                                  lambda _config: True)
    assert final == frozenset({A}) and check.taken == ()
    search, confirm = check.passes
    assert search.taken is not None and not confirm.confirmed


def test_moves_outside_the_budget_the_users_limits_or_far_costlier_are_not_replayed() -> None:
    log = FakeLog({frozenset({A, B}): 1.0, frozenset({A, B, C}): 0.5, frozenset({B}): 0.9,
                   frozenset({A}): 1.0})

    def cost(config: frozenset[IndexSpec]) -> float:
        return 10.0 if config == frozenset({B}) else 0.1  # without A: a scan, 100x

    final, check = check_in_order(frozenset({A, B}), [C, D], [A, B], cost, log,
                                  lambda config: D not in config)
    tried = {(m.kind, m.spec) for m in check.passes[0].moves}
    assert tried == {(ADD, C), (DROP, B)}  # D over the user's limits; dropping A 100x
    assert final == frozenset({A, B, C})
    skipped = FakeLog({})
    final, check = check_in_order(frozenset({A}), [B], [A], lambda _c: 2.0, skipped,
                                  lambda _config: True, budget=6.0)
    assert final == frozenset({A}) and skipped.asked == [] and check.passes == ()
    assert "exceed the budget of 6 s" in check.skipped


def test_a_lone_stall_is_cut_and_a_shift_of_every_statement_kept() -> None:
    times = StatementTimes(["t"] * 40 + ["u"] * 3)
    base = [0.001] * 43
    stalled = list(base)
    stalled[7] = 0.011  # one statement of one copy: 10 ms
    shifted = [s + 0.0005 for s in base[:40]] + base[40:]  # every t statement: +0.5 ms
    few = list(base)
    few[41] = 0.004  # u has too few statements to trim: kept as it is
    times.seconds = [array("d", s) for s in (base, stalled, shifted, few)]
    mine, stall, shift, kept = paired_seconds(times)
    assert abs(mine - 0.043) < 1e-12
    assert abs(stall - mine) < 1e-12
    assert abs(shift - mine - 40 * 0.0005) < 1e-12
    assert abs(kept - mine - 0.003) < 1e-12


def _shop(tmp_path: Path) -> tuple[Path, Path]:
    """A log of 60 lookups by b, and a database of 20,000 items it reads."""
    database = tmp_path / "shop.db"
    connection = sqlite3.connect(database)
    connection.executescript("CREATE TABLE item (id INTEGER PRIMARY KEY, b INT, name TEXT);")
    connection.executemany("INSERT INTO item (b, name) VALUES (?, ?)",
                           ((i % 5000, f"item {i}") for i in range(20_000)))
    connection.commit()
    connection.close()
    log = tmp_path / "shop.log"
    log.write_text("".join(f"SELECT name FROM item WHERE b = {k * 37 % 5000};\n"
                           for k in range(60)))
    return log, database


def test_recommend_checks_the_set_in_log_order_and_says_so(tmp_path: Path,
                                                            monkeypatch) -> None:
    """On a real database: the set, its twin and the moves replayed in log order. Dropping
    item(b) turns 60 seeks into scans, far costlier than the set, and a covering item(b,
    name) may measure no saving at all: with nothing to replay the check would be
    skipped, so here every move is replayed, however costly."""
    monkeypatch.setattr(in_order, "COSTLIER", float("inf"))
    log, database = _shop(tmp_path)
    document = command_json("recommend", str(log), "--db", str(database), "-q")
    check = document["measured"]["in_order"]
    assert check["skipped"] is None and check["passes"], check
    first = check["passes"][0]
    assert first["seconds"] > 0 and first["twin_seconds"] > 0
    drops = [m for m in first["moves"] if m["move"] == "drop"]
    assert drops and all(m["gain_seconds"] < 0 for m in drops)  # scans instead of seeks
    assert document["format_version"] == 7
    assert document["measured"]["time_budget"] == {"seconds": 60.0, "skipped": []}
    none = command_json("recommend", str(log), "--db", str(database), "-q",
                        "--in-order-budget", "0")
    assert none["measured"]["in_order"]["passes"] == []
    assert "not asked for" in none["measured"]["in_order"]["skipped"]


def test_with_no_time_left_the_check_is_skipped_and_the_set_still_verified(
        tmp_path: Path, monkeypatch) -> None:
    """A time budget spent before measuring begins: the first round and the verification
    run (the set is what they decide, every index with its drop-one), the check in log
    order does not, and the report says why."""
    monkeypatch.setattr(in_order, "COSTLIER", float("inf"))
    log, database = _shop(tmp_path)
    document = command_json("recommend", str(log), "--db", str(database), "-q",
                            "--time-budget", "0.001")
    measured = document["measured"]
    assert measured["time_budget"]["seconds"] == 0.001
    assert measured["in_order"]["passes"] == []
    assert "time budget" in measured["in_order"]["skipped"]
    # One search's round; the configuration it measured cheapest may follow as a set.
    assert [r["round"] for r in measured["rounds"] if r["kind"] == "search"] == [1]
    assert {r["kind"] for r in measured["rounds"]} <= {"search", "cheapest"}
    assert document["indexes"]
    assert all(index["measured_saving"] is not None for index in document["indexes"])


def test_the_budget_is_wall_time_scaled_to_what_the_replays_took() -> None:
    """The prior priced a copy at 0.8 s; the first replay took 5 s a copy, so after the
    move and its confirmation (reserved before the search began) no second search fits
    in the 30 s."""
    now = [0.0]

    def log(configs: Sequence[frozenset[IndexSpec]]) -> list[float]:
        now[0] += 5.0 * len(configs)
        return [0.8 if B in config else 1.0 for config in configs]

    final, check = check_in_order(frozenset({A}), [B, C], [], predicted, log,
                                  lambda _config: True, budget=30.0, clock=lambda: now[0])
    search, confirm = check.passes
    assert len(search.moves) == 2 and confirm.confirmed and final == frozenset({A, B})
    assert check.seconds == 35.0  # 4 copies, then the confirmation's 3


def test_the_noise_band_pools_every_replays_twins() -> None:
    """The confirmation's twins came out 0.04 s apart, the search's 0.001 s: three times
    that one draw (0.12 s) would reject a move both replays measured 0.1 s faster; three
    times the pooled gap (0.085 s) does not."""
    replays = iter([[1.0, 1.001, 0.9], [0.9, 0.94, 1.0], [0.9, 0.9, 1.0]])

    def log(configs: Sequence[frozenset[IndexSpec]]) -> list[float]:
        return next(replays)[:len(configs)]

    final, check = check_in_order(frozenset({A}), [B], [], predicted, log,
                                  lambda _config: True)
    _, confirm = check.passes
    assert abs(confirm.band - 3 * ((0.001 ** 2 + 0.04 ** 2) / 2) ** 0.5) < 1e-9
    assert confirm.confirmed and final == frozenset({A, B})


def test_additions_are_spread_over_tables() -> None:
    """The four most promising additions were one table's index in four column orders:
    two of a table are tried, then the next table's."""
    wide = [parse_index(f"t(a, {c})") for c in "bcde"]
    other = parse_index("u(x)")
    log = FakeLog({})
    check_in_order(frozenset({A}), [*wide, other], [], predicted, log, lambda _config: True)
    [replayed] = log.asked
    assert replayed[2:] == [frozenset({A, wide[0]}), frozenset({A, wide[1]}),
                            frozenset({A, other})]


def test_an_index_the_check_added_says_what_its_replays_measured() -> None:
    """Sampled, the index the check added may save nothing; its entry says why it is
    there: the log in order, twice."""
    confirm = Pass((A, B), 0.8, 0.81, 0.03, (Move(DROP, B, 1.0, -0.2),), None,
                   Move(ADD, B, 0.8, 0.2), True)
    check = InOrderCheck((confirm,), 30.0, 12.0)
    note = _in_order_note(B, SimpleNamespace(in_order=check))
    assert note is not None and "ran 0.2 s faster with it (0.8 s against 1 s" in note
    assert _in_order_note(A, SimpleNamespace(in_order=check)) is None
    assert _in_order_note(B, None) is None


def test_an_index_the_check_added_earned_its_place_by_its_confirmation() -> None:
    """The sampled drop-one had rejected B (0.006 s against a band of 0.007 s); the log in
    order, twice, kept it: its record is the confirmation's, the set before it (without
    it) against the set with it, beyond that replay's band. Reporting the stale record
    as the saving of a recommended index contradicted the recommendation."""
    stale = Earned(B, Difference(0.006, 0.0, 0.007, 1.0, 1.006), (), False)
    dropped = Earned(C, Difference(0.05, 0.0, 0.01, 1.0, 1.05), (), True)
    added = Pass((A, B), 0.8, 0.81, 0.03, (Move(DROP, B, 1.0, -0.2),), None,
                 Move(ADD, B, 0.8, 0.2), True)
    removed = Pass((A, B), 0.7, 0.7, 0.02, (Move(ADD, C, 0.8, -0.1),), None,
                   Move(DROP, C, 0.7, 0.1), True)
    check = InOrderCheck((added, removed), 30.0, 12.0)
    earned = {e.spec: e for e in _earned_in_order((stale, dropped), check,
                                                  frozenset({A, B}))}
    assert earned[B].kept and abs(earned[B].gain - 0.2) < 1e-12
    assert earned[B].saving.band == 0.03 and earned[B].gain > earned[B].saving.band
    assert not earned[C].kept


def test_the_checks_table_has_a_heading_over_every_column_and_noise_apart_from_savings(
        ) -> None:
    """The pass's twin and noise band sat under "saves" and an unnamed column, where they
    read as a saving (a newcomer's test on a chat workload)."""
    from advisor.report.recommend_report import _in_order_text

    move = {"move": "add", "index": "t(a)", "seconds": 1.0, "gain_seconds": 0.25}
    check = {"passes": [{"indexes": ["t(b)"], "seconds": 1.25, "twin_seconds": 1.26,
                         "noise_seconds": 0.04, "moves": [move], "taken": move,
                         "confirms": None, "confirmed": False}],
             "seconds": 3.0, "budget_seconds": 10.0, "skipped": None}
    lines = "\n".join(_in_order_text(check, "pipe", True)).splitlines()
    table = [line for line in lines if line.startswith("|")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    assert all(header) and all(len(row) == len(header) for row in rows)
    saves, noise = header.index("saves"), header.index("noise")
    assert rows[0][saves] == "" and rows[0][noise] == "twin 1.260 s, band 0.040 s"
    assert rows[1][saves] == "+0.250 s" and rows[1][header.index("verdict")].startswith("best")
