"""The customer's side: open a card from a printed code, or on a kiosk's tablet, and send it. No
login, no cookie (a kiosk's page even ends any session its browser had)."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from api.accounts.gate import session_cookie_name
from api.customer.card_form import (
    EXPIRED,
    TOO_MANY,
    Form,
    card_fields,
    field_errors,
    form_values,
    read_form,
)
from api.customer.card_pages import FORM_TOKEN, IDEMPOTENCY_KEY
from api.customer.cards import new_card, store_card
from api.customer.codes import CodeContext, find_code
from api.customer.confirmation import render_confirmation, render_decoy_thanks
from api.customer.kiosk_mode import KioskMode, open_kiosk_card, render_stopped
from api.customer.rendering import render_page
from api.customer.schemas import CardIn
from api.customer.thanks import render_thanks
from api.errors import AppError
from api.i18n import Language, page_language, set_page_language
from api.protection.form_tokens import read_card_token, sign_card_token
from api.protection.limiter import take_card
from api.protection.traps import caught_by_honeypot, needs_confirmation
from api.runtime import Runtime
from api.security import new_secret
from api.web.deps import RuntimeDep, runtime_of
from api.web.request_route import RequestRoute

router = APIRouter(include_in_schema=False)


def render_card(
    request: Request,
    context: CodeContext,
    *,
    secret: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    form_token: str | None = None,
    kiosk: KioskMode | None = None,
    idempotency_key: str | None = None,
) -> Response:
    """The card form; `form_token` keeps the token of the form the customer sent (its nonce and
    the time the page was opened), a new page gets a new one."""
    language = page_language(request)
    return render_page(
        request,
        "customer/card.html",
        {
            "code": context,
            "values": values or {},
            "errors": {field: language.gettext(text) for field, text in (errors or {}).items()},
            "form_token": form_token or sign_card_token(secret, context.token),
            "idempotency_key": idempotency_key
            or (values or {}).get("idempotency_key")
            or new_secret(18),
            "kiosk": kiosk,
        },
        status_code=status_code,
    )


def render_missing(request: Request, context: CodeContext | None) -> Response:
    if context is None:
        return render_page(request, "customer/unknown.html", {}, status_code=404)
    return render_page(request, "customer/revoked.html", {"code": context}, status_code=410)


def default_language(context: CodeContext | None) -> str:
    return context.default_language if context else "en"


async def open_card(request: Request, token: str) -> Response:
    """The card page a QR code opens, in the customer's language (see api.i18n)."""
    # Read directly rather than as a dependency: every scan pays for solving one.
    runtime = runtime_of(request)
    context = await find_code(cache=runtime.code_cache, engine=runtime.engine, token=token)
    set_page_language(request, default=default_language(context))
    if context is None or context.revoked:
        return render_missing(request, context)
    secret = runtime.secret_key
    # Rendered once per code, language and version; these two and the CSP nonce per request.
    return runtime.card_pages.serve(
        request,
        context,
        values={
            FORM_TOKEN: sign_card_token(secret, context.token),
            IDEMPOTENCY_KEY: new_secret(18),
        },
        render=partial(
            render_card,
            request,
            context,
            secret=secret,
            form_token=FORM_TOKEN,
            idempotency_key=IDEMPOTENCY_KEY,
        ),
    )


async def send_card(request: Request, token: str) -> Response:
    """Store the card and answer with the thank-you page in the same request; the bot traps and
    limits of api.protection may answer instead, each keeping the card (see its traps module)."""
    runtime = runtime_of(request)  # as open_card reads it
    context = await find_code(cache=runtime.code_cache, engine=runtime.engine, token=token)
    form = await read_form(request)
    # The answer speaks the language the form was shown in, carried in its hidden field.
    language = set_page_language(
        request, default=default_language(context), chosen=str(form.get("lang", ""))
    )
    if context is None or context.revoked:
        return render_missing(request, context)
    return await receive_card(request, context, runtime, form=form, language=language)


