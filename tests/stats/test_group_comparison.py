"""Table 1: counts, denominators, missing values and the choice of test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nedcohort as nc
from nedcohort.errors import DataError, ProtocolError


def _cohort() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ned": ["yes"] * 6 + ["no"] * 6,
            "grade": ["3", "3", "2", None, "3", "1", "2", "2", "1", "3", None, None],
            "age": [40.0, 45, 38, 50, np.nan, 41, 60, 55, 52, 58, 61, 49],
        }
    )


def test_percentages_use_non_missing_denominators_and_count_missing():
    table = nc.stats.compare_groups(_cohort(), "ned", ["grade"]).table
    yes = table[(table["group"] == "yes")].set_index("level")
    assert yes.loc["3", "n"] == 3 and yes.loc["3", "denominator"] == 5
    assert yes.loc["3", "percent"] == pytest.approx(60.0)
    assert set(yes["missing"]) == {1}
    no = table[(table["group"] == "no")]
    assert set(no["missing"]) == {2} and set(no["denominator"]) == {4}
    overall = table[table["group"] == "Overall"].set_index("level")
    assert overall["n"].sum() == 9 and set(overall["missing"]) == {3}


def test_small_expected_counts_select_an_exact_test():
    tests = nc.stats.compare_groups(_cohort(), "ned", ["grade"]).tests
    assert tests.loc[0, "test"].startswith("Fisher-Freeman-Halton")
    assert 0 <= tests.loc[0, "p_value"] <= 1


def test_spss_convention_changes_quartiles_and_mann_whitney():
    r = nc.stats.compare_groups(_cohort(), "ned", ["age"]).table
    spss = nc.stats.compare_groups(_cohort(), "ned", ["age"], conventions="spss").table
    r_yes = r[r["group"] == "yes"].iloc[0]
    spss_yes = spss[spss["group"] == "yes"].iloc[0]
    # five values 38, 40, 41, 45, 50: type 7 Q1 = 40, type 6 Q1 = 39
    assert (r_yes["q1"], spss_yes["q1"]) == (40.0, 39.0)
    assert r_yes["median"] == spss_yes["median"] == 41.0
    assert r_yes["missing"] == 1
    assert r["test"].iloc[0] == "Mann-Whitney U (exact)"
    assert spss["test"].iloc[0] == "Mann-Whitney U (normal approximation)"


def test_input_unchanged_and_errors():
    df = _cohort()
    before = df.copy()
    nc.stats.compare_groups(df, "ned", ["grade", "age"])
    pd.testing.assert_frame_equal(df, before)
    with pytest.raises(ProtocolError, match='conventions must be "r" or "spss"'):
        nc.stats.compare_groups(df, "ned", ["age"], conventions="sas")
    with pytest.raises(DataError, match="at least two groups"):
        nc.stats.compare_groups(df.assign(ned="yes"), "ned", ["age"])
    staged = df.assign(stage=["I", "II"] * 6)
    with pytest.raises(DataError, match=r"column 'stage' at index 0, 1.*not numbers"):
        nc.stats.compare_groups(staged, "ned", ["stage"], kinds={"stage": "continuous"})
