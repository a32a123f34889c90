"""Where the relational stages run: DuckDB (embedded, the default) or Apache Spark.

The rules — validation checks, RECIST assessment, outcomes, the analysis dataset and
the eligibility flow — are written once, as DuckDB SQL. An ``Engine`` runs that SQL:
``DuckDBEngine`` as it is, ``SparkEngine`` after translating it to Spark SQL with
sqlglot. Only aggregates and the one-row-per-patient analysis dataset come back to
Python.
"""

from nedcohort.engine.base import Engine, as_engine
from nedcohort.engine.duckdb_engine import DuckDBEngine

ENGINES = ("duckdb", "spark")

__all__ = ["ENGINES", "DuckDBEngine", "Engine", "as_engine"]
