"""The alert API: webhooks (secret shown once), settings, preferences, and retrying a delivery."""

from fastapi import FastAPI
from sqlmodel import Session

from api.config import Settings
from api.models import DeliveryStatus
from api.setup.api_keys.service import create_api_key
from tests.alerts.helpers import Clock, deliveries, drain, make_worker
from tests.alerts.receiver import Receiver
from tests.client import TestClient
from tests.factories import World
from tests.helpers import send_card


def test_an_api_key_sets_up_alerts_and_retries_a_parked_delivery(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    receiver: Receiver,
) -> None:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Ops")
    bearer = {"Authorization": f"Bearer {key}"}
    made = client.post(
        "/api/v1/webhooks", headers=bearer, json={"name": "Ops", "url": receiver.url}
    )
    assert made.status_code == 201, made.text
    assert made.json()["secret"].startswith("whsec_")
    assert made.headers["cache-control"] == "no-store"
    listed = client.get("/api/v1/webhooks", headers=bearer).json()
    assert [(hook["name"], hook["secret"]) for hook in listed] == [("Ops", None)]
    tested = client.post(f"/api/v1/webhooks/{made.json()['id']}/test", headers=bearer)
    assert tested.json() == {"arrived": True, "error": None}

    assert client.put(
        "/api/v1/alerts/settings", headers=bearer, json={"escalation_minutes": 4, "digest_hour": 7}
    ).json() == {"escalation_minutes": 4, "digest_hour": 7, "compliment_reminder_days": 3}
    refused = client.put(
        f"/api/v1/alerts/people/{world.owner.id}", headers=bearer, json={"quiet_start": "25:00"}
    )
    assert refused.status_code == 422

    settings.alert_max_attempts = 1
    receiver.status = 500
    send_card(client, world.counter_code.token, rating=1, comment="Parked")
    drain(make_worker(app, settings, Clock()))
    parked = client.get("/api/v1/alerts/deliveries", headers=bearer).json()
    webhook_rows = [row for row in parked if row["channel"] == "webhook"]
    assert [(row["status"], row["last_error"]) for row in webhook_rows] == [
        ("parked", f"{receiver.url}: The server answered 500.")
    ]
    receiver.status = 200
    again = client.post(f"/api/v1/alerts/deliveries/{webhook_rows[0]['id']}/retry", headers=bearer)
    assert again.json()["status"] == "pending"
    drain(make_worker(app, settings, Clock()))
    assert receiver.accepted[-1].json()["card"]["comment"] == "Parked"
    row = next(row for row in deliveries(session) if row.channel == "webhook")
    assert row.status == DeliveryStatus.sent
