"""The customer's side: open a card from a printed code and send it. No login, no cookie."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from api.errors import AppError
from api.schemas import CardIn
from api.security import check_form_token, new_secret, sign_form_token
from api.services.cards import submit_card
from api.services.codes import CodeContext, load_code_context
from api.templating import templates

router = APIRouter(include_in_schema=False)
FORM_PURPOSE = "card"
FIELDS = ("rating", "comment", "employee_id", "contact_name", "contact_email", "contact_phone")


async def find_code(request: Request, token: str) -> CodeContext | None:
    """The code behind a scanned token, from the per-process cache when it is fresh."""
    cache = request.app.state.code_cache
    key = token.upper()
    hit, context = cache.get(key)
    if not hit:
        context = await run_in_threadpool(
            load_code_context, engine=request.app.state.engine, raw_token=token
        )
        cache.put(key, context)
    return context


def render_card(
    request: Request,
    context: CodeContext,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    secret = request.app.state.secret_key
    return templates.TemplateResponse(
        request,
        "card/card.html",
        {
            "code": context,
            "values": values or {},
            "errors": errors or {},
            "form_token": sign_form_token(secret, FORM_PURPOSE, context.token),
            "idempotency_key": (values or {}).get("idempotency_key") or new_secret(18),
        },
        status_code=status_code,
    )


def render_missing(request: Request, context: CodeContext | None) -> Response:
    if context is None:
        return templates.TemplateResponse(request, "card/unknown.html", {}, status_code=404)
    return templates.TemplateResponse(
        request, "card/revoked.html", {"code": context}, status_code=410
    )


@router.get("/c/{token}")
@router.get("/C/{token}")
async def open_card(request: Request, token: str) -> Response:
    """The card page a QR code opens."""
    context = await find_code(request, token)
    if context is None or context.revoked:
        return render_missing(request, context)
    return render_card(request, context)


@router.post("/c/{token}")
@router.post("/C/{token}")
async def send_card(request: Request, token: str) -> Response:
    """Store the card and answer with the thank-you page in the same request."""
    context = await find_code(request, token)
    if context is None or context.revoked:
        return render_missing(request, context)
    form = await request.form()
    values = form_values(form)
    settings = request.app.state.settings
    if not check_form_token(
        request.app.state.secret_key,
        FORM_PURPOSE,
        context.token,
        str(form.get("form_token", "")),
        max_age_seconds=settings.card_token_days * 86400,
    ):
        message = "This page was open too long. Your card is still here: please send it again."
        return render_card(
            request, context, values=values, errors={"form": message}, status_code=422
        )
    try:
        data = CardIn.model_validate(card_fields(values))
    except ValidationError as error:
        return render_card(
            request, context, values=values, errors=field_errors(error), status_code=422
        )
    try:
        submission = await run_in_threadpool(
            submit_card,
            engine=request.app.state.engine,
            context=context,
            data=data,
            idempotency_key=values["idempotency_key"],
            language=context.default_language,
        )
    except AppError as error:
        return render_card(
            request, context, values=values, errors={"form": error.message}, status_code=422
        )
    return templates.TemplateResponse(
        request, "card/thanks.html", {"code": context, "card": submission.card}
    )


def form_values(form: FormData) -> dict[str, Any]:
    """What the customer typed, kept to show again if something needs fixing."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in FIELDS}
    values["wants_reply"] = form.get("wants_reply") in ("on", "1", "true")
    values["idempotency_key"] = str(form.get("idempotency_key", ""))[:100]
    return values


def card_fields(values: dict[str, Any]) -> dict[str, Any]:
    fields = {name: values[name] for name in FIELDS}
    fields["wants_reply"] = values["wants_reply"]
    fields["employee_id"] = values["employee_id"] or None
    if not fields["rating"]:
        fields.pop("rating")
    return fields


FRIENDLY = {
    "rating": "Please choose a face from 1 to 5.",
    "employee_id": "Please pick someone from the list.",
    "comment": "Your comment is too long: please keep it under 4,000 characters.",
    "contact_name": "Please keep your name under 120 characters.",
}


def field_errors(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors as one plain sentence per field."""
    messages: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "form"
        text = FRIENDLY.get(field) or str(item["msg"]).removeprefix("Value error, ")
        messages.setdefault(field, text)
    return messages
