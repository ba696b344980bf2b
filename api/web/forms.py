"""The one path of every signed-in HTML form: read what was posted, make the change, then go on
with a 303, or show the same page again with what was typed and the reason beside the field."""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.errors import (
    AppError,
    Forbidden,
    LoginRequired,
    NotFound,
    TwoFactorSetupRequired,
    Unauthorized,
)
from api.i18n import N_, translate
from api.templating import templates

# Not a mistake in what was typed: these keep their own page (a 404 for another organisation's
# id, a 403 for someone who may not do this, the way to sign in or to set up two-factor).
PASSED_ON = (NotFound, Forbidden, Unauthorized, LoginRequired, TwoFactorSetupRequired)

Values = dict[str, Any]
Context = Callable[[Request, SignedIn, Session], Mapping[str, Any]]


FILL_IN = N_("Please fill this in.")
TOO_LONG = N_("Please keep this under %(count)s characters.")
TOO_SMALL = N_("Please enter %(limit)s or more.")
TOO_BIG = N_("Please enter %(limit)s or less.")
NOT_A_NUMBER = N_("Please enter a whole number.")
CHECK_FIELD = N_("Please check what you entered here.")
# Pydantic's own errors, in plain words the catalogues hold (with what fills their blanks).
PYDANTIC_ERRORS = {
    "string_too_short": (FILL_IN, ""),
    "missing": (FILL_IN, ""),
    "string_too_long": (TOO_LONG, "max_length"),
    "greater_than_equal": (TOO_SMALL, "ge"),
    "less_than_equal": (TOO_BIG, "le"),
    "int_parsing": (NOT_A_NUMBER, ""),
    "int_from_float": (NOT_A_NUMBER, ""),
}


def form_errors(error: ValidationError, request: Request) -> dict[str, str]:
    """Pydantic's errors as one sentence per field in the page's language, for the form to
    show beside each input. Our validators' own sentences are marked with N_()."""
    messages: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "form"
        if item["type"] == "value_error":
            text = translate(request, str(item["msg"]).removeprefix("Value error, "))
        else:
            message, blank = PYDANTIC_ERRORS.get(item["type"], (CHECK_FIELD, ""))
            limit = item.get("ctx", {}).get(blank, "")
            text = translate(request, message) % {"count": limit, "limit": limit}
        messages.setdefault(name, text)
    return messages


async def read_form(request: Request) -> Values:
    """The posted fields (lists for `*_ids`), kept to show the form again if something is wrong."""
    form = await request.form()
    return {
        key: form.getlist(key) if key.endswith("_ids") else form.get(key)
        for key in form
        if key != "csrf_token"
    }


@dataclass(frozen=True)
class FormPage:
    """A signed-in page that holds forms: its template, what it shows, and the values its main
    form starts with (`context` may return `values` of its own, such as the stored settings)."""

    template: str
    context: Context
    default_values: Mapping[str, Any] = field(default_factory=dict)

    def render(
        self,
        request: Request,
        manager: SignedIn,
        session: Session,
        *,
        values: Values | None = None,
        errors: Mapping[str, str] | None = None,
        form: str = "",
        status_code: int = 200,
        **extra: Any,
    ) -> Response:
        """The page; after a mistake, `form` names the form that was sent (blank: the main one),
        `values` what was typed in it and `errors` the reason beside each field."""
        context = {"values": dict(self.default_values), **self.context(request, manager, session)}
        if values is not None:
            context["values"] = values
        context.update(manager=manager, errors=errors or {}, failed_form=form, **extra)
        return templates.TemplateResponse(request, self.template, context, status_code=status_code)


def submit_form(
    page: FormPage,
    request: Request,
    manager: SignedIn,
    session: Session,
    action: Callable[[], str | Response],
    *,
    values: Values | None = None,
    form: str = "",
    error_field: str = "form",
    fields_with_errors: Collection[str] = (),
    messages: Mapping[str, str] | None = None,
) -> Response:
    """Run the form's `action`, which answers where to go next (a 303) or, for a page shown only
    once (a new secret), the answer itself. A mistake shows `page` again with `values` kept:
    a validation error beside its fields (422), an `AppError` beside `error_field` with its
    status (409 for a name taken), or beside its own field if the page shows errors there
    (`fields_with_errors`). `messages` rewords a field's validation error."""
    try:
        outcome = action()
    except ValidationError as error:
        errors, status_code = form_errors(error, request), 422
        reworded = {name: translate(request, text) for name, text in (messages or {}).items()}
        errors.update({name: text for name, text in reworded.items() if name in errors})
    except PASSED_ON:
        raise
    except AppError as error:
        beside = error.field if error.field and error.field in fields_with_errors else error_field
        errors, status_code = {beside: error.shown(request)}, error.status_code
    else:
        if isinstance(outcome, Response):
            return outcome
        return RedirectResponse(outcome, status_code=303)
    # A failed write may leave the transaction aborted (PostgreSQL); the page reads afresh.
    session.rollback()
    return page.render(
        request, manager, session, values=values, errors=errors, form=form, status_code=status_code
    )
