"""The inbox page: its filters from the query string, and the page itself, which the inbox's
routes (the list, and a refused bulk action) render."""

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from api.accounts.service import SignedIn
from api.inbox.card_query import InboxFilter, day_bounds
from api.inbox.card_work import list_assignees, list_tags
from api.inbox.events import latest_event_id
from api.inbox.service import count_unread, list_cards, list_filters
from api.models import CardStatus
from api.templating import templates
from api.text import cleaned
from api.web.ids import parse_id

# The inbox's query string: what a page, its "older" link, its export and its stream share.
FILTER_KEYS = ("q", "status", "rating", "location", "employee", "tag", "assignee", "from", "to")
RATINGS = ("1", "2", "3", "4", "5")


def optional_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def kept_query(params: Mapping[str, str]) -> dict[str, str]:
    """The filters as they were asked for, short and non-empty: the page keeps them in its URLs."""
    kept = {key: cleaned(params.get(key, "")).strip()[:100] for key in FILTER_KEYS}
    return {key: value for key, value in kept.items() if value}


def read_filters(query: Mapping[str, str], manager: SignedIn, before: str | None) -> InboxFilter:
    """An InboxFilter from the kept query; days are the organisation's days."""
    status = query.get("status", "")
    rating = query.get("rating", "")
    assignee = query.get("assignee", "")
    created_from, created_before = day_bounds(
        optional_date(query.get("from")),
        optional_date(query.get("to")),
        manager.organisation.time_zone,
    )
    return InboxFilter(
        location_id=parse_id(query.get("location")),
        employee_id=parse_id(query.get("employee")),
        rating=int(rating) if rating in RATINGS else None,
        status=CardStatus(status) if status in CardStatus.__members__ else None,
        tag=query.get("tag") or None,
        assignee_id=manager.user.id if assignee == "me" else parse_id(assignee),
        unassigned=assignee == "none",
        created_from=created_from,
        created_before=created_before,
        words=query.get("q", ""),
        before_id=parse_id(before),
    )


def render_inbox(
    request: Request,
    manager: SignedIn,
    session: Session,
    *,
    push_key: str,
    error: str | None = None,
    selected: frozenset[int] = frozenset(),
) -> Response:
    """The inbox page; a refused bulk action shows it again with its error and selection."""
    query = kept_query(request.query_params)
    filters = read_filters(query, manager, request.query_params.get("before"))
    # Read before the cards: a card stored in between is then both listed and streamed (the
    # page keeps one row per card), never neither.
    last_event_id = latest_event_id(session=session, tenant=manager.tenant)
    page = list_cards(session=session, tenant=manager.tenant, filters=filters)
    locations, employees = list_filters(session=session, tenant=manager.tenant)
    context: dict[str, Any] = {
        "manager": manager,
        "page": page,
        # Unread whatever the filters: the title's count, as the app's badge shows it.
        "unread": count_unread(session=session, tenant=manager.tenant),
        "query": query,
        "query_string": urlencode(query),
        "locations": locations,
        "employees": employees,
        "tags": list_tags(session=session, tenant=manager.tenant),
        "assignees": list_assignees(session=session, tenant=manager.tenant, any_location=True),
        "statuses": list(CardStatus),
        "error": error,
        "selected": selected,
        # The first, unsearched page stays live; others are a fixed view.
        "stream_url": stream_url(query, last_event_id) if filters.is_live else None,
        # The browser's applicationServerKey for "Get alerts on this device".
        "push_key": push_key,
    }
    return templates.TemplateResponse(
        request, "inbox/inbox.html", context, status_code=422 if error else 200
    )


def stream_url(query: Mapping[str, str], after: int) -> str:
    """Where this page's new cards come from: /inbox/stream with its filters."""
    return "/inbox/stream?" + urlencode({**query, "after": after})
