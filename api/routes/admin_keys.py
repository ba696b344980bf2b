"""The owner's API keys page: make a key (shown once), revoke one."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
    positive_id,
)
from api.errors import Unprocessable
from api.routes.admin import render
from api.services.accounts import SignedIn
from api.services.api_keys import issue_api_key, list_api_keys, revoke_scoped_api_key
from api.services.locations import require_owner

router = APIRouter(prefix="/admin/api-keys", include_in_schema=False, dependencies=[OWNER_ONLY])


def keys_page(
    request: Request, manager: SignedIn, session: Any, status_code: int = 200, **context: Any
) -> Response:
    keys = list_api_keys(session=session, tenant=manager.tenant)
    return render(request, "api_keys.html", manager, status_code=status_code, keys=keys, **context)


@router.get("")
def api_keys(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's API keys."""
    require_owner(manager.tenant)
    return keys_page(request, manager, session)


@router.post("")
def make_api_key(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Make a key and show it this once (the answer is never cached: no-store)."""
    try:
        full_key, key = issue_api_key(session=session, tenant=manager.tenant, name=name)
    except Unprocessable as error:
        return keys_page(
            request, manager, session, status_code=422, error=error.message, key_name=name
        )
    return keys_page(request, manager, session, new_key=full_key, new_key_name=key.name)


@router.post("/{key_id}/revoke")
def revoke(key_id: str, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Revoke a key."""
    revoke_scoped_api_key(session=session, tenant=manager.tenant, key_id=positive_id(key_id))
    return RedirectResponse("/admin/api-keys", status_code=303)
