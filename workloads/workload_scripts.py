"""What the benchmark workloads' scripts share: where their built databases are kept,
building one only once, a script loading the one beside it, Zipf draws, the client that
keeps the statements it runs, a log's statements run on a throwaway copy and written
out, and the builders' and generators' command lines.

The workloads are folders of scripts run by path, not a package, and several have a
build.py; a script that needs this module puts the workloads folder on sys.path:

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workloads/
    from workload_scripts import built_once, cache_dir
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib.util
import itertools
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from advisor.replay.synth import default_cache_dir

Client = TypeVar("Client")


def cache_dir() -> Path:
    """Where built workload databases are kept (never in the repository): beside
    advisor's own synthesis cache, in the same cache root."""
    return default_cache_dir().parent / "workloads"


def database_file(workload: str, label: str, inputs: str, schema: Path,
                  folder: Path | None = None) -> Path:
    """Where a workload's database is cached: ``<workload>-<label>-<hash>.sqlite`` in
    ``folder`` (else cache_dir()), the hash over ``inputs`` (the builder's version, and
    the seed and scale where it has them) and the schema's text, so that a change to any
    of them builds anew."""
    key = hashlib.sha256(f"{workload}/{inputs}/".encode() + schema.read_bytes()).hexdigest()
    return (folder or cache_dir()) / f"{workload}-{label}-{key[:12]}.sqlite"


def built_once(target: Path, build: Callable[[Path], None], name: str, log=print) -> Path:
    """``target`` if it is there, else made now: ``build(path)`` writes the database at
    ``path`` in a temporary folder (its own scratch files may go beside it), which is
    copied beside ``target`` and renamed into place (the cache may be on another file
    system), so that an interrupted build leaves nothing that looks finished."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
        partial = Path(tmp) / f"{name}.sqlite"
        build(partial)
        staged = target.with_suffix(".partial")
        shutil.copyfile(partial, staged)
        staged.replace(target)
    log(f"{name}: built {target} ({target.stat().st_size / 2**20:.1f} MiB, "
        f"{time.perf_counter() - started:.1f} s)")
    return target


def seeded_database(workload: str, label: str, version: int, schema: Path,
                    build: Callable[[Path, Any, int, Callable], None], scale: Any, seed: int,
                    folder: Path | None = None, log=print) -> Path:
    """A seeded builder's database at ``scale`` (a dataclass), the cached one or made now
    by ``build(path, scale, seed, log)``; the hash covers the builder's ``version``, the
    seed, the scale's fields and the schema."""
    inputs = f"{version}/{seed}/{sorted(dataclasses.asdict(scale).items())}"
    return built_once(database_file(workload, label, inputs, schema, folder),
                      lambda path: build(path, scale, seed, log), workload, log)


@contextlib.contextmanager
def building(path: Path, schema: Path, workload: str,
             log=print) -> Iterator[sqlite3.Connection]:
    """A connection to the database being built at ``path``: ``schema`` made, no journal
    and no fsync (a build that fails is thrown away whole). On leaving, the rows are
    committed and every table's count goes to ``log``."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.executescript(schema.read_text())
        yield connection
        connection.commit()
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                    "ORDER BY rowid").fetchall()
        for (table,) in tables:
            count = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            log(f"{workload}: {table}: {count:,} rows")
    finally:
        connection.close()


def insert_rows(connection: sqlite3.Connection, table: str, rows: Iterable[Sequence]) -> None:
    """Every row into ``table``, a value for each of its columns in order."""
    columns = len(connection.execute(f"PRAGMA table_info({table})").fetchall())
    connection.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * columns)})", rows)


def sibling(script: Path, name: str) -> ModuleType:
    """The script at ``script`` as the module ``name``, loaded once: a generator and the
    builder it loads share the builder's constants (and tests that load both, too)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_mix(database: Path, start: Callable[[sqlite3.Connection], Client],
            play: Callable[[Client, str], None], mix: Sequence[tuple[str, int]],
            count: int) -> Client:
    """``count`` units of work (transactions, sessions) run one after the other on a
    throwaway copy of ``database`` by the client ``start`` makes on it: each of a kind
    of ``mix`` (name, weight) drawn by the client's own ``rng``, then ``play(client,
    kind)``. The copy is in autocommit (the statements say BEGIN and COMMIT themselves)
    and has no fsync per COMMIT. Returns the client, its log kept."""
    kinds = [kind for kind, _ in mix]
    weights = [weight for _, weight in mix]
    with tempfile.TemporaryDirectory(prefix="workload-run-") as tmp:
        copy = Path(tmp) / "run.sqlite"
        shutil.copyfile(database, copy)
        connection = sqlite3.connect(copy, isolation_level=None)
        connection.execute("PRAGMA synchronous = OFF")
        try:
            client = start(connection)
            for _ in range(count):
                play(client, client.rng.choices(kinds, weights)[0])
        finally:
            connection.close()
    return client


