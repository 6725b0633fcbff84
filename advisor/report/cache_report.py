"""``advisor cache``: the synthesised databases kept, as a table or JSON, and what a clear
removed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tabulate import tabulate

from advisor.replay.synth import CacheEntry
from advisor.report.common import Report


def report(folder: Path, entries: Sequence[CacheEntry], limit: int,
           removed: bool = False) -> Report:
    """The cache ``folder`` and its ``entries`` (``removed``: what a clear took away),
    with the cap it is kept under (``limit`` bytes)."""
    document = {
        "folder": str(folder),
        "limit_bytes": limit,
        "removed" if removed else "databases": [
            {"path": str(entry.path), "bytes": entry.bytes, "partial": entry.partial,
             "last_used": dt.datetime.fromtimestamp(entry.last_used, dt.timezone.utc)
             .isoformat(timespec="seconds")}
            for entry in entries],
    }
    return Report(document, render_text)


def render_text(document: dict[str, Any], markdown: bool = False) -> str:
    removed = "removed" in document
    entries = document["removed" if removed else "databases"]
    total = sum(entry["bytes"] for entry in entries)
    if removed:
        return f"removed {len(entries)} file(s), {_size(total)}, from {document['folder']}"
    lines = [f"{document['folder']}: {len(entries)} file(s), {_size(total)} (kept under "
             f"{_size(document['limit_bytes'])}: the least recently used go first)"]
    if entries:
        lines.append("")
        lines.append(tabulate(
            [[Path(entry["path"]).name + (" (unfinished build)" if entry["partial"] else ""),
              _size(entry["bytes"]), entry["last_used"]] for entry in entries],
            headers=["database", "size", "last used (UTC)"], tablefmt="simple",
            disable_numparse=True))
    return "\n".join(lines)


def _size(count: float) -> str:
    for unit in ("bytes", "KiB", "MiB"):
        if count < 1024:
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count:,.1f} GiB"
