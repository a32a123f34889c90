"""The pipeline runs one way: a stage never imports a later stage."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "nedcohort"
ORDER = ["errors", "schema", "io", "derive", "cohort", "stats", "report", "simulate"]
LATER = {
    "stats": {"io", "schema", "derive", "cohort", "report", "simulate", "protocol", "cli"},
    "derive": {"cohort", "stats", "report", "protocol", "cli"},
    "report": {"io", "schema", "derive", "cohort", "simulate", "cli"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n.split(".")[1] for n in names if n.startswith("nedcohort.") and n.count(".") >= 1}


def test_stages_import_only_earlier_stages():
    offenders = []
    for stage, forbidden in LATER.items():
        for path in (PACKAGE / stage).rglob("*.py") if (PACKAGE / stage).exists() else []:
            bad = _imports(path) & forbidden
            if bad:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {sorted(bad)}")
    assert not offenders, offenders
    assert (PACKAGE / "stats").exists()  # the check has something to walk
