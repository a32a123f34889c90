"""Validation problems and the report that collects them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem in the input: what, where, the value received, and how to fix it.

    ``row`` is the row as a spreadsheet user counts it (the header is row 1), or the
    record number for a database table.
    """

    severity: str  # "error" or "warning"
    table: str
    file: str
    message: str
    fix: str = ""
    row: int | None = None
    column: str | None = None
    value: str | None = None
    sheet: str | None = None

    def location(self) -> str:
        """``lesions.csv row 48, column diameter_mm`` style."""
        where = self.file + (f" [sheet {self.sheet}]" if self.sheet else "")
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return where

    def __str__(self) -> str:
        value = f" = {self.value!r}" if self.value is not None else ""
        text = f"{self.location()}{value}: {self.message}."
        return f"{text} {self.fix}" if self.fix else text


@dataclass
class ValidationReport:
    """Everything found in one source, and the rows read per table."""

    source: str
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    truncated: dict[str, int] = field(default_factory=dict)  # check -> problems not listed

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the analysis."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Legal but suspicious input."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    def to_dict(self) -> dict:
        """JSON-ready form (``nedcohort validate --json``)."""
        return {
            "source": self.source,
            "ok": self.ok,
            "n_errors": len(self.errors),
            "n_warnings": len(self.warnings),
            "rows": self.rows,
            "not_listed": self.truncated,
            "problems": [asdict(p) for p in self.problems],
        }
