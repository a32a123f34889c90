"""Write the simulated tables: CSV (ISO dates), Parquet or one DuckDB file.

CSV and Parquet output is byte-identical for the same seed and package versions;
tables are appended chunk by chunk, so memory stays bounded at any population size.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nedcohort.atomic import atomic_folder
from nedcohort.simulate.generate import TABLES, simulate_chunks
from nedcohort.simulate.parameters import PopulationParameters

FORMATS = ("csv", "parquet", "duckdb")


def write_population(
    out: str | Path,
    n_patients: int,
    seed: int,
    fmt: str = "csv",
    params: PopulationParameters | None = None,
) -> dict[str, int]:
    """Simulate and write every table into ``out``; returns rows written per table.

    Written into a temporary folder next to ``out`` and renamed at the end, so a
    failure never leaves half-written tables behind.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}; got {fmt!r}.")
    rows = dict.fromkeys(TABLES, 0)
    with atomic_folder(out) as staging:
        sink = _SINKS[fmt](staging)
        for chunk in simulate_chunks(n_patients, seed, params):
            for name in TABLES:
                sink.append(name, chunk[name])
                rows[name] += len(chunk[name])
        sink.close()
    return rows


class _CsvSink:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: set[str] = set()

    def append(self, name: str, frame: pd.DataFrame) -> None:
        first = name not in self.started
        self.started.add(name)
        frame.to_csv(
            self.folder / f"{name}.csv",
            mode="w" if first else "a",
            header=first,
            index=False,
            date_format="%Y-%m-%d",
            lineterminator="\n",
        )

    def close(self) -> None:
        pass


class _ParquetSink:
    def __init__(self, folder: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa, self.pq = pa, pq
        self.folder = folder
        self.writers: dict[str, object] = {}

    def append(self, name: str, frame: pd.DataFrame) -> None:
        table = self.pa.Table.from_pandas(frame, preserve_index=False)
        for index, field in enumerate(table.schema):  # dates are dates, not midnight timestamps
            if self.pa.types.is_timestamp(field.type):
                table = table.set_column(
                    index, field.name, table.column(index).cast(self.pa.date32())
                )
        if name not in self.writers:
            self.writers[name] = self.pq.ParquetWriter(
                self.folder / f"{name}.parquet", table.schema, compression="zstd"
            )
        self.writers[name].write_table(table)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


class _DuckDBSink:
    def __init__(self, folder: Path) -> None:
        import duckdb

        self.con = duckdb.connect(str(folder / "records.duckdb"))
        self.created: set[str] = set()

    def append(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register("chunk", frame)
        if name in self.created:
            self.con.execute(f'INSERT INTO "{name}" SELECT * FROM chunk')
        else:
            self.con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM chunk')
            self.created.add(name)
        self.con.unregister("chunk")

    def close(self) -> None:
        self.con.close()


_SINKS = {"csv": _CsvSink, "parquet": _ParquetSink, "duckdb": _DuckDBSink}
