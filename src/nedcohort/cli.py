"""Command line: thin commands that parse, call one public function, report, and exit.

Exit codes: 0 ok, 1 data errors, 2 usage or protocol errors, 3 analysis failures.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

from nedcohort import simulate as simulation
from nedcohort.engine import ENGINES
from nedcohort.errors import DataError, NedcohortError, ProtocolError
from nedcohort.io import validate_records
from nedcohort.progress import JsonLines, step

app = typer.Typer(
    help="nedcohort: real-world cohort studies of response states, from records to report.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True, soft_wrap=True)


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


@app.command()
def validate(
    path: Annotated[
        Path, typer.Argument(help="Folder of record files, a workbook or a DuckDB file.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the records and list every problem with its file, row, column and fix.

    Exits 1 when there are errors, 0 otherwise (warnings alone do not fail).
    Example: nedcohort validate records/
    """
    report = validate_records(path)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        _print_report(report)
    raise typer.Exit(0 if report.ok else 1)


def _print_report(report) -> None:
    """One line per problem (what, where, value, fix), then a verdict."""
    out = Console(soft_wrap=True)
    counts = ", ".join(f"{name} {n:,}" for name, n in report.rows.items())
    out.print(f"[bold]{report.source}[/bold]: {counts or 'no tables read'}", highlight=False)
    for p in report.problems:
        mark = "[red]error  [/red]" if p.severity == "error" else "[yellow]warning[/yellow]"
        out.print(f"{mark} {rich_escape(str(p))}", highlight=False)
    for check, hidden in report.truncated.items():
        out.print(f"        … and {hidden:,} more rows like these ({check})", highlight=False)
    verdict = "[green]no errors[/green]" if report.ok else f"[red]{len(report.errors)} errors[/red]"
    out.print(f"{verdict}, {len(report.warnings)} warnings")


PROTOCOLS = Path(__file__).parent / "protocols"

Quiet = Annotated[bool, typer.Option(help="Print nothing on success.")]
LogJson = Annotated[
    bool, typer.Option("--log-json", help="Log each step as a JSON line on stderr.")
]
SuppressBelow = Annotated[
    int | None,
    typer.Option(
        min=2, help="Show counts below N as '<N' in tables and figures (small-cell suppression)."
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine", help="Where the relational stages run: duckdb or spark; default: protocol."
    ),
]
KeepDatabase = Annotated[
    bool | None,
    typer.Option(
        "--keep-database/--no-database",
        help="Keep study.duckdb (patient-level data) in the output folder; default: protocol.",
    ),
]


class _RichSteps(logging.Handler):
    """Shows a spinner while a step runs and a tick with its time when it ends."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.status = None

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if event == "start":
            self.status = console.status(rich_escape(record.getMessage()))
            self.status.start()
        elif event == "end":
            if self.status is not None:
                self.status.stop()
            console.print(f"[green]✓[/green] {rich_escape(record.getMessage())}", highlight=False)
        else:
            console.print(rich_escape(record.getMessage()), highlight=False)


def _log_to(quiet: bool, log_json: bool) -> None:
    """Route the library's step log: JSON lines, a rich display, or nothing."""
    logger = logging.getLogger("nedcohort")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = False
    if log_json:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
    elif quiet:
        handler = logging.NullHandler()
    else:
        handler = _RichSteps()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _with_options(
    study, suppress_below: int | None, keep_database: bool | None, engine: str | None = None
):
    """The protocol with the command line's options applied."""
    if engine is not None:
        if engine not in ENGINES:
            raise ProtocolError(f"--engine must be one of {', '.join(ENGINES)}; got {engine!r}.")
        study = study.model_copy(update={"engine": engine})
    update = {}
    if suppress_below is not None:
        update["suppress_below"] = suppress_below
    if keep_database is not None:
        update["keep_database"] = keep_database
    if not update:
        return study
    return study.model_copy(update={"report": study.report.model_copy(update=update)})


def _run_and_report(action, quiet: bool) -> dict:
    """Run ``action``; bad input ends with one readable line and exit 1 (data) or 2 (protocol)."""
    try:
        return action()
    except DataError as error:
        console.print(f"[red]{rich_escape(str(error))}[/red]")
        report = getattr(error, "report", None)
        if report is not None and not quiet:
            _print_report(report)
        raise typer.Exit(1) from None
    except ProtocolError as error:
        console.print(f"[red]{rich_escape(str(error))}[/red]")
        raise typer.Exit(2) from None
    except NedcohortError as error:
        console.print(f"[red]{rich_escape(str(error))}[/red]")
        raise typer.Exit(3) from None


def _summary(results: dict, out: Path) -> None:
    cohort = results["cohort"]
    ned = f", {cohort['n_ned']} with radiologic NED" if "n_ned" in cohort else ""
    console.print(
        f"cohort: {cohort['n']} patients{ned}; "
        f"log-rank p = {results['logrank'].p_value:.4g}; outputs in {out}",
        highlight=False,
    )


@app.command()
def run(
    protocol: Annotated[Path, typer.Argument(help="The study protocol (study.yaml).")],
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("nedcohort-out"),
    quiet: Quiet = False,
    log_json: LogJson = False,
    suppress_below: SuppressBelow = None,
    keep_database: KeepDatabase = None,
    engine: EngineOption = None,
) -> None:
    """Run a study from its protocol: validate, derive, assemble the cohort, analyze, write.

    Example: nedcohort run study.yaml --out results --suppress-below 5 --no-database
    """
    from nedcohort.pipeline import run_study
    from nedcohort.protocol import load_protocol

    _log_to(quiet, log_json)

    def action() -> dict:
        study = _with_options(load_protocol(protocol), suppress_below, keep_database, engine)
        return run_study(study, out)

    results = _run_and_report(action, quiet)
    if not quiet:
        _summary(results, out)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("nedcohort-demo"),
    seed: Annotated[int, typer.Option(help="Seed of the simulated population.")] = (
        simulation.DEFAULT_SEED
    ),
    quiet: Quiet = False,
    log_json: LogJson = False,
    suppress_below: SuppressBelow = None,
    keep_database: KeepDatabase = None,
) -> None:
    """Simulate the multicenter records and run the packaged TOG protocol on them.

    Example: nedcohort demo --out demo
    """
    import tempfile

    from nedcohort.pipeline import run_study
    from nedcohort.protocol import load_protocol

    _log_to(quiet, log_json)

    def action() -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            records = Path(tmp) / "records"
            with step("simulate the multicenter records"):
                simulation.write_population(records, simulation.DEFAULT_PATIENTS, seed, "csv")
            study = load_protocol(PROTOCOLS / "tog-her2-ned.yaml")
            study = _with_options(study, suppress_below, keep_database)
            study = study.model_copy(
                update={
                    "data": study.data.model_copy(update={"source": str(records)}),
                    "seed": seed,
                }
            )
            return run_study(study, out)

    results = _run_and_report(action, quiet)
    if not quiet:
        _summary(results, out)


if __name__ == "__main__":
    app()
