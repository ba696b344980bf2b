"""Keep credentials in URLs out of the access log: whoever holds such a link can act with it."""

import logging
import re

# Every path whose next segment is a credential: an invitation, a customer's follow-up page
# (and its API twin), an unsubscribe link, a password-reset, email-confirmation or staff sign-in
# link, a kudos TV screen's link, a kiosk's.
# A route that puts a secret in its path adds its prefix here; a test scans a whole scenario's
# log for every token it made.
SECRET_PREFIXES = (
    "/invitations/",
    "/f/",
    "/api/v1/follow-up/",
    "/unsubscribe/",
    "/password-reset/",
    "/account/email/confirm/",
    "/tv/",
    "/staff/link/",
    "/k/",
)
# A prefix counts only at the start of a path (after the start of the text, a space or a quote).
SECRET_PATH = re.compile(
    r"(?<![^\s\"])(" + "|".join(re.escape(prefix) for prefix in SECRET_PREFIXES) + r")[^/?#\s]+"
)
ANY_PREFIX = re.compile("|".join(re.escape(prefix) for prefix in SECRET_PREFIXES))


def redact(text: str) -> str:
    # Most lines name no secret path: looking for a prefix alone costs a tenth of the pattern.
    if ANY_PREFIX.search(text) is None:
        return text
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
