"""Importing a module of the package only defines things.

pytest imports every module under advisor/ to collect its docstring examples
(--doctest-modules), so a module that ran a command, printed or wrote files on
import would do so inside the suite.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import advisor

IMPORT_ALL = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"


def test_importing_any_module_does_nothing_visible(tmp_path: Path) -> None:
    names = [module.name for module in pkgutil.walk_packages(advisor.__path__, "advisor.")]
    assert "advisor.__main__" in names and "advisor.cli" in names
    result = subprocess.run([sys.executable, "-c", IMPORT_ALL, *names], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert list(tmp_path.iterdir()) == []


def test_every_bench_script_imports() -> None:
    """The benchmarks use the library's own paths: a module moved without them fails here,
    not on the day someone reruns a benchmark."""
    bench = Path(__file__).resolve().parents[1] / "bench"
    names = sorted(path.stem for path in bench.glob("*.py"))
    assert "expert" in names and "fidelity" in names
    result = subprocess.run([sys.executable, "-c", IMPORT_ALL, *names], cwd=bench,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
