"""Working cards from the inbox: bulk actions, CSV export, assignment, notes and tags.

Included before api.inbox.pages, so that /inbox/export.csv is not read as a card id.
"""

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response, StreamingResponse

from api.accounts.service import SignedIn
from api.errors import Unprocessable
from api.i18n import N_
from api.inbox.bulk import BulkAction, apply_bulk
from api.inbox.card_page import render_card_page
from api.inbox.card_work import add_note, assign_card, tag_card, untag_card
from api.inbox.export import export_rows
from api.inbox.inbox_page import kept_query, read_filters, render_inbox
from api.text import ManagerText
from api.web.deps import (
    CsrfCheckedManager,
    CurrentManager,
    EngineDep,
    VapidKeysDep,
    WriteSessionDep,
)
from api.web.ids import parse_id, require_id

router = APIRouter(include_in_schema=False)

Text = Annotated[ManagerText, Form(max_length=2000)]


@router.get("/inbox/export.csv")
def export_csv(request: Request, manager: CurrentManager, engine: EngineDep) -> Response:
    """The current filter's cards as CSV, streamed (every page, not just the one shown)."""
    filters = read_filters(kept_query(request.query_params), manager, before=None)
    rows = export_rows(
        engine=engine,
        tenant=manager.tenant,
        filters=filters,
        time_zone=manager.organisation.time_zone,
    )
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tellus-cards.csv"'},
    )


@router.post("/inbox/bulk")
def bulk(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    vapid_keys: VapidKeysDep,
    action: Annotated[str, Form(max_length=20)] = "",
    card: Annotated[list[str], Form()] = [],  # noqa: B006  (FastAPI copies defaults)
    assignee: Annotated[str, Form(max_length=20)] = "",
    tag: Annotated[ManagerText, Form(max_length=100)] = "",
) -> Response:
    """One action on the selected cards: all of them or none; back to the same filters."""
    card_ids = [require_id(value) for value in card]
    try:
        if action not in BulkAction.__members__:
            raise Unprocessable(N_("Choose what to do with the selected cards."))
        if action == BulkAction.assign and assignee != "none" and parse_id(assignee) is None:
            raise Unprocessable(N_("Choose who to assign the cards to."))
        apply_bulk(
            session=session,
            tenant=manager.tenant,
            card_ids=card_ids,
            action=BulkAction(action),
            assignee_id=parse_id(assignee),
            tag=tag,
        )
    except Unprocessable as error:
        session.rollback()
        return render_inbox(
            request,
            manager,
            session,
            push_key=vapid_keys.public_key_b64,
            error=error.message,
            selected=frozenset(card_ids),
        )
    return RedirectResponse("/inbox?" + urlencode(kept_query(request.query_params)), 303)


def work_on_card(
    request: Request,
    manager: SignedIn,
    session: Session,
    card_id: int,
    change: Callable[[int], object],
    *,
    form: dict[str, str] | None = None,
    anchor: str = "",
) -> Response:
    """Make one change to a card and go back to it; a refused change shows the page again."""
    try:
        change(card_id)
    except Unprocessable as error:
        session.rollback()
        return render_card_page(request, manager, session, card_id, error=error.message, form=form)
    return RedirectResponse(f"/inbox/{card_id}{anchor}", status_code=303)


@router.post("/inbox/{card_id:id}/assign")
def assign(
    request: Request,
    card_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    assignee: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Give the card to a manager who can see it; an empty choice unassigns it."""

    def change(found: int) -> None:
        if assignee and parse_id(assignee) is None:
            raise Unprocessable(N_("Choose who to assign the card to."))
        assign_card(
            session=session,
            tenant=manager.tenant,
            card_id=found,
            assignee_id=parse_id(assignee),
        )

    return work_on_card(request, manager, session, card_id, change)


@router.post("/inbox/{card_id:id}/notes")
def note(
    request: Request,
    card_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    body: Text = "",
) -> Response:
    """Add an internal note (managers only)."""
    return work_on_card(
        request,
        manager,
        session,
        card_id,
        lambda found: add_note(session=session, tenant=manager.tenant, card_id=found, body=body),
        form={"body": body},
        anchor="#notes",
    )


@router.post("/inbox/{card_id:id}/tags")
def add_tag(
    request: Request,
    card_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    tag: Annotated[ManagerText, Form(max_length=100)] = "",
) -> Response:
    """Put one of the organisation's tags on the card (a new name makes a new tag)."""
    return work_on_card(
        request,
        manager,
        session,
        card_id,
        lambda found: tag_card(session=session, tenant=manager.tenant, card_id=found, name=tag),
        form={"tag": tag},
    )


@router.post("/inbox/{card_id:id}/tags/remove")
def remove_tag(
    card_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    tag: Annotated[ManagerText, Form(max_length=100)] = "",
) -> Response:
    """Take a tag off the card."""
    untag_card(session=session, tenant=manager.tenant, card_id=card_id, name=tag)
    return RedirectResponse(f"/inbox/{card_id}", status_code=303)
