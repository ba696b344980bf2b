"""Who gets an alert about a card, through which channel, and when: decided as the card is stored.

Defaults with no set-up: a negative card (rating 1–2) emails at once the managers who can see its
location (the owners when no manager can); positive cards wait for the daily digest. An owner
can name who is on duty per location, add webhooks, and set each person's preferences.

Quiet hours (in the organisation's time zone) hold a person's emails, negative alerts included,
until they end: quiet means quiet. What keeps a negative card from waiting all night is the
escalation, which reaches the owners after N unacknowledged minutes whatever their quiet hours.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam
from sqlmodel import Session, col, select

from api.models import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    AlertPreference,
    Card,
    LocationDuty,
    Membership,
    MembershipLocation,
    Organisation,
    PushSubscription,
    Role,
    User,
    Webhook,
)
from api.models.rows import new_row

NEGATIVE_MAX_RATING = 2


@dataclass(frozen=True)
class Recipient:
    user: User
    role: Role
    preference: AlertPreference


def is_negative(card: Card) -> bool:
    return card.rating <= NEGATIVE_MAX_RATING


def organisation_zone(organisation: Organisation) -> ZoneInfo:
    try:
        return ZoneInfo(organisation.time_zone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


# Routing's queries, built once: each card group runs them, and building a query (and its
# cache key) cost several times what the database takes to answer it (bench/README.md).
# Owners and managers, with their preferences if they set any.
MEMBERS = (
    select(Membership, User, AlertPreference)
    .join(User, col(User.id) == Membership.user_id)
    .join(
        AlertPreference,
        and_(
            col(AlertPreference.organisation_id) == Membership.organisation_id,
            col(AlertPreference.user_id) == Membership.user_id,
        ),
        isouter=True,
    )
    .where(Membership.organisation_id == bindparam("organisation_id"))
    .where(col(Membership.role).in_([Role.owner, Role.manager]))
    .order_by(col(User.id))
)
LIMITS = select(MembershipLocation.membership_id, MembershipLocation.location_id).where(
    col(MembershipLocation.membership_id).in_(bindparam("membership_ids", expanding=True))
)
ON_DUTY = select(LocationDuty.user_id).where(LocationDuty.location_id == bindparam("location_id"))
WITH_PUSH = (
    select(PushSubscription.user_id)
    .where(PushSubscription.organisation_id == bindparam("organisation_id"))
    .distinct()
)
ORGANISATION = select(Organisation).where(Organisation.id == bindparam("organisation_id"))
WEBHOOKS = (
    select(Webhook)
    .where(Webhook.organisation_id == bindparam("organisation_id"))
    .order_by(col(Webhook.id))
)


def members(*, session: Session, organisation_id: int) -> list[tuple[Recipient, set[int] | None]]:
    """Owners and managers with the locations they are limited to (None: every location)."""
    rows = session.exec(MEMBERS, params={"organisation_id": organisation_id}).all()
    limits: dict[int | None, set[int]] = {}
    membership_ids = [membership.id for membership, _, _ in rows]
    for membership_id, limit_id in session.connection().execute(
        LIMITS, {"membership_ids": membership_ids}
    ):
        limits.setdefault(membership_id, set()).add(limit_id)
    return [
        (
            Recipient(
                user=user,
                role=Role(membership.role),
                preference=preference
                or AlertPreference(organisation_id=organisation_id, user_id=user.id),
            ),
            limits.get(membership.id),
        )
        for membership, user, preference in rows
        if user.id is not None
    ]


def members_who_see(
    *, session: Session, organisation_id: int, location_id: int | None
) -> list[Recipient]:
    """Owners and managers who can see a location (unlimited ones only when it is None)."""
    return [
        recipient
        for recipient, limit in members(session=session, organisation_id=organisation_id)
        if limit is None or location_id in limit
    ]


def on_duty(*, session: Session, organisation_id: int, location_id: int | None) -> list[Recipient]:
    """Who a negative card at this location alerts: those on duty, else its managers."""
    seeing = members_who_see(
        session=session, organisation_id=organisation_id, location_id=location_id
    )
    if location_id is not None:
        duty = set(session.connection().execute(ON_DUTY, {"location_id": location_id}).scalars())
        if duty:
            return [r for r in seeing if r.user.id in duty]
    managers = [r for r in seeing if r.role == Role.manager]
    return managers or [r for r in seeing if r.role == Role.owner]


def quiet_until(preference: AlertPreference, zone: ZoneInfo, now: datetime) -> datetime | None:
    """When this person's quiet hours end if `now` falls in them, else None."""
    try:
        start = time.fromisoformat(preference.quiet_start)
        end = time.fromisoformat(preference.quiet_end)
    except ValueError:
        return None
    if start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    today_end = datetime.combine(local.date(), end, tzinfo=zone)
    if start < end:
        inside, until = start <= clock < end, today_end
    elif clock >= start:
        inside, until = True, today_end + timedelta(days=1)
    else:
        inside, until = clock < end, today_end
    return until.astimezone(now.tzinfo) if inside else None


def language_of(recipient: Recipient, organisation: Organisation) -> str:
    """The alerts' own language if one is set, else the person's, else the organisation's."""
    return (
        recipient.preference.language
        or recipient.user.language
        or organisation.default_language
        or "en"
    )


