"""The manager's inbox pages."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.inbox.card_page import render_card_page, reply_section, template_text
from api.inbox.inbox_page import render_inbox
from api.inbox.service import set_status
from api.models import CardStatus
from api.web.deps import (
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    VapidKeysDep,
    WriteSessionDep,
)

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(manager: CurrentManager) -> Response:
    return RedirectResponse("/inbox", status_code=303)


@router.get("/inbox")
def inbox(
    request: Request, manager: CurrentManager, session: SessionDep, vapid_keys: VapidKeysDep
) -> Response:
    """The organisation's cards, newest first, with filters and search."""
    return render_inbox(request, manager, session, push_key=vapid_keys.public_key_b64)


@router.get("/inbox/{card_id:id}")
def card_detail(
    request: Request,
    card_id: int,
    manager: CurrentManager,
    session: SessionDep,
    template: Annotated[str | None, Query(max_length=20)] = None,
    note_template: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """One card, with what can be done about it (?template= prefills the reply, and
    ?note_template= a compliment's note of thanks, without JS)."""
    body = template_text(session, manager, template)
    reply = reply_section(session, manager, card_id, body=body)
    note = template_text(session, manager, note_template)
    return render_card_page(request, manager, session, card_id, reply=reply, note=note)


def change_status(
    card_id: int, manager: SignedIn, session: Session, status: CardStatus
) -> Response:
    set_status(session=session, tenant=manager.tenant, card_id=card_id, status=status)
    return RedirectResponse(f"/inbox/{card_id}", status_code=303)


@router.post("/inbox/{card_id:id}/seen")
def mark_seen(card_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Mark a card read: the card page's script asks as it opens (a GET never changes it)."""
    return change_status(card_id, manager, session, CardStatus.seen)


@router.post("/inbox/{card_id:id}/acknowledge")
def acknowledge(card_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Say someone is on it."""
    return change_status(card_id, manager, session, CardStatus.acknowledged)


@router.post("/inbox/{card_id:id}/resolve")
def mark_resolved(card_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Mark a card resolved."""
    return change_status(card_id, manager, session, CardStatus.resolved)


@router.post("/inbox/{card_id:id}/dismiss")
def dismiss(card_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Close a card that needs nothing done."""
    return change_status(card_id, manager, session, CardStatus.dismissed)
