"""The embedded default: the SQL runs in DuckDB as written."""

from __future__ import annotations

import duckdb
import pandas as pd

from nedcohort.engine.base import Engine


class DuckDBEngine(Engine):
    """An engine over a DuckDB connection (the study database, or in memory)."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def create(self, name: str, sql: str, temporary: bool = False) -> None:
        kind = "TEMP TABLE" if temporary else "TABLE"
        self.con.execute(f'CREATE OR REPLACE {kind} "{name}" AS {sql}')

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}')

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f'DESCRIBE "{table}"').fetchall()]

    def exists(self, table: str) -> bool:
        return bool(
            self.con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
            ).fetchall()[0][0]
        )

    def drop(self, table: str) -> None:
        kind = self.con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchall()
        if kind:
            self.con.execute(f'DROP {"VIEW" if kind[0][0] == "VIEW" else "TABLE"} "{table}"')

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(name, frame)

    def load_raw(self, source) -> str:
        from nedcohort.io.sources import load_raw

        return load_raw(self.con, source)
