"""The owner's organisation profile page: name, colour, language, time zone, review links, logo."""

from typing import Any

from fastapi import APIRouter, Request, UploadFile
from pydantic import ValidationError
from sqlmodel import select
from starlette.responses import RedirectResponse, Response

from api.deps import OWNER_ONLY, CsrfCheckedManager, CurrentManager, SessionDep, WriteSessionDep
from api.errors import NotFound, Unprocessable
from api.models import Organisation
from api.routes.admin import form_errors, read_form, render
from api.schemas_setup import OrganisationIn
from api.services.accounts import SignedIn
from api.services.locations import require_owner
from api.services.profile import LOGO_MAX_BYTES, get_organisation, logo_version, set_logo
from api.services.profile import update_profile as save_profile
from api.services.two_factor import set_two_factor_required

router = APIRouter(include_in_schema=False)


def parse_review_links(text: str) -> list[dict[str, str]]:
    """One link a line, "Label | https://…", as the form's textarea holds them."""
    links = []
    for line in text.splitlines():
        if line.strip():
            label, _, url = line.partition("|")
            links.append({"label": label.strip(), "url": url.strip()})
    return links


def profile_page(
    request: Request,
    manager: SignedIn,
    session: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    organisation = get_organisation(session=session, tenant=manager.tenant)
    if values is None:
        values = organisation.model_dump(
            include={"name", "accent_colour", "default_language", "time_zone"}
        )
        values["review_links"] = "\n".join(
            f"{link['label']} | {link['url']}" for link in organisation.review_links or []
        )
    return render(
        request,
        "organisation.html",
        manager,
        status_code=status_code,
        organisation=organisation,
        logo_url=f"/logo/{organisation.slug}.png?v={logo_version(organisation.logo)}"
        if organisation.logo
        else None,
        values=values,
        errors=errors or {},
    )


@router.get("/admin/organisation", dependencies=[OWNER_ONLY])
def profile(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's profile form."""
    require_owner(manager.tenant)
    return profile_page(request, manager, session)


@router.post("/admin/organisation", dependencies=[OWNER_ONLY])
async def update_profile(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Save the profile; errors show the form again with what was typed."""
    require_owner(manager.tenant)
    values = await read_form(request)
    fields = {**values, "review_links": parse_review_links(str(values.get("review_links", "")))}
    try:
        save_profile(session=session, tenant=manager.tenant, data=OrganisationIn(**fields))
    except ValidationError as error:
        messages = form_errors(error)
        if "review_links" in messages:
            messages["review_links"] = "Write one link a line: Label | https://…"
        return profile_page(
            request, manager, session, values=values, errors=messages, status_code=422
        )
    return RedirectResponse("/admin/organisation", status_code=303)


@router.post("/admin/organisation/logo", dependencies=[OWNER_ONLY])
async def upload_logo(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep, logo: UploadFile
) -> Response:
    """Replace the logo with an uploaded PNG, JPEG or WebP (re-encoded small)."""
    require_owner(manager.tenant)
    upload = await logo.read(LOGO_MAX_BYTES + 1)
    try:
        set_logo(session=session, tenant=manager.tenant, upload=upload)
    except Unprocessable as error:
        return profile_page(
            request, manager, session, errors={"logo": error.message}, status_code=422
        )
    return RedirectResponse("/admin/organisation", status_code=303)


@router.post("/admin/organisation/logo/remove", dependencies=[OWNER_ONLY])
def remove_logo(manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Take the logo off the card."""
    set_logo(session=session, tenant=manager.tenant, upload=None)
    return RedirectResponse("/admin/organisation", status_code=303)


@router.post("/admin/organisation/two-factor", dependencies=[OWNER_ONLY])
async def require_two_factor(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Require two-factor sign-in of every manager and owner (or stop requiring it)."""
    form = await request.form()
    try:
        set_two_factor_required(
            session=session, tenant=manager.tenant, required=form.get("required") == "on"
        )
    except Unprocessable as error:
        return profile_page(
            request, manager, session, errors={"two_factor": error.message}, status_code=422
        )
    return RedirectResponse("/admin/organisation", status_code=303)


@router.get("/logo/{slug}.png")
def logo(slug: str, session: SessionDep) -> Response:
    """An organisation's logo as shown on its cards (public, cached: the URL carries its hash)."""
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None or not organisation.logo:
        raise NotFound()
    return Response(
        organisation.logo,
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
