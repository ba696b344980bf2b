"""The public JSON API: what a printed code is about, and sending its card (no key needed)."""

from typing import Annotated

from fastapi import APIRouter, Header, Request

from api.customer.cards import new_card, store_card
from api.customer.codes import CodeContext, find_code
from api.customer.follow_up.service import follow_up_url
from api.customer.schemas import CardIn, CardReceipt, PublicCodeOut, StaffOut
from api.errors import Gone, NotFound, TooManyRequests, error_responses
from api.protection.limiter import take_card
from api.runtime import Runtime
from api.web.deps import RuntimeDep

# Tried right after the card pages (api.customer.routers): the customer's path is the busiest,
# and matching a request against the app's routes costs more the further down its route is.
router = APIRouter(prefix="/api/v1", responses=error_responses(400, 404, 422, 503))


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


@router.post(
    "/codes/{token}/cards",
    status_code=201,
    tags=["public"],
    responses=error_responses(410, 429),
)
async def create_card(
    request: Request,
    token: str,
    card: CardIn,
    runtime: RuntimeDep,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=100)],
) -> CardReceipt:
    """Public: send a card. The same `Idempotency-Key` again replays the first answer.

    Each client (an IPv4 address, or an IPv6 /64) may send a limited number of cards to one code
    in a window (TELLUS_CARD_LIMIT); past it, a `429` says when to send again."""
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
    return CardReceipt(
        id=submission.card.id,
        created_at=submission.card.created_at,
        follow_up_url=follow_up_url(
            base_url=runtime.settings.base_url, token=submission.follow_up_token
        ),
    )
