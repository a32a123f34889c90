"""Command line: thin commands that parse, call one public function, report, and exit.

Exit codes: 0 ok, 1 data errors, 2 usage or protocol errors, 3 analysis failures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nedcohort import simulate as simulation

app = typer.Typer(
    help="nedcohort: real-world cohort studies of response states, from records to report.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


@app.callback()
def main() -> None:
    """nedcohort command line."""


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Folder to write the record tables into.")],
    patients: Annotated[
        int, typer.Option(min=1, help="Size of the source population.")
    ] = simulation.DEFAULT_PATIENTS,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = (
        simulation.DEFAULT_SEED
    ),
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet or duckdb.")] = "csv",
    quiet: Annotated[bool, typer.Option(help="Print nothing on success.")] = False,
) -> None:
    """Simulate a multicenter source population (every record table plus ``truth``).

    Example: nedcohort simulate --out records --patients 700 --seed 2026
    """
    if fmt not in simulation.FORMATS:
        console.print(f"[red]--format must be one of {', '.join(simulation.FORMATS)}; got {fmt!r}.")
        raise typer.Exit(2)
    rows = simulation.write_population(out, patients, seed, fmt)
    if not quiet:
        table = Table(title=f"{patients} simulated patients (seed {seed}) -> {out}")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name, count in rows.items():
            table.add_row(name, f"{count:,}")
        Console().print(table)


if __name__ == "__main__":
    app()
