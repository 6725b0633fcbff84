"""The one-direction data flow of docs/design.md, enforced on the imports.

Each stage imports only earlier ones (import-linter's layers contract in
pyproject.toml, run here through its Python API), and no module of advisor takes
part in an import cycle, inside one package either (the contract sees only
imports between stages).
"""

from __future__ import annotations

from pathlib import Path

import grimp
import networkx as nx
import pytest
from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_each_stage_imports_only_earlier_stages(capsys: pytest.CaptureFixture[str]) -> None:
    code = lint_imports(config_filenames=(str(PYPROJECT),), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    broken = report.find("Broken contracts")
    assert code == 0, report[broken:] if broken >= 0 else report


def test_no_module_is_part_of_an_import_cycle() -> None:
    graph = grimp.build_graph("advisor", cache_dir=None)
    imports = nx.DiGraph((importer, imported) for importer in graph.modules
                         for imported in graph.find_modules_directly_imported_by(importer))
    cycles = []
    for component in nx.strongly_connected_components(imports):
        if len(component) < 2:
            continue
        steps = []
        for importer, imported in nx.find_cycle(imports.subgraph(component)):
            lines = sorted(d["line_number"] for d in graph.get_import_details(
                importer=importer, imported=imported))
            steps.append(f"{importer} (l.{', '.join(map(str, lines))}) -> {imported}")
        cycles.append("\n  ".join(steps))
    assert not cycles, "import cycles:\n" + "\n".join(f"- {c}" for c in sorted(cycles))
