"""The manager's inbox pages."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from api.deps import (
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
    positive_id,
)
from api.models import CardStatus
from api.services.inbox import InboxFilter, get_card, list_cards, list_filters, set_status
from api.templating import templates

router = APIRouter(include_in_schema=False)


def optional_int(value: str | None, *, low: int = 1, high: int = 10**18) -> int | None:
    """A filter from the query string; an empty or nonsense value means "any"."""
    if value and value.isdigit() and low <= int(value) <= high:
        return int(value)
    return None


@router.get("/")
def home(manager: CurrentManager) -> Response:
    return RedirectResponse("/inbox", status_code=303)


@router.get("/inbox")
def inbox(
    request: Request,
    manager: CurrentManager,
    session: SessionDep,
    location: Annotated[str | None, Query(max_length=20)] = None,
    employee: Annotated[str | None, Query(max_length=20)] = None,
    rating: Annotated[str | None, Query(max_length=2)] = None,
    before: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The organisation's cards, newest first, with filters."""
    filters = InboxFilter(
        location_id=optional_int(location),
        employee_id=optional_int(employee),
        rating=optional_int(rating, high=5),
        before_id=optional_int(before),
    )
    page = list_cards(session=session, tenant=manager.tenant, filters=filters)
    locations, employees = list_filters(session=session, tenant=manager.tenant)
    return templates.TemplateResponse(
        request,
        "inbox/inbox.html",
        {
            "manager": manager,
            "page": page,
            "filters": filters,
            "locations": locations,
            "employees": employees,
        },
    )


@router.get("/inbox/{card_id}")
def card_detail(
    request: Request, card_id: str, manager: CurrentManager, session: SessionDep
) -> Response:
    """One card, with what can be done about it."""
    card = get_card(session=session, tenant=manager.tenant, card_id=positive_id(card_id))
    return templates.TemplateResponse(
        request, "inbox/card.html", {"manager": manager, "card": card}
    )


@router.post("/inbox/{card_id}/seen")
def mark_seen(card_id: str, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Mark a card read."""
    set_status(
        session=session, tenant=manager.tenant, card_id=positive_id(card_id), status=CardStatus.seen
    )
    return RedirectResponse(f"/inbox/{card_id}", status_code=303)


@router.post("/inbox/{card_id}/resolve")
def mark_resolved(card_id: str, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Mark a card resolved."""
    set_status(
        session=session,
        tenant=manager.tenant,
        card_id=positive_id(card_id),
        status=CardStatus.resolved,
    )
    return RedirectResponse(f"/inbox/{card_id}", status_code=303)
