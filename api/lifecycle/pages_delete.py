"""Deleting the organisation: an owner types its name to confirm, having taken a backup."""

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.errors import Unprocessable
from api.i18n import N_
from api.lifecycle.organisations import delete_organisation
from api.lifecycle.wiping import clear_deleted_text
from api.web.deps import (
    OWNER_ONLY,
    CodeCacheDep,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form

router = APIRouter(include_in_schema=False)
NAME_DIFFERS = N_("Type the organisation's name exactly as it is shown to delete it.")


def delete_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    return {"values": {"confirm": ""}}


DELETE = FormPage("lifecycle/delete.html", delete_context)


@router.get("/admin/data/delete", dependencies=[OWNER_ONLY])
def delete_page(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """What deleting the organisation removes, and the form that does it."""
    return DELETE.render(request, manager, session)


@router.post("/admin/data/delete", dependencies=[OWNER_ONLY])
async def delete_everything(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    code_cache: CodeCacheDep,
) -> Response:
    """Delete the organisation and everything it owns, once its name is typed."""
    values = await read_form(request)

    def delete() -> Response:
        if str(values.get("confirm", "")).strip() != manager.organisation.name:
            raise Unprocessable(NAME_DIFFERS)
        delete_organisation(session=session, organisation_id=manager.tenant.organisation_id)
        session.commit()
        code_cache.invalidate_organisation(manager.tenant.organisation_id)
        clear_deleted_text(session.get_bind().engine)
        return RedirectResponse("/login", status_code=303)

    return submit_form(
        DELETE, request, manager, session, delete, values=values, error_field="confirm"
    )
