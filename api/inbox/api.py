"""The JSON API: an organisation's cards, for its API keys."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.errors import error_responses
from api.inbox.card_query import InboxFilter, day_bounds
from api.inbox.schemas import CardOut, CardPage, CardStatusIn
from api.inbox.service import get_card, list_cards, set_status
from api.models import CardStatus, Organisation
from api.web.deps import ApiTenant, PathId, SessionDep, WriteSessionDep
from api.web.id_rule import ID_PATTERN
from api.web.ids import RowId, parse_id

router = APIRouter(prefix="/api/v1", responses=error_responses(400, 404, 422, 503))


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
