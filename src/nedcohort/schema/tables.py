"""Declarative definitions of the record tables.

Each column says its type, whether it is required, its allowed values or range, its
unit and what it means. Validation (``nedcohort.io.validation``), the study database
and ``docs/data-model.md`` are all generated from these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TYPES = ("text", "integer", "number", "date", "boolean", "category")


@dataclass(frozen=True)
class Column:
    """One column of a record table."""

    name: str
    type: str  # one of TYPES
    required: bool = False
    allowed: tuple[str, ...] = ()  # for categories
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class Table:
    """A record table: its columns, key and the tables its ids refer to."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # unique per row
    references: dict[str, str] = field(default_factory=dict)  # column -> parent table
    description: str = ""

    def column(self, name: str) -> Column:
        """The definition of ``name``."""
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        """Names of the required columns."""
        return [c.name for c in self.columns if c.required]


POS_NEG = ("positive", "negative")
SITES = ("bone", "liver", "lung", "cns", "distant_lymph_node", "soft_tissue", "pleura", "other")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "patients",
            (
                Column("patient_id", "text", True, description="unique patient identifier"),
                Column("center", "text", True, description="treating center"),
                Column("birth_date", "date", description="date of birth"),
                Column("metastatic_diagnosis_date", "date", True,
                       description="diagnosis of metastatic disease"),
                Column("de_novo", "boolean", description="metastatic at first diagnosis"),
                Column("menopausal_status", "category", allowed=("pre", "post")),
                Column("her2_ihc", "category", True, allowed=("0", "1+", "2+", "3+"),
                       description="HER2 immunohistochemistry score"),
                Column("her2_ish", "category", allowed=POS_NEG,
                       description="HER2 in-situ hybridization"),
                Column("er_status", "category", allowed=POS_NEG),
                Column("pr_status", "category", allowed=POS_NEG),
                Column("histologic_grade", "integer", minimum=1, maximum=3),
                Column("ki67_percent", "number", minimum=0, maximum=100, unit="%"),
                Column("ecog", "integer", minimum=0, maximum=4,
                       description="ECOG performance status at first-line start"),
                Column("last_followup_date", "date", True),
                Column("death_date", "date"),
            ),
            key=("patient_id",),
            description="one row per patient",
        ),
        Table(
            "metastatic_sites",
            (
                Column("patient_id", "text", True),
                Column("site", "category", True, allowed=SITES),
                Column("date_detected", "date"),
            ),
            key=("patient_id", "site"),
            references={"patient_id": "patients"},
            description="one row per metastatic site of a patient",
        ),
        Table(
            "treatments",
            (
                Column("patient_id", "text", True),
                Column("line", "integer", True, minimum=1, description="line of therapy"),
                Column("agent", "text", True, description="drug name"),
                Column("category", "category", True,
                       allowed=("anti_her2", "chemotherapy", "endocrine", "other")),
                Column("start_date", "date", True),
                Column("end_date", "date", description="empty while ongoing"),
            ),
            key=("patient_id", "line", "agent", "start_date"),
            references={"patient_id": "patients"},
            description="systemic therapy, one row per agent and line",
        ),
        Table(
            "treatment_interruptions",
            (
                Column("patient_id", "text", True),
                Column("agent", "text", True),
                Column("start_date", "date", True),
                Column("end_date", "date", True),
                Column("reason", "text"),
            ),
            key=("patient_id", "agent", "start_date"),
            references={"patient_id": "patients"},
            description="temporary interruptions of a drug",
        ),
        Table(
            "local_therapies",
            (
                Column("patient_id", "text", True),
                Column("date", "date", True),
                Column("modality", "category", True,
                       allowed=("surgery", "radiotherapy", "ablation")),
                Column("target", "category", True, allowed=("primary", "metastasis")),
            ),
            key=("patient_id", "date", "modality", "target"),
            references={"patient_id": "patients"},
            description="metastasis- or primary-directed local therapy",
        ),
        Table(
            "imaging_exams",
            (
                Column("exam_id", "text", True),
                Column("patient_id", "text", True),
                Column("exam_date", "date", True),
                Column("modality", "category", True,
                       allowed=("CT", "PET-CT", "MRI", "bone_scintigraphy")),
                Column("reader_assessment", "category",
                       allowed=("ned", "residual", "progression"),
                       description="radiologist's conclusion, for centers without lesion data"),
            ),
            key=("exam_id",),
            references={"patient_id": "patients"},
            description="one row per imaging exam",
        ),
        Table(
            "lesions",
            (
                Column("exam_id", "text", True),
                Column("lesion_id", "text", True, description="stable across exams"),
                Column("role", "category", True, allowed=("target", "non_target", "new")),
                Column("site", "category", True, allowed=SITES),
                Column("is_lymph_node", "boolean", True),
                Column("diameter_mm", "number", minimum=0, unit="mm",
                       description="longest diameter (short axis for nodes); 0 = disappeared"),
                Column("nontarget_status", "category",
                       allowed=("present", "absent", "unequivocal_progression")),
                Column("bone_appearance", "category", allowed=("lytic", "sclerotic", "mixed")),
                Column("fdg_avid", "boolean", description="PET-CT only"),
            ),
            key=("exam_id", "lesion_id"),
            references={"exam_id": "imaging_exams"},
            description="one row per lesion per exam",
        ),
    )
}  # fmt: skip


def table_names() -> list[str]:
    """Table names in dependency order (parents first)."""
    return list(TABLES)
