"""The organisation's profile and logo, as customers see them on the card."""

import hashlib
import io

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session

from api.customer.codes import CodeCache
from api.errors import Unprocessable
from api.i18n import N_
from api.models import Organisation
from api.setup.locations import require_owner
from api.setup.schemas import OrganisationIn
from api.tenancy import Tenant

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 25_000_000
LOGO_BOX = (320, 96)
# Magic numbers, checked before any decoding: PNG, JPEG, WebP only (never SVG: it can run script).
LOGO_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def get_organisation(*, session: Session, tenant: Tenant) -> Organisation:
    organisation = session.get(Organisation, tenant.organisation_id)
    assert organisation is not None
    return organisation


def update_profile(
    *, session: Session, tenant: Tenant, data: OrganisationIn, code_cache: CodeCache
) -> Organisation:
    """Change the name, colour, language, time zone and public review links (on the cards at
    once)."""
    require_owner(tenant)
    organisation = get_organisation(session=session, tenant=tenant)
    organisation.name = data.name
    organisation.accent_colour = data.accent_colour.lower()
    organisation.default_language = data.default_language
    organisation.time_zone = data.time_zone
    organisation.review_links = [link.model_dump() for link in data.review_links]
    session.add(organisation)
    session.commit()
    code_cache.invalidate_organisation(tenant.organisation_id)
    return organisation


def is_supported_image(head: bytes) -> bool:
    webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    return webp or head.startswith(LOGO_SIGNATURES)


def prepare_logo(upload: bytes) -> bytes:
    """Check an upload is a PNG, JPEG or WebP of sane size, then re-encode it small as PNG."""
    if len(upload) > LOGO_MAX_BYTES:
        raise Unprocessable(N_("The logo must be at most 2 MB."))
    if not is_supported_image(upload[:16]):
        raise Unprocessable(N_("The logo must be a PNG, JPEG or WebP image."))
    try:
        with Image.open(io.BytesIO(upload)) as image:
            width, height = image.size  # read from the header, before decoding any pixel
            if width * height > LOGO_MAX_PIXELS:
                raise Unprocessable(
                    N_("The logo has too many pixels: keep it under 25 megapixels.")
                )
            image.thumbnail(LOGO_BOX)
            converted = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise Unprocessable(N_("The logo could not be read as an image.")) from None
    out = io.BytesIO()
    converted.save(out, format="PNG", optimize=True)
    return out.getvalue()


def set_logo(
    *, session: Session, tenant: Tenant, upload: bytes | None, code_cache: CodeCache
) -> Organisation:
    """Store a re-encoded logo, or remove it with None (on the cards at once)."""
    require_owner(tenant)
    organisation = get_organisation(session=session, tenant=tenant)
    organisation.logo = prepare_logo(upload) if upload is not None else None
    session.add(organisation)
    session.commit()
    code_cache.invalidate_organisation(tenant.organisation_id)
    return organisation


def logo_version(logo: bytes) -> str:
    return hashlib.sha256(logo).hexdigest()[:12]
