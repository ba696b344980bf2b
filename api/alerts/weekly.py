"""The owners' weekly summary: queued once the digest hour has passed on Monday (or later in
the week, after an outage) for the Monday-to-Sunday week before, under a key per owner and week,
so a restarted or second worker never queues it twice."""

from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.alerts.routing import email_delivery, members, organisation_zone
from api.alerts.schedule import add_once, alert_settings, queued_keys
from api.analytics.weekly import week_before
from api.db import writer
from api.models import AlertKind, AlertPreference, Organisation, Role


def schedule_weekly(*, engine: Engine, now: datetime) -> int:
    """Queue last week's summary to each owner who opted in, once per owner and week."""
    with Session(engine) as session:
        organisations = session.exec(
            select(Organisation).where(col(Organisation.id).in_(_opted_in_organisations(session)))
        ).all()
    return sum(
        _weekly_for(engine=engine, organisation=organisation, now=now)
        for organisation in organisations
    )


def _opted_in_organisations(session: Session) -> list[int]:
    return list(
        session.exec(
            select(AlertPreference.organisation_id)
            .where(col(AlertPreference.weekly_email))
            .distinct()
        ).all()
    )


def _weekly_for(*, engine: Engine, organisation: Organisation, now: datetime) -> int:
    assert organisation.id is not None
    local = now.astimezone(organisation_zone(organisation))
    with Session(writer(engine)) as session:
        settings = alert_settings(session=session, organisation_id=organisation.id)
        if local.weekday() == 0 and local.hour < settings.digest_hour:
            return 0
        monday = week_before(local.date())
        done = queued_keys(
            session=session,
            organisation_id=organisation.id,
            kind=AlertKind.weekly,
            since=now - timedelta(days=8),
        )
        deliveries = []
        for recipient, _ in members(session=session, organisation_id=organisation.id):
            key = f"tellus-weekly-{organisation.id}-{recipient.user.id}-{monday.isoformat()}"
            wanted = recipient.role == Role.owner and recipient.preference.weekly_email
            if wanted and key not in done:
                deliveries.append(
                    email_delivery(
                        organisation=organisation,
                        recipient=recipient,
                        kind=AlertKind.weekly,
                        key=key,
                        now=now,
                        payload={"week": monday.isoformat()},
                    )
                )
        return add_once(session, deliveries)
