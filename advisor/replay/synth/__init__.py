"""Synthesise a SQLite database from a schema and a scale profile.

Replay measures the workload on a real database. When the user has none to
give, this package builds one: the schema's tables, sized and shaped by the
profile (``docs/profile-format.md``), so that the planner sees the row counts,
fan-outs and value mixes it would see in production. Details in
``docs/synth.md``.

The build has two phases. *Layout* decides, table by table in profile order,
how many rows hang off each parent row (groups included) and, for a ``graph``
table, draws the DAG with networkx; every row's id and parent row are then
known before anything is written. *Fill* walks the tables parents first (a
topological order of the foreign keys) and writes their rows in chunks with
``executemany``: links to other rows come from the layout, plain values from
the column hints or, without a hint, from the column's type. Every row is laid
out parent by parent, so the rows of any table under one ancestor row (the
jobs, or the files, of one workflow) form one contiguous range; a foreign key
picks from the referenced rows that share the nearest common ancestor, so a
job points at its own workflow's resource shapes.

The phases, one module each: :mod:`.shapes` (the profile checked against the
schema, every link given a role), :mod:`.layout` with :mod:`.dag` (rows per
parent row, dependency DAGs), :mod:`.writing` with :mod:`.values` (the rows
written); :mod:`.build` runs them and :mod:`.cache` keeps each result, found
again by the hash of its inputs.
"""

from advisor.replay.synth.build import SynthReport, synthesize
from advisor.replay.synth.cache import (
    SYNTH_VERSION,
    CacheEntry,
    cache_entries,
    cache_key,
    cache_path,
    cached_database,
    clear_cache,
    default_cache_dir,
)
from advisor.replay.synth.dag import build_dag

__all__ = [
    "SYNTH_VERSION",
    "CacheEntry",
    "SynthReport",
    "build_dag",
    "cache_entries",
    "cache_key",
    "cache_path",
    "cached_database",
    "clear_cache",
    "default_cache_dir",
    "synthesize",
]
