"""Write upkeep: what one more index costs a write, timed as the replay times writes.

    python bench/write_upkeep.py                     # 5,000 to 1,000,000 rows
    python bench/write_upkeep.py --sizes 50000 --indexes 2

A table of ``--sizes`` rows (random integer keys, 60-byte rows) is copied three
times: with no secondary index, with ``--indexes`` single-key indexes grown row
by row (created before the rows were inserted, as an application's own indexes
are) and with the same indexes built by CREATE INDEX after the rows (as every
index a recommendation adds is: its leaves packed full). On each copy, the
replay's protocol (advisor.replay.sandbox.time_together: the copies taking turns,
SQLite's page cache emptied before every run, each write rolled back in a
savepoint): an INSERT at random keys, an UPDATE of the indexes' leading column,
an UPDATE of their second column, a DELETE by rowid. Per index, the seconds
each adds to the write over no index, against the steps the cost model charges
for it (advisor.costing.estimate.maintenance; built: with packed_insert_steps
for a workload whose inserts are few beside the leaves, as every rolled-back
run is). Compare within a row: built against grown, measured and estimated.
Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

import benchdoc

from advisor.catalog.statistics import Statistics
from advisor.costing.estimate import maintenance, packed_insert_steps
from advisor.costing.sizes import Layout
from advisor.model.access import WriteAccess
from advisor.model.indexes import IndexSpec
from advisor.replay.sandbox import Sandbox, Tally, time_together

COLUMNS = "abcdefgh"
STATEMENTS = 60  # distinct statements per write, cycled by the replay's protocol
KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (  # label, operation, columns set
    ("INSERT at a random key", "INSERT", ()),
    ("UPDATE of the leading column", "UPDATE", ("lead",)),
    ("UPDATE of the second column", "UPDATE", ("k",)),
    ("DELETE by rowid", "DELETE", ()),
)


def build(path: Path, rows: int, indexes: int, grown: bool) -> None:
    """The table, its ``indexes`` created before its rows (grown) or after (built)."""
    rng = random.Random(rows)
    creates = [f"CREATE INDEX i{c} ON t({c}, k)" for c in COLUMNS[:indexes]]
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE t(id INTEGER PRIMARY KEY, k, {', '.join(COLUMNS)}, pad)")
        for create in creates if grown else ():
            db.execute(create)
        db.executemany(f"INSERT INTO t VALUES (NULL, {', '.join('?' * 9)}, ?)",
                       ((*(rng.randrange(10**9) for _ in range(9)), "x" * 60)
                        for _ in range(rows)))
        for create in () if grown else creates:
            db.execute(create)
    db.close()


def writes(rows: int, indexes: int) -> list[tuple[str, str, Sequence[str]]]:
    """(label, "write", statements) of each kind, with random values written in."""
    rng = random.Random(-rows)

    def statement(label: str) -> str:
        key = rng.randrange(1, rows)
        if label == KINDS[0][0]:
            values = ", ".join(str(rng.randrange(10**9)) for _ in range(9))
            return f"INSERT INTO t VALUES (NULL, {values}, 'x')"
        if label == KINDS[1][0]:
            moved = ", ".join(f"{c} = {rng.randrange(10**9)}" for c in COLUMNS[:indexes])
            return f"UPDATE t SET {moved} WHERE id = {key}"
        if label == KINDS[2][0]:
            return f"UPDATE t SET k = {rng.randrange(10**9)} WHERE id = {key}"
        return f"DELETE FROM t WHERE id = {key}"

    return [(label, "write", [statement(label) for _ in range(STATEMENTS)])
            for label, _, _ in KINDS]


def estimated(rows: int, indexes: int) -> dict[str, tuple[float, float]]:
    """Per kind, the steps one index adds: grown, and built (packed)."""
    statistics = Statistics("bench", (), {"t": rows})
    specs = [IndexSpec("t", ((c, False), ("k", False))) for c in COLUMNS[:indexes]]
    entry = Layout().index_entry("t", ("a", "k"))
    packed = {spec: packed_insert_steps(rows, entry, 1.0) for spec in specs}
    out = {}
    for label, operation, named in KINDS:
        columns = tuple(COLUMNS[:indexes]) if named == ("lead",) else tuple(named)
        write = WriteAccess("t", operation, columns)
        grown = maintenance(write, specs, statistics).indexes / indexes
        built = maintenance(write, specs, statistics, 1.0, packed).indexes / indexes
        out[label] = (grown, built)
    return out


def measure(rows: int, indexes: int, folder: Path) -> dict[str, tuple[float, float]]:
    """Per kind, the seconds one index adds as the replay times it: grown, built."""
    boxes = []
    for name, count, row_by_row in (("none", 0, True), ("grown", indexes, True),
                                    ("built", indexes, False)):
        path = folder / f"{name}-{rows}.sqlite"
        build(path, rows, count, row_by_row)
        boxes.append(Sandbox.throwaway(path))
    try:
        timings = time_together(boxes, writes(rows, indexes), 3, [Tally() for _ in boxes])
    finally:
        for box in boxes:
            box.connection.close()
    plain, grown, built = ({t.template_id: t.median_seconds or 0.0 for t in mine}
                           for mine in timings)
    return {label: ((grown[label] - plain[label]) / indexes,
                    (built[label] - plain[label]) / indexes) for label, _, _ in KINDS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[5_000, 50_000, 300_000, 1_000_000])
    parser.add_argument("--indexes", type=int, default=4, choices=range(1, len(COLUMNS) + 1))
    parser.add_argument("--out", type=Path, default=benchdoc.BENCHMARKS_MD)
    args = parser.parse_args()
    command = ("python bench/write_upkeep.py --sizes " + " ".join(map(str, args.sizes))
               + f" --indexes {args.indexes}")
    begin, end = benchdoc.markers("write-upkeep")
    lines = [begin, *benchdoc.preamble("Write upkeep: an index grown or just built", command),
             "", f"One table, {args.indexes} indexes on (random key, k); µs each index adds "
             "to one write, timed as the replay times writes (CPU time, page cache emptied, "
             "rolled back), against the steps the cost model charges. *built/grown*: the "
             "ratio of the two, measured and estimated.", "",
             "| rows | write | grown µs | built µs | built/grown measured | grown steps "
             "| built steps | built/grown estimated |",
             "|--:|---|--:|--:|--:|--:|--:|--:|"]
    for rows in args.sizes:
        print(f"{rows:,} rows", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            found = measure(rows, args.indexes, Path(folder))
        costed = estimated(rows, args.indexes)
        for label, _, _ in KINDS:
            (grown, built), (steps_grown, steps_built) = found[label], costed[label]
            lines.append(
                f"| {rows:,} | {label} | {grown * 1e6:.1f} | {built * 1e6:.1f} | "
                f"{benchdoc.times(_over(built, grown))} | {steps_grown:.0f} | "
                f"{steps_built:.0f} | {benchdoc.times(_over(steps_built, steps_grown))} |")
    lines.append(end)
    section = "\n".join(lines) + "\n"
    benchdoc.write_section("write-upkeep", section, args.out)
    print(section)


def _over(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


if __name__ == "__main__":
    main()
