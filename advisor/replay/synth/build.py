"""Building a synthesised database: the profile's shapes resolved, laid out, then written.

:func:`synthesize` runs the phases the package describes: :mod:`.shapes`
checks the profile against the schema and gives every foreign key its role,
:mod:`.layout` sizes every table (rows per parent row, DAGs), and
:mod:`.writing` writes the rows into a new file that appears only when complete.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from advisor.catalog.profile import Profile
from advisor.catalog.schema import Catalog
from advisor.model.errors import InputError
from advisor.replay.synth.layout import check_required, lay_out
from advisor.replay.synth.shapes import resolve_shapes
from advisor.replay.synth.writing import Progress, fill


@dataclass(frozen=True)
class SynthReport:
    """What a build produced: the file, the rows written per table, how long it took.

    ``refused`` counts, per table, rows the database turned away (INSERT OR
    IGNORE: a constraint the synthesiser could not plan for); normally empty.
    """

    path: Path
    rows: Mapping[str, int]
    seconds: float
    seed: int
    scale: float
    refused: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def synthesize(catalog: Catalog, profile: Profile, path: str | os.PathLike[str],
               seed: int | None = None, scale: float = 1.0,
               progress: Progress | None = None) -> SynthReport:
    """Build a new database at ``path`` from the schema and the profile.

    ``seed`` defaults to the profile's; ``scale`` multiplies the profile's
    ``scales`` tables (``Profile.scaled``). The same inputs give the same table
    contents. The file appears only when complete (it is built under a
    temporary name and renamed), and no ANALYZE is run: the caller decides the
    statistics state. ``progress(table, rows_done, rows_total)`` is called
    per chunk.
    """
    started = time.perf_counter()
    target = Path(path)
    if target.exists():
        raise InputError(f"{target}: already exists; synthesise into a new file")
    if scale != 1:
        profile = profile.scaled(scale)
    seed = profile.seed if seed is None else seed
    shapes = resolve_shapes(catalog, profile)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    collecting = gc.isenabled()
    gc.disable()  # millions of small objects, no cycles: the collector would only rescan them
    try:
        layouts = lay_out(shapes, profile, seed)
        check_required(shapes, layouts, profile)
        partial.unlink(missing_ok=True)
        rows = fill(catalog, shapes, layouts, profile, seed, partial, progress)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        if collecting:
            gc.enable()
    refused = {shapes[name].table.name: layout.size - rows[shapes[name].table.name]
               for name, layout in layouts.items()
               if layout.size > rows[shapes[name].table.name]}
    return SynthReport(path=target, rows=MappingProxyType(rows),
                       seconds=time.perf_counter() - started, seed=seed, scale=scale,
                       refused=MappingProxyType(refused))
