"""The JSON API: public submission by code, and an organisation's cards for its API keys."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from api.customer.cards import new_card, store_card
from api.customer.codes import CodeContext, find_code
from api.customer.follow_up.service import follow_up_url
from api.customer.schemas import CardIn, CardReceipt
from api.errors import Gone, NotFound, TooManyRequests, error_responses
from api.inbox.card_query import InboxFilter, day_bounds
from api.inbox.schemas import CardOut, CardPage, CardStatusIn, PublicCodeOut, StaffOut
from api.inbox.service import get_card, list_cards, set_status
from api.models import CardStatus, Organisation
from api.protection.limiter import take_card
from api.runtime import Runtime
from api.web.deps import ApiTenant, RuntimeDep, SessionDep, WriteSessionDep
from api.web.ids import ID_PATTERN, PathId, RowId, parse_id

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


@router.get("/cards", tags=["cards"], responses=error_responses(401))
def read_cards(
    tenant: ApiTenant,
    session: SessionDep,
    location: Annotated[RowId | None, Query()] = None,
    employee: Annotated[RowId | None, Query()] = None,
    rating: Annotated[int | None, Query(ge=1, le=5)] = None,
    status: Annotated[CardStatus | None, Query()] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    assignee: Annotated[str | None, Query(pattern=f"^(none|{ID_PATTERN})$")] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    q: Annotated[str, Query(max_length=100, description="Words the comment contains")] = "",
    before: Annotated[RowId | None, Query()] = None,
) -> CardPage:
    """The organisation's cards, newest first; pass `next_before` as `before` for the next page.

    `from` and `to` are days (inclusive) on the organisation's clock; `assignee=none` finds
    unassigned cards.
    """
    organisation = session.get(Organisation, tenant.organisation_id)
    created_from, created_before = day_bounds(
        from_, to, organisation.time_zone if organisation else "UTC"
    )
    filters = InboxFilter(
        location_id=location,
        employee_id=employee,
        rating=rating,
        status=status,
        tag=tag,
        assignee_id=parse_id(assignee),
        unassigned=assignee == "none",
        created_from=created_from,
        created_before=created_before,
        words=q,
        before_id=before,
    )
    page = list_cards(session=session, tenant=tenant, filters=filters)
    return CardPage(cards=page.cards, next_before=page.next_before_id)


@router.get("/cards/{card_id:id}", tags=["cards"], responses=error_responses(401))
def read_card(card_id: PathId, tenant: ApiTenant, session: SessionDep) -> CardOut:
    """One card."""
    return get_card(session=session, tenant=tenant, card_id=card_id)


@router.patch("/cards/{card_id:id}", tags=["cards"], responses=error_responses(401, 409))
def update_card(
    card_id: PathId, change: CardStatusIn, tenant: ApiTenant, session: WriteSessionDep
) -> CardOut:
    """Mark a card `seen` or `resolved`."""
    return set_status(session=session, tenant=tenant, card_id=card_id, status=change.status)
