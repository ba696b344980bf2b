"""Keep secrets in URLs out of the access log: an invitation link signs its holder up."""

import logging
import re

SECRET_PATH = re.compile(r"(/invitations/)[^/?#\s]+")


def redact(text: str) -> str:
    return SECRET_PATH.sub(r"\1…", text)


class RedactSecretPaths(logging.Filter):
    """Rewrites the path uvicorn's access log is about to write (its record args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_access_log_redaction() -> None:
    """Once per process, on uvicorn's access logger."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, RedactSecretPaths) for existing in access.filters):
        access.addFilter(RedactSecretPaths())
