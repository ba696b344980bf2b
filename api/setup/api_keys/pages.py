"""The owner's API keys page: make a key (shown once), revoke one."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.setup.api_keys.service import issue_api_key, list_api_keys, revoke_scoped_api_key
from api.text import ManagerText
from api.web.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, submit_form

router = APIRouter(prefix="/admin/api-keys", include_in_schema=False, dependencies=[OWNER_ONLY])


def keys_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    return {"keys": list_api_keys(session=session, tenant=manager.tenant)}


KEYS = FormPage("setup/api_keys.html", keys_context)


@router.get("")
def api_keys(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's API keys."""
    return KEYS.render(request, manager, session)


@router.post("")
def make_api_key(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    name: Annotated[ManagerText, Form(max_length=200)] = "",
) -> Response:
    """Make a key and show it this once (the answer is never cached: no-store)."""

    def make() -> Response:
        full_key, key = issue_api_key(session=session, tenant=manager.tenant, name=name)
        return KEYS.render(request, manager, session, new_key=full_key, new_key_name=key.name)

    return submit_form(
        KEYS, request, manager, session, make, values={"name": name}, error_field="name"
    )


@router.post("/{key_id:id}/revoke")
def revoke(key_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Revoke a key."""
    revoke_scoped_api_key(session=session, tenant=manager.tenant, key_id=key_id)
    return RedirectResponse("/admin/api-keys", status_code=303)
