"""Time-driven alerts on a frozen clock: escalation, quiet hours, digests and unsubscribing."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.alerts.routing import NEGATIVE_MAX_RATING
from api.alerts.schedule import schedule_escalations
from api.config import Settings
from api.models import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    AlertPreference,
    AlertSettings,
    Card,
    CardStatus,
    DeliveryStatus,
    Membership,
    MembershipLocation,
    Role,
    User,
    utcnow,
)
from tests.alerts.helpers import Clock, deliveries, drain, make_worker
from tests.client import TestClient
from tests.factories import World, make_card, make_manager, reread
from tests.helpers import csrf_token, send_card
from tests.smtp import SmtpServer


def subjects(smtp_server: SmtpServer, to: str) -> list[str]:
    return [str(m["Subject"]) for m in smtp_server.messages if str(m["To"]) == to]


def test_an_unacknowledged_negative_card_escalates_to_the_owners_after_ten_minutes(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    make_manager(session, world=world, email="manager@example.com")
    send_card(client, world.counter_code.token, rating=1, comment="Nobody came")
    clock = Clock()
    worker = make_worker(app, settings, clock)
    drain(worker)
    mail.inbox.wait_for(1)
    assert subjects(mail, world.owner_email) == [], "the manager is alerted, not the owner"

    clock.advance(minutes=9, seconds=50)
    drain(worker)
    assert subjects(mail, world.owner_email) == []
    clock.advance(seconds=15)
    drain(worker)
    mail.inbox.wait_for(2)
    assert subjects(mail, world.owner_email) == [
        "Not acknowledged after 10 minutes: a card at Counter"
    ]
    clock.advance(hours=1)
    drain(worker)
    assert len(subjects(mail, world.owner_email)) == 1, "escalated once"


def test_escalations_are_looked_for_every_fifteen_seconds_not_at_every_poll(
    app: FastAPI, client: TestClient, session: Session, world: World, settings: Settings
) -> None:
    """The look reads the day's cards: a busy day's every poll made it the database's work."""
    send_card(client, world.counter_code.token, rating=1, comment="Nobody came")
    clock = Clock()
    worker = make_worker(app, settings, clock)

    def escalations() -> int:
        return sum(row.kind == AlertKind.escalation for row in deliveries(session))

    drain(worker)
    clock.advance(minutes=9, seconds=55)
    drain(worker)  # looked: not due for 5 more seconds
    clock.advance(seconds=10)
    drain(worker)
    assert escalations() == 0, "due now, but looked for 10 seconds ago"
    clock.advance(seconds=5)
    drain(worker)
    assert escalations() == 1


