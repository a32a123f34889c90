"""Shared fixtures: the R datasets (as committed CSV) and a seeded random generator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).parent / "reference"


def load_dataset(name: str) -> pd.DataFrame:
    """One of R's survival datasets, prepared exactly as make_reference.R prepares it."""
    df = pd.read_csv(REFERENCE / "data" / f"{name}.csv")
    if name == "lung":
        df["event"] = df["status"] - 1
        df["dead"] = (df["status"] == 2).astype(int)
    if name == "gbsg":
        df["recurrence"] = df["status"]
        df["rfs_months"] = df["rfstime"] / 30.4375
    if name == "rotterdam":
        df["size_cat"] = df["size"].astype(str)
    return df


@pytest.fixture(scope="session")
def r_reference() -> dict:
    """Golden values written by tests/reference/make_reference.R."""
    return json.loads((REFERENCE / "r_reference.json").read_text())


@pytest.fixture
def rng() -> np.random.Generator:
    """The only source of randomness in tests: seeded."""
    return np.random.default_rng(20260)
