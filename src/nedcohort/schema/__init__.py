"""The record data model (DESIGN §2): tables, columns, types and allowed values, in one place."""

from nedcohort.schema.tables import TABLES, Column, Table, table_names

__all__ = ["TABLES", "Column", "Table", "table_names"]
