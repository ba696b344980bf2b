"""One error type for the whole app, and the handler that renders it as HTML or JSON."""

from api.i18n import N_


class AppError(Exception):
    status_code = 400
    title = N_("Something went wrong")

    def __init__(self, message: str | None = None, *, status_code: int | None = None) -> None:
        super().__init__(message or self.title)
        self.message = message or self.title
        if status_code is not None:
            self.status_code = status_code


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
