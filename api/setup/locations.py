"""An organisation's places: counters, tables, desks, stores."""

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.errors import Conflict, Forbidden, Unprocessable
from api.i18n import N_
from api.models import Location
from api.setup.schemas import LocationIn
from api.tenancy import Tenant, get_scoped, scoped

if TYPE_CHECKING:
    # Only a type here: the card's context (api.customer.codes) reads the card texts, whose
    # service uses require_owner from this module.
    from api.customer.codes import CodeCache


def require_owner(tenant: Tenant) -> None:
    if not tenant.is_owner:
        raise Forbidden(N_("Only an owner can change the organisation's set-up."))


def list_locations(
    *, session: Session, tenant: Tenant, include_archived: bool = False
) -> list[Location]:
    """The organisation's places by name: the ones in use, or (for names) archived ones too."""
    statement = scoped(tenant, Location).order_by(col(Location.name))
    if not include_archived:
        statement = statement.where(col(Location.archived_at).is_(None))
    return list(session.exec(statement).all())


def location_in_use(session: Session, tenant: Tenant, location_id: int) -> Location:
    """One of the organisation's places, for something new there: an archived one is refused
    (it is off every picker; a form opened before it was archived may still offer it)."""
    location = get_scoped(session, tenant, Location, location_id)
    if location.archived_at is not None:
        raise Unprocessable(N_("This location is archived: restore it first."), field="location_id")
    return location


def save_location(
    *,
    session: Session,
    tenant: Tenant,
    data: LocationIn,
    code_cache: "CodeCache",
    location_id: int | None = None,
) -> Location:
    """Add a location, or rename / re-kind one; names are unique within the organisation. The
    cards show a new name at once."""
    require_owner(tenant)
    if location_id is None:
        location = Location(organisation_id=tenant.organisation_id, name=data.name, kind=data.kind)
    else:
        location = get_scoped(session, tenant, Location, location_id)
        location.name, location.kind = data.name, data.kind
    session.add(location)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        clash = session.exec(scoped(tenant, Location).where(Location.name == data.name)).first()
        if clash is not None and clash.archived_at is not None:
            raise Conflict(
                N_(
                    "An archived location is called “%(name)s”: restore it, or choose another name."
                ),
                params={"name": data.name},
            ) from None
        raise Conflict(
            N_("There is already a location called “%(name)s”."), params={"name": data.name}
        ) from None
    code_cache.invalidate_organisation(tenant.organisation_id)
    return location
