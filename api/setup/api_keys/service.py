"""Bearer API keys: shown once, stored as a hash, scoped to one organisation."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.db import record_last_use
from api.errors import Unprocessable
from api.i18n import N_
from api.models import ApiKey, Organisation, Role, utcnow
from api.security import new_secret, same_secret, sha256_hex
from api.setup.locations import require_owner
from api.tenancy import Tenant, get_scoped, scoped

KEY_PREFIX = "tls"
# "Last used" is for an owner deciding which keys are dead: a minute's precision is plenty, and it
# spares a write on every API request.
LAST_USE_PRECISION = timedelta(minutes=1)


def create_api_key(
    *, session: Session, organisation: Organisation, name: str
) -> tuple[str, ApiKey]:
    """A new key; the full key is returned once and never stored."""
    prefix = new_secret(6)[:8].replace("_", "x").replace("-", "x")
    secret = new_secret(32)
    key = ApiKey(
        organisation_id=organisation.id,  # type: ignore[arg-type]
        name=name,
        prefix=prefix,
        key_hash=sha256_hex(secret),
    )
    session.add(key)
    session.commit()
    return f"{KEY_PREFIX}_{prefix}_{secret}", key


def authenticate_api_key(*, session: Session, presented: str) -> Tenant | None:
    """The organisation a key belongs to, or None for a wrong, unknown or revoked key."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    _, prefix, secret = parts
    key = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or key.revoked_at is not None:
        return None
    if not same_secret(sha256_hex(secret), key.key_hash):
        return None
    record_use(engine=session.get_bind(), key=key)  # type: ignore[arg-type]
    # Keys are made by owners to script the whole organisation, set-up included.
    return Tenant(organisation_id=key.organisation_id, role=Role.owner)


def record_use(*, engine: Engine, key: ApiKey) -> None:
    """Note when the key was last used, at most once a minute."""
    record_last_use(
        engine=engine,
        column=ApiKey.last_used_at,
        row_id=key.id,
        last=key.last_used_at,
        precision=LAST_USE_PRECISION,
    )


def revoke_api_key(*, session: Session, key: ApiKey) -> None:
    key.revoked_at = utcnow()
    session.add(key)
    session.commit()


def list_api_keys(*, session: Session, tenant: Tenant) -> list[ApiKey]:
    """The organisation's keys, newest first (no secrets: only a name and a prefix)."""
    return list(session.exec(scoped(tenant, ApiKey).order_by(col(ApiKey.id).desc())).all())


def issue_api_key(*, session: Session, tenant: Tenant, name: str) -> tuple[str, ApiKey]:
    """An owner makes a key for this organisation; the full key is shown once."""
    require_owner(tenant)
    name = name.strip()
    if not name or len(name) > 80:
        raise Unprocessable(N_("Give the key a name of 1 to 80 characters, such as what uses it."))
    organisation = session.get(Organisation, tenant.organisation_id)
    assert organisation is not None
    return create_api_key(session=session, organisation=organisation, name=name)


def revoke_scoped_api_key(*, session: Session, tenant: Tenant, key_id: int) -> ApiKey:
    """Revoke one of this organisation's keys: it stops working at once."""
    require_owner(tenant)
    key = get_scoped(session, tenant, ApiKey, key_id)
    if key.revoked_at is None:
        revoke_api_key(session=session, key=key)
    return key
