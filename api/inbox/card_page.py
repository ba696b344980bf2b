"""The manager's card page: the card, working it (assignment, tags, notes, history), replies,
and passing a compliment on."""

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from api.accounts.service import SignedIn
from api.errors import NotFound
from api.inbox.card_history import card_history
from api.inbox.card_work import list_assignees, list_notes, list_tags
from api.inbox.replies.reply_templates import find_template, list_templates
from api.inbox.replies.service import list_replies
from api.inbox.service import get_card
from api.mail import server_for
from api.recognition.service import list_owners
from api.templating import templates
from api.web.deps import runtime_of


def reply_section(
    session: Session, manager: SignedIn, card_id: int, *, body: str = "", error: str = ""
) -> dict[str, Any]:
    """What the card page's reply section shows: the replies, the templates, the form."""
    return {
        "replies": list_replies(session=session, tenant=manager.tenant, card_id=card_id),
        "templates": list_templates(session=session, tenant=manager.tenant),
        "body": body,
        "error": error,
    }


def template_text(session: Session, manager: SignedIn, template: str | None) -> str:
    """A template's text chosen without JavaScript (?template=id), or nothing."""
    if not template or not template.isdigit() or len(template) > 18:
        return ""
    try:
        return find_template(session=session, tenant=manager.tenant, template_id=int(template)).body
    except NotFound:
        return ""


def render_card_page(
    request: Request,
    manager: SignedIn,
    session: Session,
    card_id: int,
    *,
    reply: dict[str, Any] | None = None,
    note: str = "",
    pass_on_error: str = "",
    error: str | None = None,
    form: Mapping[str, str] | None = None,
    status_code: int | None = None,
) -> Response:
    """The card page; a refused form shows it again with its error and the words typed."""
    tenant = manager.tenant
    card = get_card(session=session, tenant=tenant, card_id=card_id)
    settings = runtime_of(request).settings
    server = server_for(session=session, organisation_id=tenant.organisation_id, settings=settings)
    context: dict[str, Any] = {
        "manager": manager,
        "card": card,
        "notes": list_notes(session=session, tenant=tenant, card_id=card_id),
        "history": card_history(session=session, tenant=tenant, card_id=card_id),
        "assignees": list_assignees(session=session, tenant=tenant, location_id=card.location_id),
        "tags": list_tags(session=session, tenant=tenant),
        "error": error,
        "form": form or {},
        "reply": reply if reply is not None else reply_section(session, manager, card_id),
        # A compliment not yet passed on: the form to thank its employee, and whom to copy in.
        "pass_on": {
            "owners": list_owners(session=session, organisation_id=tenant.organisation_id),
            "note": note,
            "error": pass_on_error,
        }
        if card.compliment and card.passed_on is None
        else None,
        "pass_on_error": pass_on_error,
        # The reply form says what becomes of the next reply: emailed only through a server.
        "can_email": server is not None,
    }
    if status_code is None:
        status_code = 422 if error or pass_on_error else 200
    return templates.TemplateResponse(request, "inbox/card.html", context, status_code=status_code)
