"""The access log `tellus serve` writes: uvicorn's lines, made for a fraction of their cost.

Every request writes one line, the customer's card among them. uvicorn's own formatter copies
each record twice and looks its status up in an enum; with the redaction of secret paths
(api.web.log_redaction), a line took a seventh of the server's main thread as it stored cards.
This formatter writes the same text; in a loop of its own, a line costs a third of what it did
(bench/README.md).
In a terminal, where uvicorn colours the line, uvicorn's formatter writes it as before.
"""

import copy
import http
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter as UvicornAccessFormatter

# What uvicorn's configuration asks of its access formatter; another format goes to uvicorn's.
UVICORN_FORMAT = LOGGING_CONFIG["formatters"]["access"]["fmt"]
STATUSES = {status.value: f"{status.value} {status.phrase}" for status in http.HTTPStatus}


class AccessFormatter(UvicornAccessFormatter):
    """`INFO:     203.0.113.9:5123 - "POST /api/v1/codes/X/cards HTTP/1.1" 201 Created`, built
    straight from the five values uvicorn logs for each request."""

    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        # uvicorn's five values (the status an int), for uvicorn's format, with nothing to add.
        ours = isinstance(args, tuple) and len(args) == 5 and type(args[4]) is int
        plain = not (self.use_colors or record.exc_info or record.stack_info)
        if not (ours and plain and self._fmt == UVICORN_FORMAT):
            return super().format(record)
        client, method, path, version, status = args  # type: ignore[misc]
        level = record.levelname
        # As uvicorn writes an unknown status: its number and an empty phrase.
        status_line = STATUSES.get(status) or f"{status} "  # type: ignore[arg-type]
        return (
            f'{level}:{" " * (8 - len(level))} {client} - "{method} {path} HTTP/{version}" '
            f"{status_line}"
        )


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration, its access lines written by AccessFormatter."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["access"]["()"] = f"{__name__}.{AccessFormatter.__name__}"
    return config
