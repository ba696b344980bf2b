"""Opening an invitation link: a form on GET (nothing changes), joining on POST."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.config import Settings
from api.deps import SessionDep, SettingsDep, WriteSessionDep, cookie_name, set_session_cookie
from api.errors import Conflict, Unprocessable
from api.i18n import N_, translate
from api.models import Invitation, Organisation, Role, User
from api.services.accounts import start_session, switch_organisation
from api.services.invitations import (
    WrongPassword,
    accept_invitation,
    existing_user,
    open_invitation,
)
from api.services.throttle import locked_until, record_failure, record_success, throttle_keys
from api.templating import templates

router = APIRouter(include_in_schema=False)
PASSWORDS_DIFFER = N_("The two passwords are not the same.")
TOO_MANY = N_("Too many sign-in attempts. Please wait a few minutes and try again.")


def invitation_page(
    request: Request,
    session: Any,
    invitation: Invitation,
    *,
    error: str = "",
    display_name: str = "",
    status_code: int = 200,
) -> Response:
    organisation = session.get(Organisation, invitation.organisation_id)
    return templates.TemplateResponse(
        request,
        "auth/invitation.html",
        {
            "invitation": invitation,
            "organisation": organisation,
            "has_account": existing_user(session=session, invitation=invitation) is not None,
            "display_name": display_name,
            "error": translate(request, error) if error else "",
        },
        status_code=status_code,
    )


@router.get("/invitations/{token}")
def invitation_form(request: Request, token: str, session: SessionDep) -> Response:
    """The form to join: name and a new password, or the existing account's password."""
    invitation = open_invitation(session=session, token=token)
    return invitation_page(request, session, invitation)


@router.post("/invitations/{token}")
def join(
    request: Request,
    token: str,
    session: WriteSessionDep,
    settings: SettingsDep,
    password: Annotated[str, Form(max_length=1024)] = "",
    password_again: Annotated[str | None, Form(max_length=1024)] = None,
    display_name: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Use the invitation once, then sign in (staff get a page saying their pages come later)."""
    invitation = open_invitation(session=session, token=token)
    page = {"display_name": display_name}
    if password_again is not None and password_again != password:
        return invitation_page(
            request, session, invitation, error=PASSWORDS_DIFFER, status_code=422, **page
        )
    client = request.client.host if request.client else "unknown"
    account_key, client_key = throttle_keys(email=invitation.email, client=client)
    if locked_until(session=session, keys=(account_key, client_key)) is not None:
        return invitation_page(request, session, invitation, error=TOO_MANY, status_code=429)
    try:
        user, invitation = accept_invitation(
            session=session, token=token, password=password, display_name=display_name
        )
    except WrongPassword as error:
        session.rollback()
        record_failure(session=session, account_key=account_key, client_key=client_key)
        return invitation_page(request, session, invitation, error=error.message, status_code=400)
    except (Conflict, Unprocessable) as error:
        session.rollback()
        return invitation_page(
            request, session, invitation, error=error.message, status_code=error.status_code, **page
        )
    record_success(session=session, account_key=account_key)
    if invitation.role == Role.staff:
        return templates.TemplateResponse(
            request, "auth/invitation_done.html", {"email": user.email}
        )
    return sign_in(request, session, settings, user, invitation.organisation_id)


def sign_in(
    request: Request, session: Session, settings: Settings, user: User, organisation_id: int
) -> Response:
    """A new session, opened on the organisation just joined, and its cookie."""
    started = start_session(
        session=session,
        user=user,
        lifetime=timedelta(days=settings.session_days),
        replaces=request.cookies.get(cookie_name(settings)),
    )
    assert started is not None, "a manager or owner can always sign in"
    session_token, row = started
    if row.organisation_id != organisation_id:
        switch_organisation(session=session, session_id=row.id, organisation_id=organisation_id)
    response = RedirectResponse("/inbox", status_code=303)
    set_session_cookie(response, settings, session_token)
    return response
