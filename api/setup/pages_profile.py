"""The owner's organisation profile page: name, colour, language, time zone, review links, logo."""

from typing import Any

from fastapi import APIRouter, Request, UploadFile
from sqlmodel import Session, select
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.accounts.two_factor import set_two_factor_required
from api.errors import NotFound
from api.i18n import N_
from api.models import Organisation
from api.setup.profile import LOGO_MAX_BYTES, get_organisation, logo_version, set_logo
from api.setup.profile import update_profile as save_profile
from api.setup.schemas import OrganisationIn
from api.setup.time_zones import time_zone_choices, zone_now
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


def parse_review_links(text: str) -> list[dict[str, str]]:
    """One link a line, "Label | https://…", as the form's textarea holds them."""
    links = []
    for line in text.splitlines():
        if line.strip():
            label, _, url = line.partition("|")
            links.append({"label": label.strip(), "url": url.strip()})
    return links


def profile_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    organisation = get_organisation(session=session, tenant=manager.tenant)
    values = organisation.model_dump(
        include={"name", "accent_colour", "default_language", "time_zone"}
    )
    values["review_links"] = "\n".join(
        f"{link['label']} | {link['url']}" for link in organisation.review_links or []
    )
    logo = organisation.logo
    return {
        "organisation": organisation,
        "logo_url": f"/logo/{organisation.slug}.png?v={logo_version(logo)}" if logo else None,
        "values": values,
        "time_zones": time_zone_choices(),
        "zone_now": zone_now,
    }


PROFILE = FormPage("setup/organisation.html", profile_context)
REVIEW_LINKS = N_("Write one link a line: Label | https://…")


@router.get("/admin/organisation", dependencies=[OWNER_ONLY])
def profile(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's profile form."""
    return PROFILE.render(request, manager, session)


@router.post("/admin/organisation", dependencies=[OWNER_ONLY])
async def update_profile(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    code_cache: CodeCacheDep,
) -> Response:
    """Save the profile; errors show the form again with what was typed."""
    values = await read_form(request)

    def save() -> str:
        links = parse_review_links(str(values.get("review_links", "")))
        data = OrganisationIn.model_validate({**values, "review_links": links})
        save_profile(session=session, tenant=manager.tenant, data=data, code_cache=code_cache)
        return "/admin/organisation"

    return submit_form(
        PROFILE,
        request,
        manager,
        session,
        save,
        values=values,
        messages={"review_links": REVIEW_LINKS},
    )


@router.post("/admin/organisation/logo", dependencies=[OWNER_ONLY])
async def upload_logo(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    code_cache: CodeCacheDep,
    logo: UploadFile,
) -> Response:
    """Replace the logo with an uploaded PNG, JPEG or WebP (re-encoded small)."""
    upload = await logo.read(LOGO_MAX_BYTES + 1)

    def save() -> str:
        set_logo(session=session, tenant=manager.tenant, upload=upload, code_cache=code_cache)
        return "/admin/organisation"

    return submit_form(PROFILE, request, manager, session, save, form="logo", error_field="logo")


@router.post("/admin/organisation/logo/remove", dependencies=[OWNER_ONLY])
def remove_logo(
    manager: CsrfCheckedManager, session: WriteSessionDep, code_cache: CodeCacheDep
) -> Response:
    """Take the logo off the card."""
    set_logo(session=session, tenant=manager.tenant, upload=None, code_cache=code_cache)
    return RedirectResponse("/admin/organisation", status_code=303)


@router.post("/admin/organisation/two-factor", dependencies=[OWNER_ONLY])
async def require_two_factor(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Require two-factor sign-in of every manager and owner, and of staff if ticked (or stop
    requiring it)."""
    values = await read_form(request)

    def save() -> str:
        required = values.get("required") == "on"
        staff = values.get("staff") == "on"
        set_two_factor_required(
            session=session, tenant=manager.tenant, required=required, staff=staff
        )
        return "/admin/organisation"

    return submit_form(
        PROFILE, request, manager, session, save, form="two-factor", error_field="two_factor"
    )


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
