"""One study run shared by the report tests: simulated records (kept, so that the outputs
can be scanned for their identifiers and dates), the packaged protocol, small-cell
suppression on and the study database left out — a folder meant to be shared."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from nedcohort.cli import app
from nedcohort.simulate import write_population

PROTOCOL = Path(__file__).parents[2] / "src" / "nedcohort" / "protocols" / "tog-her2-ned.yaml"


@pytest.fixture(scope="session")
def shared_run(tmp_path_factory) -> tuple[Path, Path]:
    """(records folder, output folder) of ``nedcohort run --suppress-below 5 --no-database``."""
    root = tmp_path_factory.mktemp("shared")
    records = root / "records"
    write_population(records, 700, seed=2026, fmt="csv")
    protocol = yaml.safe_load(PROTOCOL.read_text())
    protocol["data"]["source"] = str(records)
    (root / "study.yaml").write_text(yaml.safe_dump(protocol, allow_unicode=True))
    out = root / "out"
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(root / "study.yaml"),
            "--out",
            str(out),
            "--suppress-below",
            "5",
            "--no-database",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    return records, out
