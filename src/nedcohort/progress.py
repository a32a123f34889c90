"""Progress of long steps, reported through the standard ``logging`` module.

The library only logs (logger ``nedcohort``): one record when a step starts and one when
it ends, with the step's name and elapsed seconds in ``extra``. The command line decides
how to show them — a rich status line, JSON lines (``--log-json``) or nothing
(``--quiet``) — so library users keep full control with ordinary logging configuration.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger("nedcohort")


@contextmanager
def step(name: str) -> Iterator[None]:
    """Log the start and the end (with elapsed seconds) of ``name``."""
    logger.info("%s …", name, extra={"step": name, "event": "start"})
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    logger.info(
        "%s done in %.1f s",
        name,
        elapsed,
        extra={"step": name, "event": "end", "elapsed_s": round(elapsed, 3)},
    )


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, step, event, elapsed_s, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": round(record.created, 3),
            "level": record.levelname.lower(),
            "message": record.getMessage(),
        }
        for key in ("step", "event", "elapsed_s"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, ensure_ascii=False)