def write_sql_log(path: Path, header: str, statements: Sequence[str]) -> int:
    """A plain SQL log (advisor's ``sql`` format, no durations, so the same run gives the
    same bytes): ``header`` as a comment line, then one statement a line. Returns how
    many statements."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(f"-- {header}\n")
        for sql in statements:
            out.write(sql + ";\n")
    return len(statements)


# --- the application's client ------------------------------------------------------------


class LoggedClient:
    """A client of the application that keeps every statement it runs, as the log shows
    it: each is run as written, its values in, on ``connection``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.log: list[str] = []

    def run(self, sql: str) -> list[tuple]:
        self.log.append(sql)
        return self.connection.execute(sql).fetchall()

    def insert(self, sql: str) -> int:
        """Run an INSERT; the new row's id, as the application's driver hands it back."""
        self.log.append(sql)
        return self.connection.execute(sql).lastrowid or 0

    def transaction(self, steps: Callable[[], None]) -> None:
        self.run("BEGIN")
        steps()
        self.run("COMMIT")


# --- skew --------------------------------------------------------------------------------


def zipf_cumulative(count: int, exponent: float) -> list[float]:
    """Cumulative weights (``random.choices``' ``cum_weights``) of ranks 1..count drawn
    in proportion to 1 / rank**exponent: the skew of who is busy and who is popular."""
    return list(itertools.accumulate(1 / rank**exponent for rank in range(1, count + 1)))


class Skewed:
    """Draws from ``items`` with Zipf weights, the busiest first in ``items``' order."""

    def __init__(self, items: Sequence[int], exponent: float) -> None:
        self.items = items
        self.cumulative = zipf_cumulative(len(items), exponent)

    def draw(self, rng: random.Random) -> int:
        return rng.choices(self.items, cum_weights=self.cumulative)[0]


# --- command lines -----------------------------------------------------------------------
# A builder script has ``Scale`` (a dataclass of whole numbers), ``DEFAULT_SEED`` and
# ``database(scale, seed, folder, log)``; a generator script runs its sessions on that
# database and writes the log with ``write_log(path, database, scale, count, seed)``.


def to_stderr(text: str) -> None:
    """Progress goes to stderr: stdout is the answer (a path, a count)."""
    print(text, file=sys.stderr)


def scale_options(parser: argparse.ArgumentParser, builder: ModuleType) -> None:
    """A builder's options: one per field of its ``Scale``, the seed, the cache folder."""
    for option in dataclasses.fields(builder.Scale):
        parser.add_argument(f"--{option.name.replace('_', '-')}", type=int,
                            default=option.default)
    parser.add_argument("--seed", type=int, default=builder.DEFAULT_SEED)
    parser.add_argument("--cache-dir", type=Path, default=None)


def database_asked(args: argparse.Namespace, builder: ModuleType) -> tuple[object, Path]:
    """The scale of scale_options' arguments, and its database, built or found."""
    scale = builder.Scale(**{option.name: getattr(args, option.name)
                             for option in dataclasses.fields(builder.Scale)})
    return scale, builder.database(scale, args.seed, args.cache_dir, log=to_stderr)


def build_command(builder: ModuleType) -> None:
    """A builder's command line: prints the path of the database at the scale asked."""
    parser = argparse.ArgumentParser(description=(builder.__doc__ or "").split("\n\n")[0])
    scale_options(parser, builder)
    print(database_asked(parser.parse_args(), builder)[1])


def generate_command(generator: ModuleType, builder: ModuleType, unit: str, count: int,
                     seed: int) -> None:
    """A generator's command line: the builder's options, how many ``unit`` to run, the
    run's seed and the log's path (workload.log beside the generator)."""
    parser = argparse.ArgumentParser(description=(generator.__doc__ or "").split("\n\n")[0])
    scale_options(parser, builder)
    parser.add_argument(f"--{unit}", type=int, default=count)
    parser.add_argument("--run-seed", type=int, default=seed,
                        help=f"seed of the {unit} (--seed is the database's)")
    parser.add_argument("--out", type=Path,
                        default=Path(generator.__file__ or ".").parent / "workload.log")
    args = parser.parse_args()
    scale, database = database_asked(args, builder)
    written = generator.write_log(args.out, database, scale, getattr(args, unit), args.run_seed)
    print(f"{args.out}: {written:,} statements")
