"""nedcohort: real-world oncology cohort studies of response states.

The pipeline runs one way: sources -> ingest -> derive -> cohort -> analyze -> report.
This release provides the statistical core (:mod:`nedcohort.stats`), matched to R's
``survival`` package; the other stages follow the design in ``docs/``.
"""

from nedcohort import stats
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
    "stats",
]
