"""The JSON API for people and mail: members, invitations, the organisation's SMTP server."""

from fastapi import APIRouter
from starlette.responses import Response

from api.errors import error_responses
from api.models import Invitation, OrganisationMailServer
from api.people.invitations import (
    create_invitation,
    deliver_invitation,
    list_invitations,
    revoke_invitation,
)
from api.people.mail_server import (
    own_mail_server,
    remove_mail_server,
    save_mail_server,
    send_test_email,
)
from api.people.schemas import (
    InvitationIn,
    InvitationOut,
    MailServerIn,
    MailServerOut,
    MemberOut,
    MemberUpdate,
    TestEmailIn,
    TestEmailOut,
)
from api.people.service import (
    Member,
    get_member,
    list_members,
    remove_member,
    update_member,
)
from api.web.deps import ApiTenant, PathId, SessionDep, SettingsDep, WriteSessionDep

router = APIRouter(
    prefix="/api/v1", tags=["people"], responses=error_responses(400, 401, 403, 404, 409, 422, 503)
)


def member_out(member: Member) -> MemberOut:
    return MemberOut(
        id=member.membership_id,
        email=member.email,
        display_name=member.display_name,
        role=member.role,
        location_ids=list(member.location_ids),
        employee_id=member.employee_id,
        joined_at=member.joined_at,
    )


def invitation_out(invitation: Invitation, **delivery: object) -> InvitationOut:
    fields = ("id", "email", "role", "location_ids", "employee_id", "language", "expires_at")
    return InvitationOut.model_validate(
        {field: getattr(invitation, field) for field in fields} | delivery
    )


def mail_server_out(row: OrganisationMailServer | None) -> MailServerOut | None:
    if row is None:
        return None
    return MailServerOut(
        **row.model_dump(include={"host", "port", "security", "username", "from_address"}),
        password_set=bool(row.password_encrypted),
    )


@router.get("/members")
def read_members(tenant: ApiTenant, session: SessionDep) -> list[MemberOut]:
    """Everyone in the organisation with their role and, for managers, their locations."""
    return [member_out(member) for member in list_members(session=session, tenant=tenant)]


@router.put("/members/{member_id:id}")
def change_member(
    member_id: PathId, data: MemberUpdate, tenant: ApiTenant, session: WriteSessionDep
) -> MemberOut:
    """Change a member's role and location limits (409 for the last owner)."""
    update_member(session=session, tenant=tenant, membership_id=member_id, data=data)
    return member_out(get_member(session=session, tenant=tenant, membership_id=member_id))


@router.delete("/members/{member_id:id}", status_code=204)
def delete_member(member_id: PathId, tenant: ApiTenant, session: WriteSessionDep) -> Response:
    """Remove a member: their sessions end at once (409 for the last owner)."""
    remove_member(session=session, tenant=tenant, membership_id=member_id)
    return Response(status_code=204)


@router.get("/invitations")
def read_invitations(tenant: ApiTenant, session: SessionDep) -> list[InvitationOut]:
    """Invitations not yet accepted or withdrawn."""
    return [invitation_out(item) for item in list_invitations(session=session, tenant=tenant)]


@router.post("/invitations", status_code=201)
def invite(
    data: InvitationIn, tenant: ApiTenant, session: WriteSessionDep, settings: SettingsDep
) -> InvitationOut:
    """Invite someone; `link` is in the answer only when it could not be emailed."""
    token, invitation = create_invitation(session=session, tenant=tenant, data=data)
    delivery = deliver_invitation(
        session=session, settings=settings, token=token, invitation=invitation
    )
    return invitation_out(
        invitation, emailed=delivery.emailed, link=delivery.link, mail_error=delivery.mail_error
    )


@router.post("/invitations/{invitation_id:id}/revoke")
def withdraw_invitation(
    invitation_id: PathId, tenant: ApiTenant, session: WriteSessionDep
) -> InvitationOut:
    """Withdraw an invitation: its link stops working."""
    invitation = revoke_invitation(session=session, tenant=tenant, invitation_id=invitation_id)
    return invitation_out(invitation)


@router.get("/mail-server")
def read_mail_server(tenant: ApiTenant, session: SessionDep) -> MailServerOut | None:
    """The organisation's own SMTP server (null: the installation's is used); never the password."""
    return mail_server_out(own_mail_server(session=session, tenant=tenant))


@router.put("/mail-server")
def put_mail_server(
    data: MailServerIn, tenant: ApiTenant, session: WriteSessionDep, settings: SettingsDep
) -> MailServerOut | None:
    """Set the organisation's SMTP server (a 422 when it is on a private network); leave
    `password` out to keep the stored one."""
    row = save_mail_server(session=session, tenant=tenant, data=data, settings=settings)
    return mail_server_out(row)


@router.delete("/mail-server", status_code=204)
def delete_mail_server(tenant: ApiTenant, session: WriteSessionDep) -> Response:
    """Forget the organisation's server: mail goes through the installation's again."""
    remove_mail_server(session=session, tenant=tenant)
    return Response(status_code=204)


@router.post("/mail-server/test")
def test_mail_server(
    data: TestEmailIn, tenant: ApiTenant, session: SessionDep, settings: SettingsDep
) -> TestEmailOut:
    """Send a real test email; a 422 says in general terms what failed, if it did."""
    host = send_test_email(session=session, tenant=tenant, to=data.to, settings=settings)
    return TestEmailOut(sent_to=data.to, server=host)
