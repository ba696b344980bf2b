"""The owners' digest reminds them of Customer Service Week in the week before it."""

from datetime import UTC, date, datetime, time

from fastapi import FastAPI
from sqlmodel import Session

from api.config import Settings
from api.recognition.periods import service_week
from tests.alerts.helpers import Clock, drain, make_worker
from tests.factories import World, make_manager
from tests.smtp import SmtpServer

WEEK = service_week(2026)  # 5–11 October


def test_owners_are_reminded_in_the_digest_the_week_before(
    app: FastAPI, session: Session, world: World, settings: Settings, mail: SmtpServer
) -> None:
    make_manager(session, world=world, email="manager@example.com")
    # Wednesday 30 September 2026, 09:00: five days before the week; no cards at all.
    clock = Clock(datetime.combine(date(2026, 9, 30), time(9), tzinfo=UTC))
    drain(make_worker(app, settings, clock))
    [message] = mail.inbox.wait_for(1)
    assert str(message["To"]) == world.owner_email, "the owners, not the managers"
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Customer Service Week starts on October 5, 2026" in body
    assert f"/inbox/service-week?{WEEK.query}" in body
    # Two weeks earlier, a day without cards brings no digest at all.
    mail.messages.clear()
    clock.now = datetime.combine(date(2026, 9, 16), time(9), tzinfo=UTC)
    drain(make_worker(app, settings, clock))
    assert mail.messages == []
