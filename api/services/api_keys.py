"""Bearer API keys: shown once, stored as a hash, scoped to one organisation."""

import hmac

from sqlmodel import Session, select

from api.models import ApiKey, Organisation, Role, utcnow
from api.security import new_secret, sha256_hex
from api.services.tenancy import Tenant

KEY_PREFIX = "tls"


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
    if not hmac.compare_digest(key.key_hash, sha256_hex(secret)):
        return None
    # Keys are made by owners to script the whole organisation, set-up included.
    return Tenant(organisation_id=key.organisation_id, role=Role.owner)


def revoke_api_key(*, session: Session, key: ApiKey) -> None:
    key.revoked_at = utcnow()
    session.add(key)
    session.commit()
