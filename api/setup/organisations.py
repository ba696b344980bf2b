"""Creating an organisation, the tenant root: its unique slug and its first owner.

Everything inside an organisation (locations, employees, codes) is then added through the
owner's tenant and the scoped set-up services, the way an owner's request adds it.
"""

import re
import unicodedata

from sqlmodel import Session, select

from api.accounts.service import add_membership, tenant_for
from api.lifecycle.retention import PROPOSED_CARD_DAYS, PROPOSED_CONTACT_DAYS
from api.models import Organisation, RetentionPolicy, Role, User
from api.tenancy import Tenant


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60] or "organisation"


def create_organisation(*, session: Session, name: str, **fields: object) -> Organisation:
    """A new organisation with a unique slug made from its name and a proposed retention policy
    for its owner to confirm (flushed, not committed)."""
    base = slugify(name)
    slug, number = base, 1
    while session.exec(select(Organisation.id).where(Organisation.slug == slug)).first():
        number += 1
        slug = f"{base[:55]}-{number}"
    organisation = Organisation(name=name, slug=slug, **fields)  # type: ignore[arg-type]
    session.add(organisation)
    session.flush()
    assert organisation.id is not None
    session.add(
        RetentionPolicy(
            organisation_id=organisation.id,
            contact_days=PROPOSED_CONTACT_DAYS,
            card_days=PROPOSED_CARD_DAYS,
        )
    )
    session.flush()
    return organisation


def add_owner(*, session: Session, organisation: Organisation, user: User) -> Tenant:
    """Make `user` an owner of `organisation`; their tenant, for the set-up services."""
    membership = add_membership(
        session=session, user=user, organisation=organisation, role=Role.owner
    )
    return tenant_for(session=session, membership=membership)
