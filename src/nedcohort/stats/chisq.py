"""A chi-square test result shared by the models (likelihood-ratio, Wald, score)."""

from __future__ import annotations

from dataclasses import dataclass

from scipy import stats as sps


@dataclass(frozen=True)
class ChiSquareTest:
    """Statistic, degrees of freedom and upper-tail p-value of a χ² test."""

    statistic: float
    df: int
    p_value: float

    @classmethod
    def of(cls, statistic: float, df: int) -> ChiSquareTest:
        """Build from a statistic and its degrees of freedom."""
        return cls(float(statistic), int(df), float(sps.chi2.sf(statistic, df)))

    def to_dict(self) -> dict:
        """Plain numbers for ``results.json``."""
        return {"statistic": self.statistic, "df": self.df, "p_value": self.p_value}
