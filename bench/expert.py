"""SQLite's own index advisor: the sqlite3 shell's ``.expert``, once per statement.

    from expert import expert_union
    specs, proposals = expert_union(database, statements, catalog)

Each statement goes to ``.expert`` in one shell process (read-only). What it
proposes for any statement is collected: the union is the configuration the
fidelity benchmark measures beside the seed's and advisor's.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from advisor.catalog.index_lists import load_index_list
from advisor.catalog.schema import Catalog
from advisor.model.indexes import IndexSpec


def expert_union(database: Path, statements: Iterable[str], catalog: Catalog,
                 shell: str = "sqlite3") -> tuple[tuple[IndexSpec, ...], int]:
    """The union of ``.expert``'s proposals over ``statements`` (as specs, deduplicated),
    and how many statements got at least one proposal."""
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
        return (), served
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "expert.sql"
        path.write_text("\n".join(unique) + "\n", encoding="utf-8")
        specs = load_index_list(str(path), catalog)
    return tuple(dict.fromkeys(specs)), served
