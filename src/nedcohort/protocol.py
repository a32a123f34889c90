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

COVARIATES = {
    "age": "age at metastatic diagnosis (years)",
    "postmenopausal": "postmenopausal vs premenopausal",
    "ecog_0": "ECOG 0 vs ≥ 1 at first-line start",
    "de_novo": "de novo vs recurrent metastatic disease",
    "visceral": "visceral (liver, lung, CNS, pleura) vs non-visceral metastases",
    "liver": "liver metastases",
    "lung": "lung metastases",
    "cns": "CNS metastases",
    "multiple_sites": "≥ 2 vs 1 metastatic sites",
    "her2_ihc3": "HER2 IHC 3+ vs 2+/ISH+",
    "er_positive": "ER-positive",
    "pr_positive": "PR-positive",
    "hr_positive": "ER- or PR-positive",
    "grade_3": "histologic grade 3 vs ≤ 2",
    "grade_le2": "histologic grade ≤ 2 vs 3",
    "ki67": "Ki-67 (%)",
    "pertuzumab": "trastuzumab with pertuzumab vs trastuzumab alone",
    "endocrine": "concomitant endocrine therapy in first line",
    "local_therapy": "metastasis-directed local therapy",
    "interruption": "treatment interruption",
    "ned": "radiologic NED reached before progression",
}


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


class Analyses(Strict):
    table1: list[str] = Field(default_factory=list)
    table1_fisher: list[str] = Field(default_factory=list)
    logistic: Logistic | None = None
    km_by: str = "ned"
    cox: Cox | None = None
    bias_aware: BiasAware | None = Field(default_factory=BiasAware)


class Study(Strict):
    """A study protocol."""

    name: str
    data: Data
    conventions: Literal["r", "spss"] = "r"
    sclerotic_without_pet: Literal["active", "inactive"] = "active"
    eligibility: Eligibility = Field(default_factory=Eligibility)
    analyses: Analyses
    seed: int = 2026
    patients: PatientsLevel | None = None

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
