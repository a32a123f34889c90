"""nedcohort: real-world oncology cohort studies of response states.

The pipeline runs one way: sources -> ingest -> derive -> cohort -> analyze -> report.
This release provides the record model (:mod:`nedcohort.schema`), reading and validation
(:mod:`nedcohort.io`), the RECIST/NED/PFS derivation (:mod:`nedcohort.derive`), the
statistical core matched to R's ``survival`` (:mod:`nedcohort.stats`) and the synthetic
population (:mod:`nedcohort.simulate`); cohort assembly and the report follow.
"""

from nedcohort import derive, io, stats
from nedcohort.errors import (
    DataError,
    LowEventsPerVariableWarning,
    ModelFitError,
    NedcohortError,
    ProtocolError,
    SeparationWarning,
)

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "LowEventsPerVariableWarning",
    "ModelFitError",
    "NedcohortError",
    "ProtocolError",
    "SeparationWarning",
    "__version__",
    "derive",
    "io",
    "stats",
]