def test_an_acknowledged_card_does_not_escalate_and_the_delay_is_the_organisations(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    assert world.organisation.id is not None
    session.add(AlertSettings(organisation_id=world.organisation.id, escalation_minutes=3))
    session.commit()
    make_manager(session, world=world, email="manager@example.com")
    send_card(manager_client, world.counter_code.token, rating=1, comment="Handled")
    send_card(manager_client, world.terrace_code.token, rating=2, comment="Left alone")
    reread(session)
    handled = session.exec(select(Card).where(Card.comment == "Handled")).one()
    card_path = f"/inbox/{handled.id}"
    acknowledged = manager_client.post(
        f"{card_path}/acknowledge", data={"csrf_token": csrf_token(manager_client)}
    )
    assert acknowledged.status_code == 303

    clock = Clock()
    clock.advance(minutes=3, seconds=5)
    drain(make_worker(app, settings, clock))
    mail.inbox.wait_for(2)
    assert subjects(mail, world.owner_email) == [
        "Not acknowledged after 3 minutes: a card at Terrace"
    ]
    # The handled card's own alert had not left yet: it is no longer news, so it never does.
    assert subjects(mail, "manager@example.com") == ["Negative card at Terrace"]


def quiet_hours_around(session: Session, world: World, now: datetime, people: list[User]) -> None:
    """These people's quiet hours: from an hour before `now` to an hour after."""
    start, end = (
        (now - timedelta(hours=1)).strftime("%H:%M"),
        (now + timedelta(hours=1)).strftime("%H:%M"),
    )
    assert world.organisation.id is not None
    for person in people:
        assert person.id is not None
        session.add(
            AlertPreference(
                organisation_id=world.organisation.id,
                user_id=person.id,
                quiet_start=start,
                quiet_end=end,
            )
        )
    session.commit()


def the_counters_manager_and_two_cards(client: TestClient, session: Session, world: World) -> User:
    """A manager limited to the counter; a positive card at the counter, one at the terrace."""
    assert world.counter.id is not None
    manager = make_manager(
        session,
        world=world,
        email="counter@example.com",
        location_ids=frozenset({world.counter.id}),
    )
    send_card(client, world.counter_code.token, rating=5, comment="Great flat white")
    send_card(client, world.terrace_code.token, rating=4, comment="Sunny terrace")
    return manager


def tomorrow_at(moment: time) -> Clock:
    today = datetime.now(UTC).date()
    return Clock(datetime.combine(today + timedelta(days=1), moment, tzinfo=UTC))


def test_quiet_hours_hold_an_alert_until_they_end_but_not_the_escalation(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    clock = Clock()
    manager = make_manager(session, world=world, email="sleepy@example.com")
    quiet_hours_around(session, world, clock.now, [manager, world.owner])
    send_card(client, world.counter_code.token, rating=1, comment="At night")
    worker = make_worker(app, settings, clock)

    clock.advance(minutes=11)
    drain(worker)
    mail.inbox.wait_for(1)
    assert subjects(mail, "sleepy@example.com") == []
    assert subjects(mail, world.owner_email) == [
        "Not acknowledged after 10 minutes: a card at Counter"
    ]
    clock.advance(minutes=50)
    drain(worker)
    mail.inbox.wait_for(2)
    assert subjects(mail, "sleepy@example.com") == ["Negative card at Counter"]


def test_positive_cards_come_in_a_daily_digest_that_unsubscribes_in_one_click(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    the_counters_manager_and_two_cards(client, session, world)
    clock = tomorrow_at(time(7, 30))
    worker = make_worker(app, settings, clock)
    drain(worker)
    assert mail.messages == [], "not before the digest hour (08:00)"

    clock.advance(hours=1)
    worker = make_worker(app, settings, clock)
    drain(worker)
    messages = mail.inbox.wait_for(2)
    digests = {str(m["To"]): m.get_body(("plain",)).get_content() for m in messages}  # type: ignore[union-attr]
    assert "Great flat white" in digests["counter@example.com"]
    assert "Sunny terrace" not in digests["counter@example.com"], "only what they manage"
    assert "Sunny terrace" in digests[world.owner_email]
    assert "Positive cards: 2" in digests[world.owner_email]

    message = next(m for m in messages if str(m["To"]) == "counter@example.com")
    url = str(message["List-Unsubscribe"]).strip().strip("<>").removeprefix("http://testserver")
    # No `with`: a second lifespan on the same app would start a second set of wake-ups.
    stranger = TestClient(app, follow_redirects=False)
    try:
        asked = stranger.get(url)
        assert asked.status_code == 200
        assert "Stop the daily digest emails from Harbour Café?" in asked.text
        reread(session)
        assert all(p.digest_email for p in session.exec(select_preferences()).all())
        done = stranger.post(
            url,
            content=b"List-Unsubscribe=One-Click",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": "https://mail.example.net",
            },
        )
        assert done.status_code == 200, done.text
        assert "You will no longer get the daily digest" in done.text
        tampered = stranger.post(url[:-1] + ("0" if url[-1] != "0" else "1"))
        assert tampered.status_code == 404
    finally:
        stranger.close()

    reread(session)
    [preference] = session.exec(select_preferences()).all()
    assert preference.digest_email is False
    assert preference.negative_email is True

    send_card(client, world.counter_code.token, rating=5, comment="Next day")
    clock.advance(days=1)
    drain(make_worker(app, settings, clock))
    assert subjects(mail, "counter@example.com") == [str(message["Subject"])]


def select_preferences() -> SelectOfScalar[AlertPreference]:
    return select(AlertPreference)


def test_the_look_finds_the_cards_awaiting_an_escalation_through_their_own_index(
    session: Session, world: World
) -> None:
    """Every 15 seconds, across organisations: the partial index holds those cards alone, so
    the look never reads the whole card table (132 ms at a million cards without it)."""
    created = utcnow() - timedelta(hours=1)
    for rating in range(1, 6):
        for status in CardStatus:
            for alerts in (True, False):
                make_card(
                    session,
                    code=world.counter_code,
                    rating=rating,
                    status=status,
                    alerts=alerts,
                    created_at=created,
                )
    engine = session.get_bind()
    looks: list[tuple[str, Any]] = []

    def keep(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if "FROM card" in statement and "alert_delivery" in statement:
            looks.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        schedule_escalations(engine=engine, now=utcnow())
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    reread(session)
    escalated = session.exec(
        select(Card.rating, Card.status, Card.alerts)
        .join(AlertDelivery, col(AlertDelivery.card_id) == Card.id)
        .where(AlertDelivery.kind == AlertKind.escalation)
        .order_by(col(Card.rating), col(Card.status))
    ).all()
    # Negative, raising alerts, and neither acknowledged nor closed: what the routing calls
    # negative (the index's condition writes its rating out, and must follow it).
    negative = range(1, NEGATIVE_MAX_RATING + 1)
    assert escalated == [
        (rating, status, True) for rating in negative for status in ("new", "seen")
    ]
    [(statement, parameters)] = looks
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # A table this small is read whole whatever its indexes: ask for the plan an index
            # would give, and check that it is this one (for this transaction only: the
            # connection goes back to the app's pool).
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
        else:
            query_plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plan = [row[-1] for row in query_plan]
    assert any("ix_card_escalation" in line for line in plan), plan


def test_a_digest_held_by_quiet_hours_tells_only_of_the_places_its_reader_still_sees(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    """Queued for a manager of the counter and the terrace at the digest hour, it waits for
    their quiet hours to end; meanwhile they keep only the terrace. It leaves with the
    terrace's card alone."""
    assert world.counter.id is not None
    assert world.terrace.id is not None
    places = frozenset({world.counter.id, world.terrace.id})
    manager = make_manager(session, world=world, email="both@example.com", location_ids=places)
    send_card(client, world.counter_code.token, rating=5, comment="Great flat white")
    send_card(client, world.terrace_code.token, rating=4, comment="Sunny terrace")
    clock = tomorrow_at(time(8, 30))
    quiet_hours_around(session, world, clock.now, [manager])
    drain(make_worker(app, settings, clock))
    assert subjects(mail, "both@example.com") == [], "held by their quiet hours"
    counter = session.exec(
        select(MembershipLocation).where(MembershipLocation.location_id == world.counter.id)
    ).one()
    session.delete(counter)
    session.commit()

    clock.advance(hours=2)
    drain(make_worker(app, settings, clock))

    mail.inbox.wait_for(2)
    [digest] = [m for m in mail.messages if str(m["To"]) == "both@example.com"]
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Sunny terrace" in text
    assert "Great flat white" not in text


def test_a_digest_with_nothing_left_for_its_reader_is_not_sent(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    """Queued for the counter's manager, held by their quiet hours while they were moved to the
    terrace: none of its cards is theirs now, and no empty digest goes out."""
    manager = the_counters_manager_and_two_cards(client, session, world)
    clock = tomorrow_at(time(8, 30))
    quiet_hours_around(session, world, clock.now, [manager])
    drain(make_worker(app, settings, clock))
    [limit] = session.exec(select(MembershipLocation)).all()
    limit.location_id = world.terrace.id
    session.add(limit)
    session.commit()

    clock.advance(hours=2)
    drain(make_worker(app, settings, clock))

    mail.inbox.wait_for(1)  # the owner's
    assert subjects(mail, "counter@example.com") == []
    [held] = [row for row in deliveries(session) if row.user_id == manager.id]
    assert held.status == DeliveryStatus.dropped


def test_the_weekly_summary_waits_only_for_someone_still_an_owner(
    app: FastAPI, session: Session, world: World, settings: Settings, mail: SmtpServer
) -> None:
    """Queued for an owner, it is dropped if by the time it leaves they are only a manager."""
    assert world.organisation.id is not None
    assert world.owner.id is not None
    now = utcnow()
    session.add(
        AlertDelivery(
            organisation_id=world.organisation.id,
            kind=AlertKind.weekly,
            channel=AlertChannel.email,
            user_id=world.owner.id,
            address=world.owner_email,
            language="en",
            idempotency_key="tellus-weekly-test",
            payload={},
            next_attempt_at=now,
            created_at=now,
        )
    )
    membership = session.exec(select(Membership)).one()
    membership.role = Role.manager
    session.add(membership)
    session.commit()

    drain(make_worker(app, settings, Clock(now)))

    assert mail.messages == []
    assert [row.status for row in deliveries(session)] == [DeliveryStatus.dropped]
