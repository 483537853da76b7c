"""Structured logs: one JSON object per line on stderr, for log collectors (CI, containers, a scheduler) to parse.

`configure(level)` sends this package's loggers there; a module logs with `logging.getLogger(__name__)` and puts
the facts in `extra=`, e.g. `log.info("data ingested", extra={"rows": 569})` becomes
{"time": "...", "level": "INFO", "logger": "...ingest", "message": "data ingested", "rows": 569}.
Command output (the JSON or CSV a command prints for its caller) stays on stdout, outside the logs.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

PACKAGE = __name__.rpartition(".")[0]
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# The attributes every LogRecord has: anything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, ISO 8601), level, logger, message, the `extra=` fields, and the
    traceback of an exception if one is attached."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to the sys.stderr of the moment (a test's capture, a redirected stream), not the one at set-up."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # emit runs under the handler's lock
        super().emit(record)


def configure(level: str | int = "INFO") -> logging.Logger:
    """Send this package's logs at `level` and above to stderr as JSON lines; calling it again only resets the level.

    Other libraries' loggers (Prefect, MLflow) keep their own handlers and format.
    """
    logger = logging.getLogger(PACKAGE)
    logger.setLevel(level.upper() if isinstance(level, str) else level)
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        logger.addHandler(_StderrHandler())
    logger.propagate = False  # the root logger's handlers (if any) would print each record a second time
    return logger
