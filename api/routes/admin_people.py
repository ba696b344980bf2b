"""The owner's People page: members, their roles and locations, and invitations."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from api.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
    positive_id,
)
from api.errors import AppError, Conflict, Unprocessable
from api.models import Role, utcnow
from api.routes.admin import form_errors, read_form, render
from api.services.accounts import SignedIn
from api.services.invitations import (
    InvitationIn,
    create_invitation,
    deliver_invitation,
    list_invitations,
    revoke_invitation,
)
from api.services.locations import list_locations, require_owner
from api.services.people import MemberUpdate, list_members, remove_member, update_member

router = APIRouter(prefix="/admin/people", include_in_schema=False, dependencies=[OWNER_ONLY])


def people_page(
    request: Request,
    manager: SignedIn,
    session: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    locations = list_locations(session=session, tenant=manager.tenant)
    return render(
        request,
        "people.html",
        manager,
        status_code=status_code,
        members=list_members(session=session, tenant=manager.tenant),
        invitations=list_invitations(session=session, tenant=manager.tenant),
        locations=locations,
        location_names={location.id: location.name for location in locations},
        roles=[role.value for role in Role],
        now=utcnow(),
        values=values or {"role": "manager"},
        errors=errors or {},
        **context,
    )


@router.get("")
def people(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Members and pending invitations, with a form to invite someone."""
    require_owner(manager.tenant)
    return people_page(request, manager, session)


@router.post("/invitations")
async def invite(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep, settings: SettingsDep
) -> Response:
    """Invite someone: the link is emailed, or shown here this once to pass on by hand."""
    require_owner(manager.tenant)
    values = await read_form(request)
    values.setdefault("location_ids", [])
    try:
        token, invitation = create_invitation(
            session=session, tenant=manager.tenant, data=InvitationIn(**values)
        )
    except ValidationError as error:
        errors = form_errors(error)
        return people_page(request, manager, session, values=values, errors=errors, status_code=422)
    except AppError as error:
        errors = {"email": error.message}
        return people_page(
            request, manager, session, values=values, errors=errors, status_code=error.status_code
        )
    delivery = deliver_invitation(
        session=session, settings=settings, token=token, invitation=invitation
    )
    if delivery.emailed:
        return RedirectResponse("/admin/people?emailed=1", status_code=303)
    # The only time the link exists outside the invited person's hands: this page (no-store).
    return people_page(request, manager, session, delivery=delivery)


@router.post("/invitations/{invitation_id}/revoke")
def revoke(invitation_id: str, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Withdraw an invitation; its link stops working."""
    revoke_invitation(
        session=session, tenant=manager.tenant, invitation_id=positive_id(invitation_id)
    )
    return RedirectResponse("/admin/people", status_code=303)


def change_or_show(
    request: Request, manager: SignedIn, session: Any, change: Callable[[], object]
) -> Response:
    """Make a change to a member, or show the page with the reason it cannot be made."""
    try:
        change()
    except ValidationError as error:
        return people_page(request, manager, session, errors=form_errors(error), status_code=422)
    except (Conflict, Unprocessable) as error:
        errors = {"member": error.message}
        return people_page(request, manager, session, errors=errors, status_code=error.status_code)
    return RedirectResponse("/admin/people", status_code=303)


@router.post("/{membership_id}")
async def change_member(
    request: Request, membership_id: str, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Change a member's role and the locations a manager is limited to."""
    member_id = positive_id(membership_id)
    values = await read_form(request)
    values.setdefault("location_ids", [])

    def change() -> None:
        data = MemberUpdate.model_validate(values)
        update_member(session=session, tenant=manager.tenant, membership_id=member_id, data=data)

    return change_or_show(request, manager, session, change)


@router.post("/{membership_id}/remove")
def remove(
    request: Request, membership_id: str, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Remove someone from the organisation: their sessions in it end at once."""
    member_id = positive_id(membership_id)
    return change_or_show(
        request,
        manager,
        session,
        lambda: remove_member(session=session, tenant=manager.tenant, membership_id=member_id),
    )
