"""One error type for the whole app, and the handler that renders it as HTML or JSON."""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request

from api.i18n import N_, translate

# How long a client is asked to wait (Retry-After) while the database does not answer.
DATABASE_RETRY_SECONDS = 5


class AppError(Exception):
    status_code = 400
    title = N_("Something went wrong")

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int | None = None,
        params: Mapping[str, object] | None = None,
        field: str | None = None,
    ) -> None:
        # A message with blanks (`%(name)s`) keeps them until it is shown, so that its
        # translation is found first; `params` fill them.
        self.message = message or self.title
        self.params = dict(params or {})
        # The form field the mistake is about, for a form that shows it there (api.web.forms).
        self.field = field
        super().__init__(self.message % self.params if self.params else self.message)
        if status_code is not None:
            self.status_code = status_code

    def shown(self, request: Request) -> str:
        """The message in the page's language, its blanks filled."""
        text = translate(request, self.message)
        return text % self.params if self.params else text


class NotFound(AppError):
    status_code = 404
    # As for a path that matches no route (api.main): a malformed id and a missing one look alike.
    title = N_("There is nothing here.")


class Forbidden(AppError):
    status_code = 403
    title = N_("Forbidden")


class Unauthorized(AppError):
    status_code = 401
    title = N_("Sign in required")


class LoginRequired(AppError):
    """A browser that must sign in first: answered with a redirect to /login."""

    status_code = 303
    title = N_("Sign in required")
    sign_in_path = "/login"


class StaffSignInRequired(LoginRequired):
    """A staff page without a staff session: sent to ask for a staff sign-in link."""

    sign_in_path = "/staff/sign-in"


class TwoFactorSetupRequired(AppError):
    """The organisation requires two-factor sign-in: a browser is sent to set it up first."""

    status_code = 403
    title = N_("Your organisation requires two-factor sign-in. Set it up under Account security.")


class Conflict(AppError):
    status_code = 409
    title = N_("Conflict")


class Unprocessable(AppError):
    status_code = 422
    title = N_("Invalid request")


class Gone(AppError):
    status_code = 410
    title = N_("No longer in use")


class TooManyRequests(AppError):
    """Past a rate limit: answered with `Retry-After` (see api.protection)."""

    status_code = 429
    title = N_("Too many cards from here just now. Please send yours again in a minute.")

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ErrorOut(BaseModel):
    """Every error's body in the JSON API: what went wrong, in words a person can act on."""

    detail: str


class FieldErrorOut(BaseModel):
    field: str
    message: str


class InvalidOut(BaseModel):
    """A 422: the request could not be used as sent; `errors` names each field that was wrong."""

    detail: str
    errors: list[FieldErrorOut] = []


ERROR_DESCRIPTIONS = {
    400: "The body could not be read (not JSON, or not UTF-8).",
    401: "No API key, or one that is not valid or was revoked.",
    403: "The key's organisation may not do this.",
    404: "Nothing here, or not this organisation's.",
    405: "This path takes other methods (an id that breaks the id rule reads as a code's token).",
    409: "It clashes with what is stored (a name taken, a state that forbids it).",
    410: "The code is no longer in use.",
    413: "The upload is too large.",
    422: "A field is missing or not valid.",
    429: "Too many cards from this client to this code for now: send again after the "
    "`Retry-After` header's seconds (the card was not stored).",
    503: "The database is unreachable for a moment: try again after Retry-After seconds.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of an API router: each error status it can answer, with its body."""
    return {
        status: {
            "model": InvalidOut if status == 422 else ErrorOut,
            "description": ERROR_DESCRIPTIONS[status],
            **({"headers": RETRY_AFTER} if status in (429, 503) else {}),
        }
        for status in statuses
    }


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
