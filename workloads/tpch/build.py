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
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from advisor.replay.synth import default_cache_dir

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "schema.sql"
BUILD_VERSION = 1  # bump when the same inputs would give other contents
TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")
TPCHGEN = "tpchgen-cli"


def cache_dir() -> Path:
    """Where built workload databases are kept (never in the repository): beside
    advisor's own synthesis cache, in the same cache root."""
    return default_cache_dir().parent / "workloads"


def scale_text(scale: float) -> str:
    return f"{scale:g}"


def database_path(scale: float, folder: Path | None = None) -> Path:
    key = hashlib.sha256(f"tpch/{BUILD_VERSION}/".encode() + SCHEMA.read_bytes()).hexdigest()
    return (folder or cache_dir()) / f"tpch-sf{scale_text(scale)}-{key[:12]}.sqlite"


def database(scale: float, folder: Path | None = None, log=print) -> Path:
    """The TPC-H database at ``scale``: the cached one, or built now."""
    target = database_path(scale, folder)
    if target.is_file():
        return target
    binary = shutil.which(TPCHGEN)
    if binary is None:
        raise SystemExit(f"{TPCHGEN}: not installed (pip install -e '.[bench]')")
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tpch-") as tmp:
        data = Path(tmp) / "data"
        log(f"tpch: generating SF {scale_text(scale)} with {TPCHGEN}")
        subprocess.run([binary, "tbl", "-s", scale_text(scale), "-o", str(data), "--quiet"],
                       check=True)
        partial = Path(tmp) / "tpch.sqlite"
        load(partial, data, log)
        # Same file system as the cache? Not necessarily: copy, then rename into place.
        staged = target.with_suffix(".partial")
        shutil.copyfile(partial, staged)
        staged.replace(target)
    log(f"tpch: built {target} ({target.stat().st_size / 2**20:.1f} MiB, "
        f"{time.perf_counter() - started:.1f} s)")
    return target


def load(path: Path, data: Path, log=print) -> None:
    """The schema, then every table from its ``.tbl`` file (``|``-separated, one
    trailing ``|``); SQLite's column affinities turn the text into numbers."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.executescript(SCHEMA.read_text())
        for table in TABLES:
            columns = len(connection.execute(f"PRAGMA table_info({table})").fetchall())
            insert = f"INSERT INTO {table} VALUES ({', '.join('?' * columns)})"
            with open(data / f"{table}.tbl", encoding="utf-8") as rows:
                connection.executemany(insert, (line.rstrip("\n").split("|")[:columns]
                                                for line in rows))
            connection.commit()
            count = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            log(f"tpch: {table}: {count:,} rows")
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="TPC-H scale factor")
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    path = database(args.scale, args.cache_dir, log=lambda text: print(text, file=sys.stderr))
    print(path)


if __name__ == "__main__":
    main()
