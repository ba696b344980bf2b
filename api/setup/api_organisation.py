"""The JSON API for the organisation's profile, logo and sign-in rule (an owner's API key)."""

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.accounts.two_factor import set_two_factor_required
from api.customer.codes import logo_url
from api.errors import Unprocessable, error_responses
from api.models import Organisation
from api.setup.locations import require_owner
from api.setup.profile import get_organisation, set_logo, update_profile
from api.setup.schemas import OrganisationIn, OrganisationOut, ReviewLink, TwoFactorRuleIn
from api.web.deps import ApiTenant, CodeCacheDep, SessionDep, WriteSessionDep

router = APIRouter(
    prefix="/api/v1",
    tags=["set-up"],
    responses=error_responses(400, 401, 403, 404, 409, 413, 422, 503),
)


def organisation_out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut(
        name=organisation.name,
        slug=organisation.slug,
        accent_colour=organisation.accent_colour,
        default_language=organisation.default_language,
        time_zone=organisation.time_zone,
        review_links=[ReviewLink(**link) for link in organisation.review_links or []],
        logo_url=logo_url(organisation),
        require_two_factor=organisation.require_two_factor,
        require_two_factor_staff=organisation.require_two_factor_staff,
    )


@router.get("/organisation")
def read_organisation(tenant: ApiTenant, session: SessionDep) -> OrganisationOut:
    """The organisation's profile, as customers see it on the card."""
    require_owner(tenant)
    return organisation_out(get_organisation(session=session, tenant=tenant))


@router.put("/organisation")
def change_organisation(
    data: OrganisationIn, tenant: ApiTenant, session: WriteSessionDep, code_cache: CodeCacheDep
) -> OrganisationOut:
    """Change the name, colour, language, time zone and public review links."""
    organisation = update_profile(session=session, tenant=tenant, data=data, code_cache=code_cache)
    return organisation_out(organisation)


@router.put("/organisation/logo", openapi_extra={"requestBody": {"content": {"image/png": {}}}})
async def upload_logo(
    request: Request, tenant: ApiTenant, session: WriteSessionDep, code_cache: CodeCacheDep
) -> OrganisationOut:
    """Replace the logo: the request body is a PNG, JPEG or WebP image (re-encoded small)."""
    require_owner(tenant)
    upload = await request.body()
    if not upload:
        raise Unprocessable("Send the image as the request body.")
    # Decoding and re-encoding an image is slow work: off the event loop.
    organisation = await run_in_threadpool(
        set_logo, session=session, tenant=tenant, upload=upload, code_cache=code_cache
    )
    return organisation_out(organisation)


@router.delete("/organisation/logo")
def remove_logo(
    tenant: ApiTenant, session: WriteSessionDep, code_cache: CodeCacheDep
) -> OrganisationOut:
    """Take the logo off the card."""
    return organisation_out(
        set_logo(session=session, tenant=tenant, upload=None, code_cache=code_cache)
    )


@router.put("/organisation/two-factor")
def require_two_factor(
    data: TwoFactorRuleIn, tenant: ApiTenant, session: WriteSessionDep
) -> OrganisationOut:
    """Require two-factor sign-in of every owner and manager, and of staff if asked (or stop
    requiring it)."""
    set_two_factor_required(
        session=session, tenant=tenant, required=data.required, staff=data.staff
    )
    return organisation_out(get_organisation(session=session, tenant=tenant))
