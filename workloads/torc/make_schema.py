"""Write schema.sql from migrations/: the schema the migrations build, as one DDL file.

    python workloads/torc/make_schema.py          # rewrites workloads/torc/schema.sql
    python workloads/torc/make_schema.py --check  # exit 1 when schema.sql is stale

migrations/ is the source (torc-server's migrations at ff3df9a, written in
sqlx's form); schema.sql is what advisor reads by default next to the logs,
and what a user can read in one place. tests/test_workload.py checks that the
two agree.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIGRATIONS = HERE / "migrations"
SCHEMA = HERE / "schema.sql"

HEADER = """\
-- torc-server's schema at revision ff3df9a, for advisor's default workload.
--
-- Generated from migrations/ by make_schema.py: edit the migrations, not this
-- file. Each block is one migration's up script, in the order sqlx applies them.
-- Keys and constraints only: every index here is one a PRIMARY KEY or a UNIQUE
-- constraint implies (Torc's first secondary indexes came later, in migration
-- 20251117000000: see torc-indexes.sql).
"""


def render_schema(folder: Path = MIGRATIONS) -> str:
    """The header, then every ``*.up.sql`` in name order under a line naming it."""
    blocks = [HEADER]
    for path in sorted(folder.glob("*.up.sql")):
        blocks.append(f"-- {path.name}\n{path.read_text(encoding='utf-8').strip()}\n")
    return "\n".join(blocks)


def sqlite_catalog(scripts: list[str]) -> list[tuple]:
    """What SQLite makes of DDL scripts run in order on an empty database: every table's
    columns (``table_xinfo``), indexes (``index_list`` / ``index_xinfo``) and foreign keys,
    sorted. Two schemas are the same to SQLite, and to advisor, when these rows are."""
    db = sqlite3.connect(":memory:")
    try:
        for script in scripts:
            db.executescript(script)
        rows: list[tuple] = []
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            rows += [("column", table, *r) for r in db.execute(f"PRAGMA table_xinfo('{table}')")]
            rows += [("foreign key", table, *r[2:])
                     for r in db.execute(f"PRAGMA foreign_key_list('{table}')")]
            for _, index, unique, origin, partial in db.execute(f"PRAGMA index_list('{table}')"):
                # Implicit indexes are named by position (sqlite_autoindex_T_N): keep the name.
                rows.append(("index", table, index, unique, origin, partial))
                rows += [("index column", table, index, *r)
                         for r in db.execute(f"PRAGMA index_xinfo('{index}')")]
        return sorted(rows, key=repr)
    finally:
        db.close()


def migrations_catalog(folder: Path = MIGRATIONS) -> list[tuple]:
    return sqlite_catalog([p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.up.sql"))])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    args = parser.parse_args(argv)
    text = render_schema()
    if args.check:
        current = SCHEMA.read_text(encoding="utf-8") if SCHEMA.exists() else ""
        if current != text:
            print(f"{SCHEMA} is stale: run python {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    SCHEMA.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
