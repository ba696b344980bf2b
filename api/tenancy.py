"""The tenant-scoped query layer: every read or write of an organisation's data goes here."""

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import or_
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.errors import NotFound
from api.models import Card, Event, EventKind, Role

Model = TypeVar("Model", bound=SQLModel)


@dataclass(frozen=True)
class Tenant:
    """Who is asking, for which organisation: from the session or the API key, never the request."""

    organisation_id: int
    role: Role
    user_id: int | None = None
    # None: every location. A set: a manager limited to these locations.
    location_ids: frozenset[int] | None = None

    @property
    def is_owner(self) -> bool:
        return self.role == Role.owner

    def sees_location(self, location_id: int | None) -> bool:
        """Whether the cards this tenant sees include those at this location (as `scoped`)."""
        return self.location_ids is None or location_id in self.location_ids


def scoped(tenant: Tenant, model: type[Model]) -> SelectOfScalar[Model]:
    """`select(model)` limited to what this tenant may see."""
    statement = select(model).where(model.organisation_id == tenant.organisation_id)  # type: ignore[attr-defined]
    if model in (Card, Event) and tenant.location_ids is not None:
        statement = statement.where(model.location_id.in_(tenant.location_ids))  # type: ignore[attr-defined]
    return statement


def scoped_live_events(tenant: Tenant) -> SelectOfScalar[Event]:
    """The events an open inbox reads: what `scoped` shows of `Event`, and the organisation's
    access changes (they name no card nor location; they only tell streams to look again)."""
    statement = select(Event).where(Event.organisation_id == tenant.organisation_id)
    if tenant.location_ids is not None:
        statement = statement.where(
            or_(
                col(Event.location_id).in_(tenant.location_ids),
                col(Event.kind) == EventKind.access_changed,
            )
        )
    return statement


def get_scoped(session: Session, tenant: Tenant, model: type[Model], id_: Any) -> Model:
    """One row of this tenant's, or NotFound: the same answer as for an id that does not exist."""
    primary_key = model.id  # type: ignore[attr-defined]
    row = session.exec(scoped(tenant, model).where(primary_key == id_)).first()
    if row is None:
        raise NotFound()
    return row
