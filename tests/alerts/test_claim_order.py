"""The order a claim takes due deliveries in: urgent alerts first, organisations by turns."""

from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlmodel import Session

from api.alerts.outbox import claim_due
from api.config import Settings
from api.models import AlertChannel, AlertDelivery, AlertKind, utcnow
from tests.factories import World, make_world


def add_due(
    session: Session,
    world: World,
    *,
    count: int,
    since: datetime,
    kind: AlertKind = AlertKind.card,
    channel: AlertChannel = AlertChannel.email,
) -> list[int]:
    """`count` due deliveries of the organisation's, one a second from `since`; their ids."""
    assert world.organisation.id is not None
    rows = [
        AlertDelivery(
            organisation_id=world.organisation.id,
            kind=kind,
            channel=channel,
            address=world.owner_email,
            idempotency_key=f"{world.organisation.slug}-{kind}-{channel}-{since.timestamp()}-{i}",
            next_attempt_at=since + timedelta(seconds=i),
            created_at=since + timedelta(seconds=i),
        )
        for i in range(count)
    ]
    session.add_all(rows)
    session.commit()
    return [row.id for row in rows if row.id is not None]


def claimed_ids(
    app: FastAPI,
    settings: Settings,
    *,
    limit: int,
    per_organisation: int | None = None,
    in_flight: dict[int, int] | None = None,
) -> list[int | None]:
    rows = claim_due(
        engine=app.state.runtime.engine,
        settings=settings,
        now=utcnow(),
        limit=limit,
        per_organisation=per_organisation,
        in_flight=in_flight,
    )
    return [row.id for row in rows]


def test_organisations_take_turns_however_many_each_has_waiting(
    app: FastAPI, session: Session, world: World, other_world: World, settings: Settings
) -> None:
    third = make_world(session, name="Corner Shop")
    start = utcnow() - timedelta(hours=1)
    # The flood came first: by age alone, the others would wait behind all of it.
    flood = add_due(session, world, count=500, since=start)
    rival = add_due(session, other_world, count=3, since=start + timedelta(minutes=30))
    corner = add_due(session, third, count=1, since=start + timedelta(minutes=40))

    first = claimed_ids(app, settings, limit=6)
    assert first == [flood[0], rival[0], corner[0], flood[1], rival[1], flood[2]]
    # Each claim starts the turns again; within a turn, the oldest first.
    assert claimed_ids(app, settings, limit=3) == [flood[3], rival[2], flood[4]]


def test_negative_alerts_go_before_digests_and_all_cards_webhooks(
    app: FastAPI, session: Session, world: World, other_world: World, settings: Settings
) -> None:
    start = utcnow() - timedelta(hours=1)
    digests = add_due(session, world, count=2, since=start, kind=AlertKind.digest)
    cards = add_due(
        session, world, count=2, since=start, kind=AlertKind.card, channel=AlertChannel.webhook
    )
    later = start + timedelta(minutes=30)
    negative = add_due(
        session,
        other_world,
        count=2,
        since=later,
        kind=AlertKind.negative,
        channel=AlertChannel.webhook,
    )
    escalation = add_due(session, world, count=1, since=later, kind=AlertKind.escalation)
    push = add_due(
        session, world, count=1, since=later, kind=AlertKind.negative, channel=AlertChannel.push
    )

    order = claimed_ids(app, settings, limit=20)
    assert sorted(order[:4]) == sorted(escalation + negative + push), "however new they are"
    assert sorted(order[4:]) == sorted(digests + cards)


def test_an_organisation_busy_in_this_worker_gets_only_what_is_left_of_its_share(
    app: FastAPI, session: Session, world: World, other_world: World, settings: Settings
) -> None:
    assert world.organisation.id is not None
    start = utcnow() - timedelta(hours=1)
    flood = add_due(session, world, count=50, since=start)
    rival = add_due(session, other_world, count=50, since=start)

    busy = {world.organisation.id: 3}
    first = claimed_ids(app, settings, limit=10, per_organisation=4, in_flight=busy)
    assert first == [flood[0], rival[0], rival[1], rival[2], rival[3]]
    full = {world.organisation.id: 4}
    assert claimed_ids(app, settings, limit=10, per_organisation=4, in_flight=full) == rival[4:8]
