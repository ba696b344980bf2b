"""Kiosks: a tablet on the counter that shows one code's card to customer after customer.

A kiosk is opened with a device token (the secret in the link the tablet opens, shown once and
stored as a hash) and stops at once when it is revoked: the tablet's next page asks for a manager.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.db import record_last_use
from api.errors import Unprocessable
from api.i18n import N_
from api.models import Code, Kiosk, utcnow
from api.security import new_secret, sha256_hex
from api.setup.locations import require_owner
from api.tenancy import Tenant, get_scoped, scoped

KIOSK_PATH = "/k/"
# A kiosk reloads its card at least once a minute: noting each visit to the minute is plenty.
SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class KioskDevice:
    """What the kiosk's pages need about the tablet that opened them."""

    id: int
    code_token: str
    revoked: bool
    last_seen_at: datetime | None


def kiosk_url(base_url: str, secret: str) -> str:
    """The link that turns a tablet into this kiosk (a credential: shown once)."""
    return f"{base_url.rstrip('/')}{KIOSK_PATH}{secret}"


def open_kiosk(*, session: Session, tenant: Tenant, code_id: int, name: str) -> tuple[str, Kiosk]:
    """A new kiosk for one of the organisation's active codes; its secret is returned once."""
    require_owner(tenant)
    name = name.strip()
    if not name or len(name) > 80:
        raise Unprocessable(
            N_("Give the kiosk a name of 1 to 80 characters, such as where it stands.")
        )
    code = get_scoped(session, tenant, Code, code_id)
    if code.revoked_at is not None:
        raise Unprocessable(N_("This code is revoked: choose an active one."))
    secret = new_secret(24)
    kiosk = Kiosk(
        organisation_id=tenant.organisation_id,
        code_id=code_id,
        name=name,
        token_hash=sha256_hex(secret),
    )
    session.add(kiosk)
    session.commit()
    return secret, kiosk


def list_kiosks(*, session: Session, tenant: Tenant) -> list[tuple[Kiosk, Code]]:
    """The organisation's kiosks with their codes, newest first (no secrets: only their hash)."""
    kiosks = session.exec(scoped(tenant, Kiosk).order_by(col(Kiosk.id).desc())).all()
    code_ids = {kiosk.code_id for kiosk in kiosks}
    codes = {
        code.id: code
        for code in session.exec(scoped(tenant, Code).where(col(Code.id).in_(code_ids))).all()
    }
    return [(kiosk, codes[kiosk.code_id]) for kiosk in kiosks]


def revoke_kiosk(*, session: Session, tenant: Tenant, kiosk_id: int) -> Kiosk:
    """Revoke a kiosk: the tablet's next page (a minute at most) asks for a manager."""
    require_owner(tenant)
    kiosk = get_scoped(session, tenant, Kiosk, kiosk_id)
    if kiosk.revoked_at is None:
        kiosk.revoked_at = utcnow()
        session.add(kiosk)
        session.commit()
    return kiosk


def find_kiosk(*, engine: Engine, secret: str) -> KioskDevice | None:
    """The kiosk a tablet's link opens, revoked or not; None for a link nobody made."""
    if not secret or len(secret) > 100:
        return None
    with Session(engine) as session:
        row = session.exec(
            select(Kiosk, Code.token)
            .join(Code, col(Code.id) == col(Kiosk.code_id))
            .where(Kiosk.token_hash == sha256_hex(secret))
        ).first()
    if row is None:
        return None
    kiosk, code_token = row
    assert kiosk.id is not None
    return KioskDevice(
        id=kiosk.id,
        code_token=code_token,
        revoked=kiosk.revoked_at is not None,
        last_seen_at=kiosk.last_seen_at,
    )


def record_kiosk_seen(*, engine: Engine, kiosk: KioskDevice) -> None:
    """Note that the tablet is there, at most once a minute."""
    record_last_use(
        engine=engine,
        column=Kiosk.last_seen_at,
        row_id=kiosk.id,
        last=kiosk.last_seen_at,
        precision=SEEN_PRECISION,
    )
