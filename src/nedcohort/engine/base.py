"""The few operations the relational stages need from an engine."""

from __future__ import annotations

from abc import ABC, abstractmethod

import duckdb
import pandas as pd


class Engine(ABC):
    """Runs DuckDB-dialect SQL over named tables; every method takes that dialect."""

    name: str

    @abstractmethod
    def rows(self, sql: str) -> list[tuple]:
        """The result rows (small results only: counts, listed problems)."""

    @abstractmethod
    def frame(self, sql: str) -> pd.DataFrame:
        """The result as a DataFrame, with DuckDB's pandas types whatever the engine."""

    @abstractmethod
    def create(self, name: str, sql: str, temporary: bool = False) -> None:
        """Materialize the query as table ``name`` (replacing it); a ``temporary`` one is
        scratch that ends with the session (not kept in the study database)."""

    @abstractmethod
    def view(self, name: str, sql: str) -> None:
        """Name the query (replacing the name); computed when read."""

    @abstractmethod
    def columns(self, table: str) -> list[str]:
        """Column names of a table or view."""

    @abstractmethod
    def exists(self, table: str) -> bool:
        """Whether a table or view of this name exists."""

    @abstractmethod
    def drop(self, table: str) -> None:
        """Remove a table or view if it exists."""

    @abstractmethod
    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make a pandas DataFrame readable as table ``name``."""

    @abstractmethod
    def load_raw(self, source) -> str:
        """Read one source table (``io.sources.SourceTable``) as ``raw_<name>``: every
        column as text plus ``_row``, the row as a spreadsheet user counts it."""


def as_engine(con: Engine | duckdb.DuckDBPyConnection) -> Engine:
    """An engine for ``con``: engines pass through, a DuckDB connection is wrapped."""
    if isinstance(con, Engine):
        return con
    from nedcohort.engine.duckdb_engine import DuckDBEngine

    return DuckDBEngine(con)
