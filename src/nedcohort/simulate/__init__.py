"""Synthetic multicenter source population, calibrated to the published study.

``simulate_population(n_patients, seed)`` returns every table of the record data model
(DESIGN §2) plus ``truth``; ``write_population`` writes them as CSV, Parquet or a DuckDB
file. Patients are generated in fixed-size chunks, each from its own seeded stream, so
the same seed gives the same records — byte-identical CSV and Parquet files — whatever
the machine, and a million patients fit in bounded memory.
"""

from nedcohort.simulate.generate import TABLES, simulate_chunks, simulate_population
from nedcohort.simulate.parameters import CENTERS, PopulationParameters
from nedcohort.simulate.writer import FORMATS, write_population

DEFAULT_PATIENTS = 700
DEFAULT_SEED = 2026

__all__ = [
    "CENTERS",
    "DEFAULT_PATIENTS",
    "DEFAULT_SEED",
    "FORMATS",
    "TABLES",
    "PopulationParameters",
    "simulate_chunks",
    "simulate_population",
    "write_population",
]