def email_delivery(
    *,
    organisation: Organisation,
    recipient: Recipient,
    kind: AlertKind,
    key: str,
    now: datetime,
    card_id: int | None = None,
    payload: dict[str, object] | None = None,
    honour_quiet_hours: bool = True,
) -> AlertDelivery:
    """An email delivery to one person, held back to the end of their quiet hours."""
    held = quiet_until(recipient.preference, organisation_zone(organisation), now)
    assert organisation.id is not None
    return new_row(
        AlertDelivery,
        organisation_id=organisation.id,
        card_id=card_id,
        kind=kind,
        channel=AlertChannel.email,
        user_id=recipient.user.id,
        address=recipient.user.email,
        language=language_of(recipient, organisation),
        idempotency_key=key,
        payload=payload or {},
        next_attempt_at=(held if held and honour_quiet_hours else now),
        created_at=now,
    )


def push_delivery(
    organisation: Organisation, recipient: Recipient, card: Card, now: datetime
) -> AlertDelivery:
    """A negative card on the person's devices, at once unless they are in their quiet hours."""
    held = quiet_until(recipient.preference, organisation_zone(organisation), now)
    assert organisation.id is not None
    return new_row(
        AlertDelivery,
        organisation_id=organisation.id,
        card_id=card.id,
        kind=AlertKind.negative,
        channel=AlertChannel.push,
        user_id=recipient.user.id,
        language=language_of(recipient, organisation),
        idempotency_key=f"tellus-card-{card.id}-push-{recipient.user.id}",
        next_attempt_at=held or now,
        created_at=now,
    )


def enqueue_card_alerts(*, session: Session, card: Card, now: datetime) -> list[AlertDelivery]:
    """Add the card's alert deliveries to the session's transaction (the caller commits)."""
    deliveries = Routing(session).deliveries(card, now)
    session.add_all(deliveries)
    return deliveries


class Routing:
    """Who a card alerts, for one or many cards in one transaction: what routing reads (the
    organisation, who is on duty, push devices, webhooks) is read once per organisation,
    location or person, not once a card (a group of cards is stored together, see
    api.customer.card_writer)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._on_duty: dict[tuple[int, int | None], list[Recipient]] = {}
        # Per organisation: the people with a device that takes alerts.
        self._with_push: dict[int, set[int]] = {}
        self._webhooks: dict[int, list[Webhook]] = {}
        self._organisations: dict[int, Organisation] = {}

    def deliveries(self, card: Card, now: datetime) -> list[AlertDelivery]:
        """The card's alert deliveries, not yet added to the session."""
        assert card.id is not None
        deliveries: list[AlertDelivery] = []
        if is_negative(card):
            # Only a negative card's emails and pushes need the organisation (its clock, language).
            organisation = self.organisation(card.organisation_id)
            for recipient in self.on_duty(card.organisation_id, card.location_id):
                if recipient.preference.negative_email:
                    deliveries.append(
                        email_delivery(
                            organisation=organisation,
                            recipient=recipient,
                            kind=AlertKind.negative,
                            key=f"tellus-card-{card.id}-email-{recipient.user.id}",
                            now=now,
                            card_id=card.id,
                        )
                    )
                if self.has_push_device(recipient, card.organisation_id):
                    deliveries.append(
                        push_delivery(
                            organisation=organisation, recipient=recipient, card=card, now=now
                        )
                    )
        for webhook in self.webhooks_for(card):
            deliveries.append(
                new_row(
                    AlertDelivery,
                    organisation_id=card.organisation_id,
                    card_id=card.id,
                    kind=AlertKind.negative if is_negative(card) else AlertKind.card,
                    channel=AlertChannel.webhook,
                    webhook_id=webhook.id,
                    language=webhook.language,
                    idempotency_key=f"tellus-card-{card.id}-webhook-{webhook.id}",
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        return deliveries

    def organisation(self, organisation_id: int) -> Organisation:
        if organisation_id not in self._organisations:
            found = self.session.exec(ORGANISATION, params={"organisation_id": organisation_id})
            self._organisations[organisation_id] = found.one()
        return self._organisations[organisation_id]

    def on_duty(self, organisation_id: int, location_id: int | None) -> list[Recipient]:
        key = (organisation_id, location_id)
        if key not in self._on_duty:
            self._on_duty[key] = on_duty(
                session=self.session, organisation_id=organisation_id, location_id=location_id
            )
        return self._on_duty[key]

    def has_push_device(self, recipient: Recipient, organisation_id: int) -> bool:
        """Whether the person installed the inbox and turned on alerts on some device."""
        if organisation_id not in self._with_push:
            found = self.session.connection().execute(
                WITH_PUSH, {"organisation_id": organisation_id}
            )
            self._with_push[organisation_id] = set(found.scalars())
        return recipient.user.id in self._with_push[organisation_id]

    def webhooks_for(self, card: Card) -> list[Webhook]:
        """The organisation's webhooks that want this card (its location, its rating)."""
        if card.organisation_id not in self._webhooks:
            found = self.session.exec(WEBHOOKS, params={"organisation_id": card.organisation_id})
            self._webhooks[card.organisation_id] = list(found.all())
        return [
            webhook
            for webhook in self._webhooks[card.organisation_id]
            if webhook.location_id in (None, card.location_id)
            and (webhook.all_cards or is_negative(card))
        ]
