"""Exceptions and warnings shared by every stage.

One exception type per kind of problem, each carrying structured fields so the
command line can print a readable message and tests can pin what was reported.
"""

from __future__ import annotations


class NedcohortError(Exception):
    """Base class: a problem the user can fix (bad data, bad protocol, unfittable model)."""


class DataError(NedcohortError, ValueError):
    """Input data are unusable as given.

    The message follows one template: what is wrong, where (column, rows), what was
    received, what was expected, and how to fix it.
    """

    def __init__(
        self,
        what: str,
        *,
        column: str | None = None,
        rows: list[int] | None = None,
        received: object = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.what = what
        self.column = column
        self.rows = list(rows) if rows is not None else None
        # numpy scalars print as np.int64(2); show the plain value a user typed
        self.received = received.item() if hasattr(received, "item") else received
        self.expected = expected
        self.fix = fix
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = []
        where = []
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" and {len(self.rows) - 5} more" if len(self.rows) > 5 else ""
            where.append(f"at index {shown}{more}")
        parts.append(f"{' '.join(where)}: {self.what}" if where else self.what)
        if self.received is not None:
            parts.append(f"got {self.received!r}")
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        message = "; ".join(parts) + "."
        if self.fix:
            message += f" {self.fix}"
        return message


class ProtocolError(NedcohortError, ValueError):
    """The study protocol (or an API argument that plays its role) is invalid."""


class ModelFitError(NedcohortError, RuntimeError):
    """A model cannot be fitted to these data (no events, collinearity, no convergence)."""


class LowEventsPerVariableWarning(UserWarning):
    """Fewer than 10 events per estimated coefficient: estimates may be unstable."""


class SeparationWarning(UserWarning):
    """(Quasi-)complete separation in logistic regression: ML estimates do not exist."""
