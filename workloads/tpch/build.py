"""Build TPC-H's database in SQLite at a scale factor, from tpchgen-cli's data.

    pip install -e '.[bench]'                      # tpchgen-cli
    python workloads/tpch/build.py --scale 0.01    # prints the database's path

The database is made once and cached outside the repository:
``$ADVISOR_CACHE_DIR/workloads``, else ``$XDG_CACHE_HOME/advisor/workloads`` or
``~/.cache/advisor/workloads``, named ``tpch-sf<SF>-<hash>.sqlite`` where the
hash covers schema.sql and this builder's version, so a changed schema builds
anew. The tables of ``schema.sql`` are loaded from tpchgen-cli's ``.tbl``
files (generated in a temporary folder and removed after); no ANALYZE is run,
so the database is as an application that never ran it has it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workloads/
from workload_scripts import building, built_once, database_file, insert_rows

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "schema.sql"
BUILD_VERSION = 1  # bump when the same inputs would give other contents
TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")
TPCHGEN = "tpchgen-cli"


def scale_text(scale: float) -> str:
    return f"{scale:g}"


def database_path(scale: float, folder: Path | None = None) -> Path:
    return database_file("tpch", f"sf{scale_text(scale)}", f"{BUILD_VERSION}", SCHEMA, folder)


def database(scale: float, folder: Path | None = None, log=print) -> Path:
    """The TPC-H database at ``scale``: the cached one, or built now."""
    target = database_path(scale, folder)
    # On PATH, or beside this Python: a virtual environment's scripts are there when the
    # environment's python runs this without the environment being activated.
    binary = (shutil.which(TPCHGEN)
              or shutil.which(TPCHGEN, path=str(Path(sys.executable).parent)))
    if binary is None and not target.is_file():
        raise SystemExit(f"{TPCHGEN}: not installed (pip install -e '.[bench]')")

    def make(path: Path) -> None:
        data = path.parent / "data"
        log(f"tpch: generating SF {scale_text(scale)} with {TPCHGEN}")
        subprocess.run([str(binary), "tbl", "-s", scale_text(scale), "-o", str(data),
                        "--quiet"], check=True)
        load(path, data, log)

    return built_once(target, make, "tpch", log)


def load(path: Path, data: Path, log=print) -> None:
    """The schema, then every table from its ``.tbl`` file (``|``-separated, one
    trailing ``|``); SQLite's column affinities turn the text into numbers."""
    with building(path, SCHEMA, "tpch", log) as connection:
        for table in TABLES:
            with open(data / f"{table}.tbl", encoding="utf-8") as rows:
                insert_rows(connection, table, (line.rstrip("\n").split("|")[:-1]
                                                for line in rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="TPC-H scale factor")
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    path = database(args.scale, args.cache_dir, log=lambda text: print(text, file=sys.stderr))
    print(path)


if __name__ == "__main__":
    main()
