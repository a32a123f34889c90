"""Apache Spark: the same SQL, translated from DuckDB's dialect to Spark SQL by sqlglot.

Tables are Spark temporary views over locally checkpointed results, so that later
stages read each table once computed. A session comes from the protocol's
``spark`` block (master and config) or, under ``spark-submit``, from the cluster.
"""

from __future__ import annotations

import functools
from pathlib import Path

import duckdb
import pandas as pd
import sqlglot

from nedcohort.engine.base import Engine
from nedcohort.errors import ProtocolError


@functools.lru_cache(maxsize=512)
def to_spark(sql: str) -> str:
    """DuckDB SQL as Spark SQL (one statement)."""
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


def spark_session(master: str | None = None, config: dict[str, str] | None = None):
    """A Spark session: the active one (spark-submit, a notebook) or a new one."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the optional extra is not installed
        raise ProtocolError(
            "engine 'spark' needs PySpark: pip install 'nedcohort[spark]' (and Java 17)."
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    builder = SparkSession.builder.appName("nedcohort")
    if master:
        builder = builder.master(master)
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",
        **(config or {}),
    }
    if master and master.startswith("local"):
        # on one machine, 200 shuffle partitions per query are 200 tiny tasks each time;
        # smaller file splits keep a large table from landing in one task's memory
        settings.setdefault("spark.sql.shuffle.partitions", "8")
        settings.setdefault("spark.sql.files.maxPartitionBytes", str(16 * 1024**2))
        settings.setdefault("spark.memory.storageFraction", "0.3")
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine(Engine):
    """An engine over a SparkSession."""

    name = "spark"

    def __init__(self, session) -> None:
        self.spark = session

    def _sql(self, sql: str):
        return self.spark.sql(to_spark(sql))

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self._sql(sql).collect()]

    def frame(self, sql: str) -> pd.DataFrame:
        # through Arrow and DuckDB, so that the pandas types are those of the DuckDB engine
        table = self._sql(sql).toArrow()
        return duckdb.from_arrow(table).df()

    def create(self, name: str, sql: str, temporary: bool = False) -> None:
        # computed now and cut from its lineage: later stages read the result (kept by the
        # executors, memory then disk), and their plans do not grow with every stage
        self._sql(sql).localCheckpoint(eager=True).createOrReplaceTempView(name)

    def view(self, name: str, sql: str) -> None:
        self._sql(sql).createOrReplaceTempView(name)

    def columns(self, table: str) -> list[str]:
        return list(self.spark.table(table).columns)

    def exists(self, table: str) -> bool:
        return bool(self.spark.catalog.tableExists(table))

    def drop(self, table: str) -> None:
        self.spark.catalog.dropTempView(table)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def load_raw(self, source) -> str:
        """Parquet and CSV files, read by Spark (in parallel, never through the driver)."""
        name, path, kind = f"raw_{source.name}", Path(source.path), source.kind
        from pyspark.sql import functions

        if kind == "parquet":
            frame = self.spark.read.parquet(str(path))
        elif kind == "csv":
            frame = (
                self.spark.read.option("header", True).option("inferSchema", False).csv(str(path))
            )
        else:
            raise ProtocolError(
                f"engine 'spark' reads Parquet or CSV record files; {path.name} is {kind}. "
                "Convert it, or use engine 'duckdb'."
            )
        columns = frame.columns
        numbered = (
            frame.rdd.zipWithIndex()
            .map(lambda pair: (pair[1] + 2, *pair[0]))
            .toDF(["_row", *columns])
        )
        text = numbered.select(
            "_row", *[functions.col(f"`{c}`").cast("string").alias(c) for c in columns]
        )
        text.localCheckpoint(eager=True).createOrReplaceTempView(name)
        return name
