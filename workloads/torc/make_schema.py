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
