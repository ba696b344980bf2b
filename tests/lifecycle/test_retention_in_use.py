"""The worker applies retention: old cards go with all they own, and nothing else breaks."""

from datetime import timedelta

from fastapi import FastAPI
from sqlmodel import Session, col, select

from api.alerts.messages import alert_text
from api.alerts.worker import Worker, default_channels
from api.config import Settings
from api.models import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    Card,
    CardNote,
    Event,
    Reply,
    utcnow,
)
from api.security import new_secret
from tests.client import TestClient
from tests.factories import World, make_card, reread
from tests.helpers import csrf_token


def test_the_worker_deletes_old_cards_and_the_rest_keeps_working(
    app: FastAPI, settings: Settings, manager_client: TestClient, session: Session, world: World
) -> None:
    token = csrf_token(manager_client, "/admin/data")
    policy = {"csrf_token": token, "contact_days": "30", "card_days": "60"}
    assert manager_client.post("/admin/data/retention", data=policy).status_code == 303
    now = utcnow()
    old = make_card(
        session,
        code=world.counter_code,
        rating=1,
        comment="Old and cold",
        contact_email="old@example.com",
        created_at=now - timedelta(days=90),
    )
    fresh = make_card(
        session, code=world.counter_code, comment="Today", contact_email="new@example.com"
    )
    assert world.organisation.id is not None
    assert old.id is not None
    old_id = old.id
    session.add(Reply(organisation_id=world.organisation.id, card_id=old_id, body="Sorry"))
    session.add(CardNote(organisation_id=world.organisation.id, card_id=old_id, body="Regular"))
    digest = AlertDelivery(
        organisation_id=world.organisation.id,
        kind=AlertKind.digest,
        channel=AlertChannel.email,
        address=world.owner_email,
        idempotency_key=new_secret(12),
        payload={"date": "2026-11-01", "card_ids": [old_id, fresh.id]},
    )
    session.add(digest)
    session.commit()

    worker = Worker(engine=app.state.runtime.engine, settings=settings, channels=default_channels())
    worker.run_once()
    reread(session)
    assert session.exec(select(Card.id)).all() == [fresh.id]
    assert session.exec(select(Card.contact_email)).all() == ["new@example.com"]
    for model in (Reply, CardNote, Event):
        assert session.exec(select(model).where(col(model.card_id) == old_id)).all() == []
    # A digest written before the card went lists what is left.
    stored = session.get_one(AlertDelivery, digest.id)
    text = alert_text(session=session, delivery=stored, settings=settings, now=now)
    assert "Today" in text.body
    assert "Old and cold" not in text.body

    assert (
        "0 cards' contact details wiped, 1 cards deleted" in manager_client.get("/admin/data").text
    )
    inbox = manager_client.get("/inbox")
    assert inbox.status_code == 200
    assert "Today" in inbox.text
    assert manager_client.get(f"/inbox/{old_id}").status_code == 404
    # A later pass (another worker) finds nothing left to do.
    Worker(
        engine=app.state.runtime.engine, settings=settings, channels=default_channels()
    ).run_once()
    assert (
        "0 cards' contact details wiped, 0 cards deleted" in manager_client.get("/admin/data").text
    )
