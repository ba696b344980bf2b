"""The public JSON API: what a printed code is about, and sending its card (no key needed)."""

import json
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from api.customer.cards import IDEMPOTENCY_KEY_MAX, new_card, store_card
from api.customer.codes import CodeContext, find_code
from api.customer.follow_up.service import follow_up_url
from api.customer.schemas import CardIn, CardReceipt, PublicCodeOut, StaffOut
from api.errors import AppError, Gone, NotFound, TooManyRequests, error_responses
from api.protection.limiter import take_card
from api.runtime import Runtime
from api.web.api_docs import schema_ref
from api.web.deps import RuntimeDep, runtime_of
from api.web.request_route import RequestRoute

# Tried right after the card pages (api.customer.routers): the customer's path is the busiest,
# and matching a request against the app's routes costs more the further down its route is.
router = APIRouter(prefix="/api/v1", responses=error_responses(400, 404, 422, 503))
NOT_JSON = "Send the card as JSON (Content-Type: application/json)."


async def active_code(runtime: Runtime, token: str) -> CodeContext:
    context = await find_code(cache=runtime.code_cache, engine=runtime.engine, token=token)
    if context is None:
        raise NotFound("No card belongs to this code.")
    if context.revoked:
        raise Gone("This code is no longer in use.")
    return context


@router.get("/codes/{token}", tags=["public"], responses=error_responses(410))
async def read_code(token: str, runtime: RuntimeDep) -> PublicCodeOut:
    """Public: who a code's card goes to and which staff a customer can name."""
    context = await active_code(runtime, token)
    return PublicCodeOut(
        token=context.token,
        organisation=context.organisation_name,
        location=context.location_name,
        employee=context.employee_name,
        staff=[StaffOut(id=member.id, name=member.name) for member in context.staff],
    )


async def create_card(request: Request, token: str) -> Response:
    """Public: send a card. The same `Idempotency-Key` again replays the first answer.

    Each client (an IPv4 address, or an IPv6 /64) may send a limited number of cards to one code
    in a window (TELLUS_CARD_LIMIT); past it, a `429` says when to send again."""
    idempotency_key = read_idempotency_key(request)
    card = await read_card(request)
    runtime = runtime_of(request)
    context = await active_code(runtime, token)
    verdict = await take_card(runtime.card_limiter, code_token=context.token, request=request)
    if not verdict.allowed:
        raise TooManyRequests(retry_after=verdict.retry_after)
    new = new_card(
        context=context,
        data=card,
        idempotency_key=idempotency_key,
        language=context.default_language,
        secret=runtime.secret_key,
        alerts=verdict.alerts,
    )
    submission = await store_card(engine=runtime.engine, card_writer=runtime.card_writer, new=new)
    assert submission.card.id is not None
    receipt = CardReceipt(
        id=submission.card.id,
        created_at=submission.card.created_at,
        follow_up_url=follow_up_url(
            base_url=runtime.settings.base_url, token=submission.follow_up_token
        ),
    )
    return Response(receipt.model_dump_json(), status_code=201, media_type="application/json")


router.add_api_route(
    "/codes/{token}/cards",
    create_card,
    methods=["POST"],
    route_class_override=RequestRoute,
    status_code=201,
    response_model=CardReceipt,
    tags=["public"],
    responses=error_responses(410, 429),
    # The body and the key are read in the route (read_card, read_idempotency_key), which a
    # RequestRoute calls with the request and its token; this is FastAPI's documented way to
    # describe them then.
    openapi_extra={
        "parameters": [
            {
                "name": "idempotency-key",
                "in": "header",
                "required": True,
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": IDEMPOTENCY_KEY_MAX,
                    "title": "Idempotency-Key",
                },
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema_ref(CardIn)}},
        },
    },
)


async def read_card(request: Request) -> CardIn:
    """The card in the request's JSON body, or the 422 that names each wrong field. Read here,
    not by FastAPI: its reading of a body (the media type parsed as a mail header, the JSON
    decoded, then validated) and of the answer took a tenth of a card's CPU (bench/README.md)."""
    if not is_json(request.headers.get("content-type", "")):
        raise invalid([{"type": "content_type", "loc": (), "msg": NOT_JSON, "input": None}])
    try:
        body = await request.body()
    except ClientDisconnect:
        raise AppError("The request ended before its card arrived.") from None
    try:
        return CardIn.model_validate_json(body)
    except ValidationError as error:
        if not any(item["type"] == "json_invalid" for item in error.errors()):
            raise invalid(error.errors()) from None
    # pydantic's parser refuses what JSON's own allows and a phone may send (a lone surrogate
    # from text cut mid-emoji, which CustomerText then removes; a byte order mark): read it as
    # FastAPI did, so that no card is lost to a character nobody sees.
    try:
        data = json.loads(body)
    except ValueError as error:  # not JSON, or not in a Unicode encoding
        raise invalid(
            [{"type": "json_invalid", "loc": (), "msg": str(error), "input": None}]
        ) from None
    try:
        return CardIn.model_validate(data)
    except ValidationError as error:
        raise invalid(error.errors()) from None


def read_idempotency_key(request: Request) -> str:
    """The request's Idempotency-Key header, or the 422 FastAPI would answer for a header
    declared as a parameter, naming the header (FastAPI's solving of one cost 10 µs a card,
    bench/README.md)."""
    key = request.headers.get("idempotency-key")
    error = {"loc": ("header", "idempotency-key"), "input": key}
    if key is None:
        raise RequestValidationError([{**error, "type": "missing", "msg": "Field required"}])
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
        raise RequestValidationError(
            [
                {
                    **error,
                    "type": "string_too_short" if not key else "string_too_long",
                    "msg": f"The key must be 1 to {IDEMPOTENCY_KEY_MAX} characters long.",
                }
            ]
        )
    return key


def invalid(errors: Sequence[Any]) -> RequestValidationError:
    """A 422 that names each wrong field of the body, as the app answers FastAPI's own."""
    return RequestValidationError([{**item, "loc": ("body", *item["loc"])} for item in errors])


def is_json(content_type: str) -> bool:
    """Whether a Content-Type is JSON's: application/json, or a type ending in +json."""
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )
