"""An owner's alert set-up: settings, who is on duty, each person's preferences, webhooks."""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from api.alerts.channels.webhook import post_webhook
from api.alerts.routing import Recipient, members
from api.alerts.schedule import alert_settings
from api.alerts.schemas import AlertSettingsIn, DutyIn, PreferenceIn, WebhookIn
from api.config import Settings
from api.errors import NotFound
from api.models import (
    AlertPreference,
    AlertSettings,
    Location,
    LocationDuty,
    Webhook,
)
from api.outbound.destinations import OutboundError, check_url
from api.security import new_secret
from api.setup.locations import list_locations, location_in_use, require_owner
from api.tenancy import Tenant, get_scoped, scoped


@dataclass(frozen=True)
class Routing:
    settings: AlertSettings
    locations: list[Location]
    duty: dict[int, set[int]]
    people: list[Recipient]


def routing_overview(*, session: Session, tenant: Tenant) -> Routing:
    """Everything the routing page shows: settings, locations with who is on duty, people."""
    require_owner(tenant)
    locations = list_locations(session=session, tenant=tenant)  # archived ones take no card
    duty: dict[int, set[int]] = {}
    for location_id, user_id in session.exec(
        select(LocationDuty.location_id, LocationDuty.user_id).where(
            col(LocationDuty.location_id).in_([loc.id for loc in locations])
        )
    ).all():
        duty.setdefault(location_id, set()).add(user_id)
    people = [r for r, _ in members(session=session, organisation_id=tenant.organisation_id)]
    settings = alert_settings(session=session, organisation_id=tenant.organisation_id)
    return Routing(settings=settings, locations=locations, duty=duty, people=people)


def save_alert_settings(
    *, session: Session, tenant: Tenant, data: AlertSettingsIn
) -> AlertSettings:
    """Change the escalation delay, the digest hour and the reminder of waiting compliments."""
    require_owner(tenant)
    settings = alert_settings(session=session, organisation_id=tenant.organisation_id)
    settings.escalation_minutes = data.escalation_minutes
    settings.digest_hour = data.digest_hour
    settings.compliment_reminder_days = data.compliment_reminder_days
    session.add(settings)
    session.commit()
    return settings


def _member_ids(session: Session, tenant: Tenant) -> set[int]:
    people = members(session=session, organisation_id=tenant.organisation_id)
    return {r.user.id for r, _ in people if r.user.id is not None}


def set_duty(*, session: Session, tenant: Tenant, location_id: int, data: DutyIn) -> list[int]:
    """Who is on duty at a location (people of this organisation only); none: its managers."""
    require_owner(tenant)
    # Nobody new on duty at an archived place; emptying its roster is still allowed.
    if data.user_ids:
        location_in_use(session, tenant, location_id)
    else:
        get_scoped(session, tenant, Location, location_id)
    chosen = sorted(set(data.user_ids) & _member_ids(session, tenant))
    session.exec(delete(LocationDuty).where(col(LocationDuty.location_id) == location_id))
    session.add_all(LocationDuty(location_id=location_id, user_id=user_id) for user_id in chosen)
    session.commit()
    return chosen


def save_preference(
    *, session: Session, tenant: Tenant, user_id: int, data: PreferenceIn
) -> AlertPreference:
    """One person's alert preferences in this organisation."""
    require_owner(tenant)
    if user_id not in _member_ids(session, tenant):
        raise NotFound()
    key = (tenant.organisation_id, user_id)
    preference = session.get(AlertPreference, key) or AlertPreference(
        organisation_id=tenant.organisation_id, user_id=user_id
    )
    for field, value in data.model_dump().items():
        setattr(preference, field, value)
    session.add(preference)
    session.commit()
    return preference


def list_webhooks(*, session: Session, tenant: Tenant) -> list[Webhook]:
    require_owner(tenant)
    return list(session.exec(scoped(tenant, Webhook).order_by(col(Webhook.id))).all())


def add_webhook(
    *, session: Session, tenant: Tenant, data: WebhookIn, settings: Settings
) -> Webhook:
    """A new webhook with a new signing secret (the caller shows it once); refused when its
    address leads to the server's own network. Blocking (it looks the name up)."""
    require_owner(tenant)
    # Before the first query: on SQLite a writer's lock would be held through the lookup.
    check_url(data.url, allowed=settings.outbound_allowed)
    if data.location_id is not None:
        location_in_use(session, tenant, data.location_id)
    webhook = Webhook(
        organisation_id=tenant.organisation_id,
        secret=f"whsec_{new_secret(24)}",
        **data.model_dump(),
    )
    session.add(webhook)
    session.commit()
    return webhook


def delete_webhook(*, session: Session, tenant: Tenant, webhook_id: int) -> None:
    """Remove a webhook and its undelivered alerts."""
    require_owner(tenant)
    session.delete(get_scoped(session, tenant, Webhook, webhook_id))
    session.commit()


def send_test(
    *, session: Session, tenant: Tenant, webhook_id: int, settings: Settings
) -> OutboundError | None:
    """POST a signed test message now; what failed, in general terms, or None when it arrived."""
    require_owner(tenant)
    webhook = get_scoped(session, tenant, Webhook, webhook_id)
    text = "This is a test from Tellus: this webhook receives its alerts."
    body = (
        f'{{"text": "{text}"}}'
        if webhook.style == "slack"
        else f'{{"event": "test", "text": "{text}"}}'
    ).encode()
    try:
        post_webhook(
            webhook=webhook,
            body=body,
            idempotency_key=f"tellus-test-{uuid.uuid4().hex}",
            allowed=settings.outbound_allowed,
        )
    except OutboundError as error:
        return error
    return None