# The customer's two requests, each at both cases of the printed code's path (a QR code's
# alphanumeric mode is upper case). HEAD too: some scanner apps and link checkers ask before they
# open a link (uvicorn answers a HEAD with the GET's headers and no body).
for path in ("/c/{token}", "/C/{token}"):
    router.add_api_route(
        path, open_card, methods=["GET", "HEAD"], route_class_override=RequestRoute
    )
    router.add_api_route(path, send_card, methods=["POST"], route_class_override=RequestRoute)


async def receive_card(
    request: Request,
    context: CodeContext,
    runtime: Runtime,
    *,
    form: Form,
    language: Language,
    kiosk: KioskMode | None = None,
) -> Response:
    """A card sent to a code that takes cards, from a customer's phone or from a kiosk (which
    is never asked to confirm, has its own limits, and whose form is the device's own)."""
    values = form_values(form)
    if caught_by_honeypot(form):
        return render_decoy_thanks(request, context, values)
    settings, secret = runtime.settings, runtime.secret_key
    form_token = str(form.get("form_token", ""))
    card_token = read_card_token(
        secret, context.token, form_token, max_age_seconds=settings.card_token_days * 86400
    )
    if card_token is None:
        return render_card(
            request,
            context,
            secret=secret,
            values=values,
            errors={"form": EXPIRED},
            status_code=422,
            kiosk=kiosk,
        )
    # The form again, as the customer sent it (its token too), with what to do about it.
    again = partial(
        render_card,
        request,
        context,
        secret=secret,
        values=values,
        form_token=form_token,
        kiosk=kiosk,
    )
    try:
        data = CardIn.model_validate(card_fields(values))
    except ValidationError as error:
        return again(errors=field_errors(error), status_code=422)
    key = values["idempotency_key"]
    if kiosk is None and needs_confirmation(
        form=form,
        token=card_token,
        settings=settings,
        secret=secret,
        code_token=context.token,
        idempotency_key=key,
    ):
        return render_confirmation(
            request, context, secret=secret, values=values, data=data, form_token=form_token
        )
    verdict = await take_card(
        runtime.card_limiter,
        code_token=context.token,
        request=request,
        kiosk_id=kiosk.id if kiosk else None,
    )
    if not verdict.allowed:
        response = again(errors={"wait": TOO_MANY}, status_code=429)
        response.headers["Retry-After"] = str(verdict.retry_after)
        return response
    try:
        new = new_card(
            context=context,
            data=data,
            idempotency_key=key,
            language=language.tag,
            secret=secret,
            # A kiosk's offline copy of its page serves customer after customer with one token.
            form_nonce=None if kiosk else card_token.nonce,
            alerts=verdict.alerts,
        )
        submission = await store_card(
            engine=runtime.engine, card_writer=runtime.card_writer, new=new
        )
    except AppError as error:
        return again(errors={"form": error.message}, status_code=422)
    return render_thanks(request, context, runtime, submission, kiosk=kiosk)


@router.get("/k/{token}")
async def kiosk_card(request: Request, token: str, runtime: RuntimeDep) -> Response:
    """The kiosk's card, fresh (a new form token and key) for every customer."""
    opened = await open_kiosk_card(runtime, token)
    if opened is None:
        return render_stopped(request)
    kiosk, context = opened
    set_page_language(request, default=default_language(context))
    response = render_card(request, context, secret=runtime.secret_key, kiosk=kiosk)
    # Opening a kiosk signs the tablet's browser out: no customer reaches an inbox from it.
    response.delete_cookie(session_cookie_name(runtime.settings), path="/")
    return response


@router.post("/k/{token}")
async def kiosk_send(request: Request, token: str, runtime: RuntimeDep) -> Response:
    """A card sent from the kiosk: stored as from its code, counted against the kiosk's limit."""
    opened = await open_kiosk_card(runtime, token)
    if opened is None:
        return render_stopped(request)
    kiosk, context = opened
    form = await read_form(request)
    language = set_page_language(
        request, default=default_language(context), chosen=str(form.get("lang", ""))
    )
    return await receive_card(request, context, runtime, form=form, language=language, kiosk=kiosk)
