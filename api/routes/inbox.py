"""The manager's inbox pages."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.deps import (
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
    positive_id,
)
from api.models import CardStatus
from api.routes.replies import render_card_page, reply_section, template_text
from api.services.accounts import SignedIn
from api.services.events import latest_event_id
from api.services.inbox import InboxFilter, list_cards, list_filters, set_status
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
    # Read before the cards: a card stored in between is then both listed and streamed (the
    # page keeps one row per card), never neither.
    last_event_id = latest_event_id(session=session, tenant=manager.tenant)
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
            # The first page stays live; an older page is a fixed view of the past.
            "stream_url": None if filters.before_id else stream_url(filters, last_event_id),
            # The browser's applicationServerKey for "Get alerts on this device".
            "push_key": request.app.state.vapid_keys.public_key_b64,
        },
    )


def stream_url(filters: InboxFilter, after: int) -> str:
    """Where this page's new cards come from: /inbox/stream with its filters."""
    query = {
        "location": filters.location_id,
        "employee": filters.employee_id,
        "rating": filters.rating,
        "after": after,
    }
    return "/inbox/stream?" + urlencode({k: v for k, v in query.items() if v is not None})


@router.get("/inbox/{card_id}")
def card_detail(
    request: Request,
    card_id: str,
    manager: CurrentManager,
    session: SessionDep,
    template: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """One card, with what can be done about it (?template= prefills the reply without JS)."""
    number = positive_id(card_id)
    body = template_text(session, manager, template)
    reply = reply_section(session, manager, number, body=body)
    return render_card_page(request, manager, session, number, reply=reply)


def change_status(
    card_id: str, manager: SignedIn, session: Session, status: CardStatus
) -> Response:
    set_status(session=session, tenant=manager.tenant, card_id=positive_id(card_id), status=status)
    return RedirectResponse(f"/inbox/{card_id}", status_code=303)


@router.post("/inbox/{card_id}/seen")
def mark_seen(card_id: str, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Mark a card read: the card page's script asks as it opens (a GET never changes it)."""
    return change_status(card_id, manager, session, CardStatus.seen)


@router.post("/inbox/{card_id}/acknowledge")
def acknowledge(card_id: str, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Say someone is on it."""
    return change_status(card_id, manager, session, CardStatus.acknowledged)


@router.post("/inbox/{card_id}/resolve")
def mark_resolved(card_id: str, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Mark a card resolved."""
    return change_status(card_id, manager, session, CardStatus.resolved)


@router.post("/inbox/{card_id}/dismiss")
def dismiss(card_id: str, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Close a card that needs nothing done."""
    return change_status(card_id, manager, session, CardStatus.dismissed)
