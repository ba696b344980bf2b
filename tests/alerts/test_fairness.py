"""One organisation's flood never delays another's alerts: the worker's real loop, a webhook
server that hangs, the real SMTP server."""

import time
from email.message import EmailMessage

from fastapi import FastAPI
from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from api.alerts.routing import enqueue_card_alerts
from api.alerts.worker import Worker, default_channels
from api.config import Settings
from api.models import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    Card,
    CardStatus,
    DeliveryStatus,
    Webhook,
    utcnow,
)
from api.security import new_secret
from tests.alerts.receiver import Receiver
from tests.client import TestClient
from tests.factories import World
from tests.helpers import send_card
from tests.smtp import SmtpServer

FLOOD_CARDS = 1500
# One card in ten of the flood is negative: an email to the owner, and urgent webhooks.
NEGATIVE_EVERY = 10


def flood(session: Session, world: World, webhook_url: str) -> int:
    """The organisation's cards, stored at once with their alerts (two all-cards webhooks); how
    many deliveries that made. The negative cards go through the routing service; the positive
    ones, and the webhook deliveries it would make for them, in one insert each."""
    organisation_id = world.organisation.id
    assert organisation_id is not None
    webhooks = [
        Webhook(
            organisation_id=organisation_id,
            name=name,
            url=f"{webhook_url}/{name.lower()}",
            secret="whsec_x",
            all_cards=True,
        )
        for name in ("Ops", "Archive")
    ]
    session.add_all(webhooks)
    session.flush()
    now = utcnow()
    card: dict[str, object] = {
        "organisation_id": organisation_id,
        "code_id": world.counter_code.id,
        "location_id": world.counter.id,
        "request_hash": "0" * 64,
        "created_at": now,
    }
    negative = [
        Card(**card, rating=1, comment=f"Flood {n}", idempotency_key=new_secret(12))  # type: ignore[arg-type]
        for n in range(FLOOD_CARDS // NEGATIVE_EVERY)
    ]
    session.add_all(negative)
    session.flush()
    with session.no_autoflush:
        made = sum(len(enqueue_card_alerts(session=session, card=c, now=now)) for c in negative)
    positive = session.scalars(
        insert(Card).returning(col(Card.id), sort_by_parameter_order=True),
        [
            card
            | {
                "rating": 5,
                "comment": f"Flood {n}",
                "idempotency_key": new_secret(12),
                "status": CardStatus.new,
                "language": "en",
                "wants_reply": False,
            }
            | dict.fromkeys(("contact_name", "contact_email", "contact_phone"), "")
            for n in range(FLOOD_CARDS - len(negative))
        ],
    ).all()
    rows = [
        {
            "organisation_id": organisation_id,
            "card_id": card_id,
            "kind": AlertKind.card,
            "channel": AlertChannel.webhook,
            "webhook_id": webhook.id,
            "address": "",
            "language": "en",
            "idempotency_key": f"tellus-card-{card_id}-webhook-{webhook.id}",
            "payload": {},
            "status": DeliveryStatus.pending,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for card_id in positive
        for webhook in webhooks
    ]
    session.execute(insert(AlertDelivery), rows)
    session.commit()
    return made + len(rows)


def arrived(mail: SmtpServer, to: str, timeout: float) -> EmailMessage | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(mail.messages):
            if message["To"] == to:
                return message
        time.sleep(0.02)
    return None


def test_a_flood_with_a_hanging_webhook_never_delays_another_organisations_alert(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    other_world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    hanging = Receiver(stalls=True).start()
    made = flood(session, world, hanging.url)
    assert made == FLOOD_CARDS * 2 + FLOOD_CARDS // NEGATIVE_EVERY
    worker = Worker(engine=app.state.runtime.engine, settings=settings, channels=default_channels())
    worker.start_thread()
    try:
        # The flood holds its share of the worker's slots, each hanging on its webhook (for
        # TELLUS_ALERT_ANSWER_SECONDS, 5 s, before it times out).
        hanging.wait_for_stalled(settings.worker_organisation_slots)
        sent_at = time.monotonic()
        send_card(client, other_world.counter_code.token, rating=1, comment="Cold soup")
        alert = arrived(mail, other_world.owner_email, timeout=3.0)
        waited = time.monotonic() - sent_at
        assert alert is not None, "the other organisation's alert waited behind the flood"
        assert str(alert["Subject"]) == "Negative card at Counter"
        body = alert.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Cold soup" in body

        still_pending = session.exec(
            select(func.count())
            .select_from(AlertDelivery)
            .where(AlertDelivery.organisation_id == world.organisation.id)
            .where(col(AlertDelivery.status) == DeliveryStatus.pending)
        ).one()
        assert still_pending > made - 200, "the flood was still waiting when the alert left"
        assert len(hanging.stalled) == settings.worker_organisation_slots, (
            f"the flood's webhooks were still hanging {waited:.2f} s later, in its slots only"
        )
    finally:
        hanging.stop()
        worker.stop()
