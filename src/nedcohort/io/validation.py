"""Checks of the raw (text) record tables, run as SQL by the study's engine.

Every check is one query over whole tables (no Python loop over rows), so the same code
validates a five-patient spreadsheet and a million-patient Parquet export. Each returns
the offending spreadsheet rows with the value found; the caller turns them into
``Problem`` objects with a message and a fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from nedcohort.engine.base import Engine
from nedcohort.io.problems import Problem, ValidationReport
from nedcohort.io.sources import SourceTable
from nedcohort.schema import TABLES, Column

LISTED_PER_CHECK = 50  # rows listed per check and column; the rest are counted
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")
ISO_DATE = r"\d{4}-\d{2}-\d{2}"


def iso_date(cell: str) -> str:
    """SQL: the cell is written YYYY-MM-DD (anchored, so it reads the same on any engine)."""
    return f"regexp_matches({cell}, '^{ISO_DATE}$')"


def v(column: str, alias: str = "") -> str:
    """SQL for the trimmed cell, NULL when empty."""
    prefix = f"{alias}." if alias else ""
    return f"NULLIF(trim({prefix}\"{column}\"), '')"


class Checker:
    """Runs the checks of one source and collects problems into a report."""

    def __init__(self, db: Engine, report: ValidationReport) -> None:
        self.db = db
        self.report = report
        self.sources: dict[str, SourceTable] = {}
        self.columns: dict[str, set[str]] = {}

    # -- plumbing --------------------------------------------------------------------
    def add_table(self, source: SourceTable, raw: str) -> None:
        """Register a loaded raw table and check its columns."""
        self.sources[source.name] = source
        names = self.db.columns(raw)
        present = set(names) - {"_row"}
        self.columns[source.name] = present
        self.report.rows[source.name] = self.db.rows(f'SELECT count(*) FROM "{raw}"')[0][0]
        table = TABLES[source.name]
        for column in table.columns:
            if column.name in present:
                continue
            near = _near_miss(column.name, present)
            hint = f" Found '{near}': rename it to '{column.name}'." if near else ""
            if column.required:
                self.problem(
                    source.name,
                    "error",
                    f"required column '{column.name}' is missing",
                    f"Add the column '{column.name}'.{hint}",
                    column=column.name,
                )
            elif near:
                self.problem(
                    source.name,
                    "warning",
                    f"optional column '{column.name}' not found, but '{near}' looks like it",
                    hint.strip(),
                    column=column.name,
                )

    def has(self, table: str, *columns: str) -> bool:
        """The table was given and has these columns."""
        return table in self.columns and all(c in self.columns[table] for c in columns)

    def problem(self, table: str, severity: str, message: str, fix: str = "", **where) -> None:
        source = self.sources.get(table)
        self.report.problems.append(
            Problem(
                severity,
                table,
                source.label if source else f"{table}",
                message,
                fix,
                sheet=source.sheet if source else None,
                **where,
            )
        )

    def rows(
        self,
        table: str,
        check: str,
        sql: str,
        make: Callable[[tuple], tuple[str, str, str, str | None]],
        severity: str = "error",
    ) -> None:
        """Run ``sql`` (selecting _row, value, …) and report each row via ``make``.

        ``make(row)`` returns (column, value, message, fix). Only the first
        ``LISTED_PER_CHECK`` rows are listed; the total is kept in ``report.truncated``.
        """
        total = self.db.rows(f"SELECT count(*) FROM ({sql})")[0][0]
        if total == 0:
            return
        listed = self.db.rows(f"{sql} ORDER BY 1 LIMIT {LISTED_PER_CHECK}")
        for record in listed:
            column, value, message, fix = make(record)
            self.problem(
                table, severity, message, fix, row=int(record[0]), column=column, value=value
            )
        if total > len(listed):
            self.report.truncated[f"{table}: {check}"] = total - len(listed)

    # -- per-column checks -----------------------------------------------------------
    def check_columns(self, table: str) -> None:
        """Type, range, date and category checks of every column, in one scan of the table.

        Each check is a condition on a cell; one aggregate query counts the rows failing
        each condition, and only the failing checks are queried again for their rows.
        """
        raw = f"raw_{table}"
        queue: list[tuple] = []
        for column in TABLES[table].columns:
            if not self.has(table, column.name):
                continue
            cell = v(column.name)
            name = column.name
            if column.required:
                queue.append(
                    (
                        f"{name} missing",
                        "NULL",
                        f"{cell} IS NULL",
                        lambda r, name=name: (
                            name,
                            None,
                            f"required value of '{name}' is empty",
                            "Fill it in.",
                        ),
                    )
                )
            queue.extend(getattr(self, f"_{column.type}_checks", lambda c, x: [])(column, cell))
        mixed = [
            (c.name, v(c.name))
            for c in TABLES[table].columns
            if c.type == "date" and self.has(table, c.name)
        ]
        counters = [f"count(*) FILTER (WHERE {cond})" for _, _, cond, *_ in queue]
        for _, cell in mixed:
            counters.append(f"count(*) FILTER (WHERE {iso_date(cell)})")
            counters.append(f"count(*) FILTER (WHERE NOT {iso_date(cell)})")
        if not counters:
            return
        counts = self.db.rows(f'SELECT {", ".join(counters)} FROM "{raw}"')[0]
        for (check, value, cond, make, *severity), count in zip(queue, counts, strict=False):
            if count:
                sql = f'SELECT _row, {value} FROM "{raw}" WHERE {cond}'
                self.rows(table, check, sql, make, *(severity or ["error"]))
        for index, (name, _) in enumerate(mixed):
            iso, other = counts[len(queue) + 2 * index : len(queue) + 2 * index + 2]
            if iso and other:
                self.problem(
                    table,
                    "error",
                    f"mixed date formats in '{name}': {iso} ISO dates and {other} others",
                    "Use one format, YYYY-MM-DD, for the whole column.",
                    column=name,
                )

    def _integer_checks(self, column: Column, cell: str) -> list[tuple]:
        name = column.name
        number = f"TRY_CAST({cell} AS DOUBLE)"
        return [
            (
                f"{name} type",
                cell,
                f"{cell} IS NOT NULL AND ({number} IS NULL OR {number} <> round({number}))",
                lambda r: (name, r[1], "not a whole number", f"Enter {name} as a whole number."),
            ),
            *self._range_checks(column, cell),
        ]

    def _number_checks(self, column: Column, cell: str) -> list[tuple]:
        name = column.name
        unit = f" in {column.unit}" if column.unit else ""
        fix = f"Enter {name} as a number{unit} (decimal point, no units in the cell)."
        return [
            (
                f"{name} type",
                cell,
                f"{cell} IS NOT NULL AND TRY_CAST({cell} AS DOUBLE) IS NULL",
                lambda r: (name, r[1], "not a number", fix),
            ),
            *self._range_checks(column, cell),
        ]

    def _range_checks(self, column: Column, cell: str) -> list[tuple]:
        name = column.name
        bounds = []
        if column.minimum is not None:
            bounds.append(f"TRY_CAST({cell} AS DOUBLE) < {column.minimum}")
        if column.maximum is not None:
            bounds.append(f"TRY_CAST({cell} AS DOUBLE) > {column.maximum}")
        if not bounds:
            return []
        low = "" if column.minimum is None else f"{column.minimum:g}"
        high = "" if column.maximum is None else f"{column.maximum:g}"
        expected = (
            f"between {low} and {high}" if low and high else f">= {low}" if low else f"<= {high}"
        )
        unit = f" {column.unit}" if column.unit else ""
        fix = "Correct the value" + (
            ", or leave it empty to mark the lesion not evaluated."
            if name == "diameter_mm"
            else "."
        )
        message = f"out of range; expected a number {expected}{unit}"
        return [(f"{name} range", cell, " OR ".join(bounds), lambda r: (name, r[1], message, fix))]

    def _date_checks(self, column: Column, cell: str) -> list[tuple]:
        name = column.name

        def non_iso(r: tuple) -> tuple:
            text = str(r[1])
            if re.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{4}", text):
                hint = "it looks like day/month/year (or month/day/year): write it as YYYY-MM-DD"
            else:
                hint = "write dates as YYYY-MM-DD"
            return name, r[1], "not an ISO date (YYYY-MM-DD)", f"Reformat the column: {hint}."

        date = f"TRY_CAST({cell} AS DATE)"
        iso = iso_date(cell)
        return [
            (f"{name} format", cell, f"{cell} IS NOT NULL AND NOT {iso}", non_iso),
            (
                f"{name} impossible",
                cell,
                f"{iso} AND {date} IS NULL",
                lambda r: (name, r[1], "not a real calendar date", "Correct the day or month."),
            ),
            (
                f"{name} implausible",
                cell,
                f"year({date}) < 1901 OR {date} > current_date",
                lambda r: (
                    name,
                    r[1],
                    "implausible date (before 1901 or in the future)",
                    "Correct the year; 1900-01-01 is often a placeholder for 'unknown': "
                    "leave the cell empty instead.",
                ),
            ),
        ]

    def _boolean_checks(self, column: Column, cell: str) -> list[tuple]:
        name = column.name
        words = ", ".join(f"'{w}'" for w in TRUE_WORDS + FALSE_WORDS)
        return [
            (
                f"{name} boolean",
                cell,
                f"{cell} IS NOT NULL AND lower({cell}) NOT IN ({words})",
                lambda r: (name, r[1], "not a yes/no value", "Use true/false (or 1/0, yes/no)."),
            ),
        ]

    def _category_checks(self, column: Column, cell: str) -> list[tuple]:
        name = column.name
        allowed = ", ".join(f"'{a}'" for a in column.allowed)

        def make(r: tuple) -> tuple:
            suggestion = suggest_category(str(r[1]), column.allowed)
            options = ", ".join(column.allowed)
            fix = f"Write '{suggestion}'." if suggestion else f"Use one of: {options}."
            return name, r[1], f"unknown category; expected one of {options}", fix

        return [
            (f"{name} category", cell, f"{cell} IS NOT NULL AND {cell} NOT IN ({allowed})", make)
        ]


def suggest_category(value: str, allowed: tuple[str, ...]) -> str | None:
    """The allowed value the user most likely meant (``3`` → ``3+``, ``Yes`` → ``yes``)."""
    text = value.strip()
    lower = {a.lower(): a for a in allowed}
    if text.lower() in lower:
        return lower[text.lower()]
    if f"{text}+" in allowed:
        return f"{text}+"
    normalized = re.sub(r"[\s\-]+", "_", text.lower())
    for option in allowed:
        if re.sub(r"[\s\-]+", "_", option.lower()) == normalized:
            return option
    close = difflib.get_close_matches(text.lower(), list(lower), n=1, cutoff=0.75)
    return lower[close[0]] if close else None


def _near_miss(name: str, present: set[str]) -> str | None:
    """A column that is probably ``name`` under another spelling (``PatientID``)."""
    squash = {re.sub(r"[^a-z0-9]", "", p.lower()): p for p in present}
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if key in squash:
        return squash[key]
    close = difflib.get_close_matches(key, list(squash), n=1, cutoff=0.8)
    return squash[close[0]] if close else None
