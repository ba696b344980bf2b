"""A compliment left waiting is not forgotten: the daily digest lists it after a set number of
days, until someone passes it on (on a frozen clock)."""

from datetime import UTC, datetime, time, timedelta

from fastapi import FastAPI
from sqlmodel import Session

from api.config import Settings
from api.models import AlertSettings, Card
from tests.alerts.helpers import Clock, drain, make_worker
from tests.client import TestClient
from tests.factories import World, make_card, make_manager
from tests.helpers import csrf_token
from tests.smtp import SmtpServer

TODAY = datetime.now(UTC).date()
DIGEST_TIME = datetime.combine(TODAY, time(9, 0), tzinfo=UTC)


def digests_to(smtp_server: SmtpServer, address: str) -> list[str]:
    return [
        m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for m in smtp_server.messages
        if str(m["To"]) == address
    ]


def compliment(session: Session, world: World, *, days_ago: float, comment: str) -> Card:
    return make_card(
        session,
        code=world.counter_code,
        rating=5,
        comment=comment,
        employee_id=world.maya.id,
        created_at=DIGEST_TIME - timedelta(days=days_ago),
    )


def test_the_digest_lists_compliments_waiting_past_the_set_days_until_passed_on(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    assert world.terrace.id is not None
    make_manager(
        session,
        world=world,
        email="terrace@example.com",
        location_ids=frozenset({world.terrace.id}),
    )
    waiting = compliment(session, world, days_ago=4, comment="Maya found my lost keys")
    compliment(session, world, days_ago=2.5, comment="Maya was quick today")
    make_card(
        session,
        code=world.counter_code,
        rating=1,
        comment="Maya forgot my order",
        employee_id=world.maya.id,
        created_at=DIGEST_TIME - timedelta(days=5),
    )
    clock = Clock(DIGEST_TIME)

    drain(make_worker(app, settings, clock))

    smtp_server.inbox.wait_for(1)
    [digest] = digests_to(smtp_server, world.owner_email)
    assert "Positive cards" not in digest, "none yesterday"
    assert "Compliments waiting to be passed on to their employee: 1" in digest
    assert "Maya found my lost keys" in digest
    assert "Maya was quick today" not in digest, "not before three days"
    assert "Maya forgot my order" not in digest, "a complaint is never a compliment to pass on"
    assert f"http://testserver/inbox/{waiting.id}" in digest
    assert digests_to(smtp_server, "terrace@example.com") == [], "not their location"

    token = csrf_token(manager_client, f"/inbox/{waiting.id}")
    manager_client.post(
        f"/inbox/{waiting.id}/pass-on", data={"csrf_token": token, "note": "Thank you!"}
    )
    clock.advance(days=1)
    drain(make_worker(app, settings, clock))

    smtp_server.inbox.wait_for(2)
    digests = digests_to(smtp_server, world.owner_email)
    assert len(digests) == 2
    assert "Maya found my lost keys" not in digests[1], "passed on: no longer waiting"
    assert "Maya was quick today" in digests[1], "three days old now"


def test_the_owner_sets_how_many_days_a_compliment_may_wait(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    token = csrf_token(manager_client, "/admin/alerts")
    saved = manager_client.post(
        "/admin/alerts",
        data={
            "csrf_token": token,
            "escalation_minutes": "10",
            "digest_hour": "8",
            "compliment_reminder_days": "1",
        },
    )
    assert saved.status_code == 303, saved.text
    compliment(session, world, days_ago=1.5, comment="Maya was kind")

    drain(make_worker(app, settings, Clock(DIGEST_TIME)))

    smtp_server.inbox.wait_for(1)
    [digest] = digests_to(smtp_server, world.owner_email)
    assert "Maya was kind" in digest
    assert session.get_one(AlertSettings, world.organisation.id).compliment_reminder_days == 1
