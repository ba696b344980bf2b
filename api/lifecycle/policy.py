"""An organisation's retention policy: read, proposed, confirmed."""

from sqlmodel import Session

from api.customer.codes import CodeCache
from api.lifecycle.schemas import RetentionIn
from api.models import RetentionPolicy, utcnow
from api.tenancy import Tenant


def get_policy(*, session: Session, tenant: Tenant) -> RetentionPolicy:
    """The organisation's policy; an organisation older than retention has none: all off."""
    return session.get(RetentionPolicy, tenant.organisation_id) or RetentionPolicy(
        organisation_id=tenant.organisation_id
    )


def save_policy(
    *, session: Session, tenant: Tenant, data: RetentionIn, code_cache: CodeCache
) -> RetentionPolicy:
    """Store and confirm the owner's policy: from now on the retention job applies it, and the
    card's data-use line says it."""
    policy = session.get(RetentionPolicy, tenant.organisation_id) or RetentionPolicy(
        organisation_id=tenant.organisation_id
    )
    policy.contact_days = data.contact_days
    policy.card_days = data.card_days
    policy.confirmed_at = utcnow()
    session.add(policy)
    session.commit()
    code_cache.invalidate_organisation(tenant.organisation_id)
    return policy
