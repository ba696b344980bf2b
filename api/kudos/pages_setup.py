"""The owner's kudos set-up: the wall's public addresses, and the TV links (issue, revoke,
replace; a new link is shown once, only its hash is kept)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.kudos.screens import create_screen, list_screens, replace_screen, revoke_screen, tv_path
from api.models import Organisation
from api.setup.locations import list_locations
from api.web.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    RuntimeDep,
    SessionDep,
    WriteSessionDep,
    runtime_of,
)
from api.web.forms import FormPage
from api.web.ids import parse_id

router = APIRouter(prefix="/admin/kudos", include_in_schema=False, dependencies=[OWNER_ONLY])


def kudos_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    organisation = session.get_one(Organisation, manager.tenant.organisation_id)
    # Archived places leave the pickers (their walls keep working for links already out).
    locations = list_locations(session=session, tenant=manager.tenant)
    return {
        "base_url": runtime_of(request).settings.base_url.rstrip("/"),
        "slug": organisation.slug,
        "locations": locations,
        "screens": list_screens(session=session, tenant=manager.tenant),
    }


KUDOS = FormPage("setup/kudos.html", kudos_context)


@router.get("")
def kudos_setup(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The wall's addresses and the TV links in use."""
    return KUDOS.render(request, manager, session)


def show_new_link(
    request: Request, manager: SignedIn, session: Session, runtime: RuntimeDep, token: str
) -> Response:
    """The page with the new TV link, this once (the answer is never cached: no-store)."""
    link = runtime.settings.base_url.rstrip("/") + tv_path(token)
    return KUDOS.render(request, manager, session, new_link=link)


@router.post("/screens")
def make_screen(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    location_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """A new TV link, for the whole organisation or one location."""
    token = create_screen(session=session, tenant=manager.tenant, location_id=parse_id(location_id))
    return show_new_link(request, manager, session, runtime, token)


@router.post("/screens/{screen_id:id}/replace")
def replace(
    request: Request,
    screen_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Revoke a TV link and issue its successor in one step."""
    token = replace_screen(session=session, tenant=manager.tenant, screen_id=screen_id)
    return show_new_link(request, manager, session, runtime, token)


@router.post("/screens/{screen_id:id}/revoke")
def revoke(screen_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """The link stops working; the TV showing it goes blank at its next poll."""
    revoke_screen(session=session, tenant=manager.tenant, screen_id=screen_id)
    return RedirectResponse("/admin/kudos", status_code=303)
