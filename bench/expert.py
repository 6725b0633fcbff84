"""SQLite's own index advisor: the sqlite3 shell's ``.expert``, once per statement.

    from expert import expert_union
    union = expert_union(database, statements, catalog)  # .specs, .served, .in_nocase

Each statement goes to ``.expert`` in one shell process (read-only). What it
proposes for any statement is collected: the union is the configuration the
fidelity benchmark measures beside the seed's and advisor's. A proposal in COLLATE
NOCASE (``.expert``'s for ``name LIKE 'Val%'``) is built as proposed, and counted
(``in_nocase``); until 2026-12-05 advisor's index model held no collation and built it
in binary order, which SQLite does not seek a LIKE through.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from advisor.catalog.index_lists import load_index_list
from advisor.catalog.schema import Catalog
from advisor.model.indexes import IndexSpec

_NOCASE = re.compile(r"\s+COLLATE\s+NOCASE\b", re.I)


class ExpertUnion(NamedTuple):
    specs: tuple[IndexSpec, ...]  # the union, deduplicated
    served: int  # statements that got at least one proposal
    in_nocase: int  # distinct proposals in COLLATE NOCASE (built as proposed)


def expert_union(database: Path, statements: Iterable[str], catalog: Catalog,
                 shell: str = "sqlite3") -> ExpertUnion:
    """The union of ``.expert``'s proposals over ``statements`` (as specs, deduplicated),
    how many statements got at least one proposal, and how many proposals were in
    COLLATE NOCASE."""
    binary = shutil.which(shell)
    if binary is None:
        raise SystemExit(f"{shell}: not installed (the Debian package sqlite3 has .expert)")
    script = "".join(f".print -- advisor-statement\n.expert\n{sql.rstrip().rstrip(';')};\n"
                     for sql in statements)
    done = subprocess.run([binary, "-readonly", str(database)], input=script, text=True,
                          capture_output=True, check=False)
    creates: list[str] = []
    served = 0
    for section in done.stdout.split("-- advisor-statement")[1:]:
        found = [line.strip() for line in section.splitlines()
                 if line.startswith("CREATE INDEX")]
        served += bool(found)
        creates += found
    unique = list(dict.fromkeys(creates))
    if not unique:
        return ExpertUnion((), served, 0)
    in_nocase = sum(bool(_NOCASE.search(create)) for create in unique)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "expert.sql"
        path.write_text("\n".join(unique) + "\n",
                        encoding="utf-8")
        specs = load_index_list(str(path), catalog)
    return ExpertUnion(tuple(dict.fromkeys(specs)), served, in_nocase)
