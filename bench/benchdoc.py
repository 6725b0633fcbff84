"""What every benchmark script shares: the machine it ran on, and its section of
docs/benchmarks.md (between ``<!-- bench:NAME -->`` markers, the rest kept)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"
DOC_HEADER = """\
# Benchmarks

Every figure here is written by a script in `bench/`; each section names the
command that regenerates it, the date and the machine it ran on. The machines
are shared and noisy, so ratios measured in the same run (against a plain
line-reading loop, or another tool on the same input) matter more than
absolute times.
"""


def markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def _cores() -> str:
    usable = len(os.sched_getaffinity(0))
    return f"{os.cpu_count()}" if usable == os.cpu_count() else f"{usable} of {os.cpu_count()}"


def machine() -> dict[str, str]:
    """Cores, CPU model, memory, Python and SQLite versions, and the load average now."""
    model = "unknown CPU"
    mem_kb = 0
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "cores": _cores(),
        "cpu": model,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def shown(path: str | Path) -> str:
    """A path as a section shows it: from the repository's root when inside it, else as
    given."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def times(ratio: float | None) -> str:
    """A ratio as the sections show it, ``0.83×``; ``n/a`` where there is none."""
    return "n/a" if ratio is None else f"{ratio:.2f}×"


def preamble(title: str, command: str) -> list[str]:
    """A section's first lines: its title, when and where it was measured, and the
    command that regenerates it."""
    info = machine()
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"## {title}",
        "",
        f"Measured {when} on {info['cores']} cores of {info['cpu']}, {info['memory']}, "
        f"Python {info['python']}, SQLite {info['sqlite']}; load average at the start "
        f"{info['load']}. Regenerate with:",
        "",
        f"```sh\n{command}\n```",
    ]


def write_section(name: str, section: str, out: Path = BENCHMARKS_MD) -> None:
    """Replace the ``name`` section of ``out`` (or add it), keeping the rest."""
    begin, end_mark = markers(name)
    text = out.read_text() if out.exists() else DOC_HEADER
    start, end = text.find(begin), text.find(end_mark)
    if start >= 0 and end > start:
        text = text[:start] + section + text[end + len(end_mark):].removeprefix("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
