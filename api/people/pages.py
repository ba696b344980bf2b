"""The owner's People page: members, their roles and locations, and invitations."""

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.models import Role, utcnow
from api.people.invitations import (
    create_invitation,
    deliver_invitation,
    list_invitations,
    revoke_invitation,
)
from api.people.schemas import InvitationIn, MemberUpdate
from api.people.service import list_members, remove_member, update_member
from api.setup.employees import list_employees
from api.setup.locations import list_locations
from api.web.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form

router = APIRouter(prefix="/admin/people", include_in_schema=False, dependencies=[OWNER_ONLY])


def people_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    # Archived places too: a manager's limit to one must stay when their row is saved again.
    locations = list_locations(session=session, tenant=manager.tenant, include_archived=True)
    employees = list_employees(session=session, tenant=manager.tenant)
    return {
        "members": list_members(session=session, tenant=manager.tenant),
        "invitations": list_invitations(session=session, tenant=manager.tenant),
        "locations": locations,
        "location_names": {location.id: location.name for location in locations},
        "roles": [role.value for role in Role],
        "employees": employees,
        "employee_names": {employee.id: employee.display_name for employee in employees},
        "now": utcnow(),
    }


def with_employee(values: dict[str, Any]) -> dict[str, Any]:
    """The form's employee: its blank choice ("nobody") is no employee."""
    return {**values, "employee_id": values.get("employee_id") or None}


PEOPLE = FormPage("people/people.html", people_context, {"role": "manager"})


@router.get("")
def people(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Members and pending invitations, with a form to invite someone."""
    return PEOPLE.render(request, manager, session)


@router.post("/invitations")
async def invite(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep, settings: SettingsDep
) -> Response:
    """Invite someone: the link is emailed, or shown here this once to pass on by hand."""
    values = await read_form(request)
    values.setdefault("location_ids", [])

    def send() -> str | Response:
        data = InvitationIn.model_validate(with_employee(values))
        token, invitation = create_invitation(session=session, tenant=manager.tenant, data=data)
        delivery = deliver_invitation(
            session=session, settings=settings, token=token, invitation=invitation
        )
        if delivery.emailed:
            return "/admin/people?emailed=1"
        # The only time the link exists outside the invited person's hands: this page (no-store).
        return PEOPLE.render(request, manager, session, delivery=delivery)

    # In a worker thread: the email may go through the organisation's own server, which is
    # looked up and waited on for a few seconds at most, never on the event loop.
    return await run_in_threadpool(
        submit_form, PEOPLE, request, manager, session, send, values=values, error_field="email"
    )


@router.post("/invitations/{invitation_id:id}/revoke")
def revoke(invitation_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Withdraw an invitation; its link stops working."""
    revoke_invitation(session=session, tenant=manager.tenant, invitation_id=invitation_id)
    return RedirectResponse("/admin/people", status_code=303)


@router.post("/{membership_id:id}")
async def change_member(
    request: Request, membership_id: int, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Change a member's role, the locations a manager is limited to, or the employee a staff
    member is."""
    values = await read_form(request)
    values.setdefault("location_ids", [])

    def change() -> str:
        data = MemberUpdate.model_validate(with_employee(values))
        update_member(
            session=session, tenant=manager.tenant, membership_id=membership_id, data=data
        )
        return "/admin/people"

    return submit_form(
        PEOPLE,
        request,
        manager,
        session,
        change,
        values=values,
        form=f"member-{membership_id}",
        error_field="member",
    )


@router.post("/{membership_id:id}/remove")
def remove(
    request: Request, membership_id: int, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Remove someone from the organisation: their sessions in it end at once."""

    def change() -> str:
        remove_member(session=session, tenant=manager.tenant, membership_id=membership_id)
        return "/admin/people"

    return submit_form(
        PEOPLE,
        request,
        manager,
        session,
        change,
        form=f"remove-{membership_id}",
        error_field="member",
    )
