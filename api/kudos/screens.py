"""TV screens for the kudos wall: a random link per screen, stored only as its hash, that an
owner revokes (or replaces: revoke and issue in one step) when it has gone where it should not."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from api.errors import NotFound
from api.models import KudosScreen, Location, Organisation, utcnow
from api.security import new_secret, sha256_hex
from api.setup.locations import location_in_use
from api.tenancy import Tenant, scoped

# 24 random bytes: 32 characters of base64url.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class ScreenView:
    id: int
    location_name: str | None
    created_at: datetime


def tv_path(token: str) -> str:
    return f"/tv/{token}"


def list_screens(*, session: Session, tenant: Tenant) -> list[ScreenView]:
    """The organisation's TV links still in use (their tokens are not kept: only new ones show)."""
    rows = session.exec(
        select(KudosScreen, Location.name)
        .outerjoin(Location, col(Location.id) == KudosScreen.location_id)
        .where(
            KudosScreen.organisation_id == tenant.organisation_id,
            col(KudosScreen.revoked_at).is_(None),
        )
        .order_by(col(KudosScreen.id))
    ).all()
    return [
        ScreenView(id=screen.id, location_name=name, created_at=screen.created_at)
        for screen, name in rows
        if screen.id is not None
    ]


def create_screen(*, session: Session, tenant: Tenant, location_id: int | None) -> str:
    """A new TV link for the whole organisation or one of its locations; its token, shown once."""
    token = _add_screen(session, tenant, location_id)
    session.commit()
    return token


def revoke_screen(*, session: Session, tenant: Tenant, screen_id: int) -> KudosScreen:
    """The link stops working: the TV showing it goes blank at its next poll."""
    screen = _screen_in_use(session, tenant, screen_id)
    screen.revoked_at = utcnow()
    session.add(screen)
    session.commit()
    return screen


def replace_screen(*, session: Session, tenant: Tenant, screen_id: int) -> str:
    """Revoke a link and issue its successor for the same place, in one transaction; the new
    token, shown once. A place archived since is refused before anything changes: the old link
    keeps working."""
    screen = _screen_in_use(session, tenant, screen_id)
    token = _add_screen(session, tenant, screen.location_id)
    screen.revoked_at = utcnow()
    session.add(screen)
    session.commit()
    return token


def _add_screen(session: Session, tenant: Tenant, location_id: int | None) -> str:
    if location_id is not None:
        location_in_use(session, tenant, location_id)
    token = new_secret(24)
    session.add(
        KudosScreen(
            organisation_id=tenant.organisation_id,
            location_id=location_id,
            token_hash=sha256_hex(token),
        )
    )
    return token


def _screen_in_use(session: Session, tenant: Tenant, screen_id: int) -> KudosScreen:
    screen = session.exec(
        scoped(tenant, KudosScreen).where(
            KudosScreen.id == screen_id, col(KudosScreen.revoked_at).is_(None)
        )
    ).first()
    if screen is None:
        raise NotFound()
    return screen


def find_screen(*, session: Session, token: str) -> tuple[Organisation, KudosScreen] | None:
    """The organisation and screen behind a TV link still in use, else None."""
    if not TOKEN_PATTERN.match(token):
        return None
    row = session.exec(
        select(Organisation, KudosScreen)
        .join(KudosScreen, col(KudosScreen.organisation_id) == Organisation.id)
        .where(KudosScreen.token_hash == sha256_hex(token), col(KudosScreen.revoked_at).is_(None))
    ).first()
    return (row[0], row[1]) if row else None
