"""The study protocol (``study.yaml``): data, conventions, eligibility, covariates, analyses.

A pydantic model with unknown keys forbidden, so a typo is an error that names the key
and suggests the fix instead of a setting silently ignored.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nedcohort.errors import ProtocolError

# The records-level analysis dataset's covariates: (display label, reference level, level
# coded 1). Continuous covariates have no levels; their label says the unit of the ratio.
COVARIATE_LABELS: dict[str, tuple[str, str | None, str | None]] = {
    "age": ("Age at metastatic diagnosis, years", None, None),
    "postmenopausal": ("Menopausal status", "premenopausal", "postmenopausal"),
    "ecog_0": ("ECOG performance status", "≥ 1", "0"),
    "de_novo": ("Metastatic presentation", "recurrent", "de novo"),
    "visceral": ("Visceral metastases", "no", "yes"),
    "liver": ("Liver metastases", "no", "yes"),
    "lung": ("Lung metastases", "no", "yes"),
    "cns": ("CNS metastases", "no", "yes"),
    "multiple_sites": ("Metastatic sites", "1", "≥ 2"),
    "her2_ihc3": ("HER2 status", "IHC 2+/ISH+", "IHC 3+"),
    "er_positive": ("Estrogen receptor", "negative", "positive"),
    "pr_positive": ("Progesterone receptor", "negative", "positive"),
    "hr_positive": ("Hormone receptor (ER or PR)", "negative", "positive"),
    "grade_3": ("Histologic grade", "≤ 2", "3"),
    "grade_le2": ("Histologic grade", "3", "≤ 2"),
    "ki67": ("Ki-67, %", None, None),
    "pertuzumab": ("First-line anti-HER2 therapy", "trastuzumab", "trastuzumab + pertuzumab"),
    "endocrine": ("Concomitant endocrine therapy", "no", "yes"),
    "local_therapy": ("Metastasis-directed local therapy", "no", "yes"),
    "interruption": ("Treatment interruption", "no", "yes"),
    "ned": ("Radiologic NED", "no", "yes"),
}
COVARIATES = {name: label for name, (label, _, _) in COVARIATE_LABELS.items()}
CONTINUOUS = ("age", "ki67")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Data(Strict):
    source: str = Field(description="folder, workbook or DuckDB file of the records")
    level: Literal["records", "patients"] = "records"


class Eligibility(Strict):
    diagnosis_from: date = date(2012, 1, 1)
    diagnosis_to: date = date(2021, 12, 31)
    her2_positive: bool = True
    first_line_trastuzumab: bool = True
    progression_free_months: float = 36.0
    evaluable_imaging: bool = True


class Logistic(Strict):
    outcome: str = "ned"
    covariates: list[str]
    univariable: list[str] = Field(default_factory=list)


class Cox(Strict):
    covariates: list[str]
    univariable: list[str] = Field(default_factory=list)


class PatientsLevel(Strict):
    """Level ``patients``: one analysis-ready row per patient; the columns to use."""

    time: str
    event: str
    time_unit: Literal["days", "months", "years"] = "months"
    variables: dict[str, Literal["continuous", "categorical"]]
    reference: dict[str, str] = Field(default_factory=dict)


class BiasAware(Strict):
    """Analyses of NED as a state reached during follow-up (issue 8)."""

    landmarks: list[float] = Field(default_factory=lambda: [36.0, 48.0, 60.0])
    entry_months: float = 36.0  # the cohort's own entry condition: delayed entry at 36
    bootstrap_resamples: int = 1000


class Imputation(Strict):
    """Multiple imputation by chained equations of missing covariates (issue 8)."""

    m: int = Field(default=20, ge=2, description="number of imputed data sets (≥ 20 advised)")
    iterations: int = Field(default=10, ge=1, description="chained-equation cycles per data set")


class Analyses(Strict):
    table1: list[str] = Field(default_factory=list)
    table1_fisher: list[str] = Field(default_factory=list)
    logistic: Logistic | None = None
    km_by: str = "ned"
    cox: Cox | None = None
    bias_aware: BiasAware | None = Field(default_factory=BiasAware)
    imputation: Imputation | None = None  # complete-case only unless given


class Report(Strict):
    """What the run writes and what it may show."""

    suppress_below: int | None = Field(
        default=None,
        ge=2,
        description="show counts below this as '<n' (with complementary suppression)",
    )
    keep_database: bool = Field(
        default=True, description="keep study.duckdb (patient-level data) in the output folder"
    )


class DuckDBSettings(Strict):
    """Settings of the embedded engine."""

    memory_limit: str | None = Field(
        default=None, description="e.g. 6GB: DuckDB spills to disk beyond it (default 80% of RAM)"
    )

    def config(self) -> dict[str, str]:
        return {} if self.memory_limit is None else {"memory_limit": self.memory_limit}


class Spark(Strict):
    """How to reach Spark when ``engine: spark`` (omit under spark-submit)."""

    master: str | None = Field(default=None, description="e.g. local[*], yarn, spark://host:7077")
    config: dict[str, str] = Field(default_factory=dict, description="spark.* settings")


class Study(Strict):
    """A study protocol."""

    name: str
    data: Data
    engine: Literal["duckdb", "spark"] = "duckdb"
    duckdb: DuckDBSettings = Field(default_factory=DuckDBSettings)
    spark: Spark = Field(default_factory=Spark)
    conventions: Literal["r", "spss"] = "r"
    sclerotic_without_pet: Literal["active", "inactive"] = "active"
    eligibility: Eligibility = Field(default_factory=Eligibility)
    analyses: Analyses
    seed: int = 2026
    patients: PatientsLevel | None = None
    report: Report = Field(default_factory=Report)

    @model_validator(mode="after")
    def _known_variables(self) -> Study:
        if self.data.level == "patients" and self.patients is None:
            raise ValueError(
                "data level 'patients' needs a 'patients' block (time, event, variables)"
            )
        known = list(self.patients.variables) if self.data.level == "patients" else list(COVARIATES)
        a = self.analyses
        names = list(a.table1) + list(a.table1_fisher) + [a.km_by]
        for model in (a.logistic, a.cox):
            if model is not None:
                names += list(model.covariates) + list(model.univariable)
        if a.logistic is not None:
            names.append(a.logistic.outcome)
        for name in names:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ValueError(
                    f"unknown variable '{name}'; the analysis dataset has: "
                    f"{', '.join(known)}.{hint}"
                )
        return self


def load_protocol(path: str | Path) -> Study:
    """Read and check ``study.yaml``; relative data paths are relative to its folder."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise ProtocolError(f"protocol file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ProtocolError(f"{path} is not valid YAML: {exc}") from exc
    try:
        study = Study.model_validate(raw)
    except ValidationError as exc:
        raise ProtocolError(_explain(path, exc)) from None
    source = Path(study.data.source)
    if not source.is_absolute():
        source = (path.parent / source).resolve()
    return study.model_copy(update={"data": study.data.model_copy(update={"source": str(source)})})


def _explain(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: the protocol has {exc.error_count()} problem(s):"]
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            key = str(error["loc"][-1])
            fields = _fields_at(error["loc"][:-1])
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else f" Known keys: {', '.join(fields)}."
            lines.append(f"  - unknown key '{where}'.{hint}")
        elif error["type"] == "value_error":
            lines.append(f"  - {where}: {error['msg'].removeprefix('Value error, ')}")
        else:
            received = error.get("input")
            shown = "" if isinstance(received, (dict, list)) else f" (got {received!r})"
            lines.append(f"  - {where}: {error['msg']}{shown}")
    return "\n".join(lines)


def _fields_at(loc: tuple) -> list[str]:
    model: type[BaseModel] = Study
    for part in loc:
        annotation = model.model_fields[str(part)].annotation
        candidates = [
            a
            for a in getattr(annotation, "__args__", (annotation,))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not candidates:
            return []
        model = candidates[0]
    return list(model.model_fields)
