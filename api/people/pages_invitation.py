"""Opening an invitation link: a form on GET (nothing changes), joining on POST."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.accounts.gate import SignInPaused, check_not_paused, pass_first_factor, sign_in_attempt
from api.accounts.throttle import record_failure
from api.errors import Conflict, Unprocessable
from api.i18n import N_, set_page_language, translate
from api.models import Invitation, Organisation, Role
from api.people.invitations import (
    WrongPassword,
    accept_invitation,
    invitation_language,
    open_invitation,
)
from api.templating import templates
from api.text import ManagerText
from api.web.deps import SecretKeyDep, SessionDep, SettingsDep, WriteSessionDep

router = APIRouter(include_in_schema=False)
PASSWORDS_DIFFER = N_("The two passwords are not the same.")


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
    # After the browser's languages: the one the invitation was written in.
    language = invitation_language(invitation, organisation)
    set_page_language(request, default=language.tag)
    return templates.TemplateResponse(
        request,
        "people/invitation.html",
        {
            "invitation": invitation,
            "organisation": organisation,
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
    secret_key: SecretKeyDep,
    password: Annotated[str, Form(max_length=1024)] = "",
    password_again: Annotated[str | None, Form(max_length=1024)] = None,
    display_name: Annotated[ManagerText, Form(max_length=80)] = "",
) -> Response:
    """Use the invitation once, then sign in (staff to their own page)."""
    invitation = open_invitation(session=session, token=token)
    page = {"display_name": display_name}
    if password_again is not None and password_again != password:
        return invitation_page(
            request, session, invitation, error=PASSWORDS_DIFFER, status_code=422, **page
        )
    attempt = sign_in_attempt(request, settings, invitation.email, secret_key=secret_key)
    try:
        check_not_paused(session=session, attempt=attempt)
    except SignInPaused as error:
        return invitation_page(request, session, invitation, error=error.message, status_code=429)
    try:
        user, invitation = accept_invitation(
            session=session, token=token, password=password, display_name=display_name
        )
    except WrongPassword as error:
        session.rollback()
        record_failure(session=session, attempt=attempt)
        return invitation_page(request, session, invitation, error=error.message, status_code=400)
    except (Conflict, Unprocessable) as error:
        session.rollback()
        return invitation_page(
            request, session, invitation, error=error.message, status_code=error.status_code, **page
        )
    # Joining proved the password; a second factor, if the account has one, is still asked.
    return pass_first_factor(
        request,
        session,
        settings,
        user=user,
        attempt=attempt,
        secret_key=secret_key,
        next_path="/staff" if invitation.role == Role.staff else "/inbox",
        organisation_id=invitation.organisation_id,
    )
