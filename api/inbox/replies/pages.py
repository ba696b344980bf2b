"""The reply section of a manager's card page, and the organisation's reply templates."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.errors import Unprocessable
from api.i18n import translate
from api.inbox.card_page import render_card_page, reply_section
from api.inbox.replies.mail import deliver_reply
from api.inbox.replies.reply_templates import (
    delete_template,
    find_template,
    list_templates,
    save_template,
)
from api.inbox.replies.service import add_reply
from api.templating import templates
from api.text import ManagerText
from api.web.deps import (
    CsrfCheckedManager,
    CurrentManager,
    RuntimeDep,
    SessionDep,
    WriteSessionDep,
)

router = APIRouter(include_in_schema=False)
TextField = Annotated[ManagerText, Form()]


@router.post("/inbox/{card_id:id}/replies")
def send_reply(
    request: Request,
    card_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    body: TextField = "",
) -> Response:
    """Store a reply (the customer's follow-up page shows it), then email it if they can get it."""
    try:
        reply = add_reply(session=session, tenant=manager.tenant, card_id=card_id, body=body)
    except Unprocessable as error:
        session.rollback()
        section = reply_section(
            session, manager, card_id, body=body, error=translate(request, error.message)
        )
        return render_card_page(request, manager, session, card_id, reply=section, status_code=422)
    assert reply.id is not None
    deliver_reply(
        engine=runtime.engine,
        reply_id=reply.id,
        settings=runtime.settings,
        secret=runtime.secret_key,
    )
    return RedirectResponse(f"/inbox/{card_id}#reply-{reply.id}", status_code=303)


def render_templates(
    request: Request,
    manager: SignedIn,
    session: Session,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    return templates.TemplateResponse(
        request,
        "inbox/templates.html",
        {
            "manager": manager,
            "reply_templates": list_templates(session=session, tenant=manager.tenant),
            "values": values or {},
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/inbox/templates")
def reply_templates(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's reply templates, to add, change or remove."""
    return render_templates(request, manager, session)


@router.post("/inbox/templates")
def add_template(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    title: TextField = "",
    body: TextField = "",
) -> Response:
    """Add a reply template."""
    return store_template(request, manager, session, title=title, body=body, template_id=None)


@router.post("/inbox/templates/{template_id:id}")
def change_template(
    request: Request,
    template_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    title: TextField = "",
    body: TextField = "",
) -> Response:
    """Change a reply template's title or text."""
    find_template(session=session, tenant=manager.tenant, template_id=template_id)
    return store_template(
        request, manager, session, title=title, body=body, template_id=template_id
    )


def store_template(
    request: Request,
    manager: SignedIn,
    session: Session,
    *,
    title: str,
    body: str,
    template_id: int | None,
) -> Response:
    try:
        save_template(
            session=session, tenant=manager.tenant, title=title, body=body, template_id=template_id
        )
    except Unprocessable as error:
        session.rollback()
        values = {"title": title, "body": body, "id": str(template_id or "")}
        message = translate(request, error.message)
        return render_templates(
            request, manager, session, values=values, error=message, status_code=422
        )
    return RedirectResponse("/inbox/templates", status_code=303)


@router.post("/inbox/templates/{template_id:id}/delete")
def remove_template(
    template_id: int, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Remove a reply template."""
    delete_template(session=session, tenant=manager.tenant, template_id=template_id)
    return RedirectResponse("/inbox/templates", status_code=303)
