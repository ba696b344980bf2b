"""`tellus worker` killed with SIGKILL mid-delivery, then restarted: every alert still arrives.

At least once, not exactly once: the delivery in flight when the worker died is sent again after
its claim lapses, under the same idempotency key, so the receiver can drop the repeat.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from api.alerts.routing import enqueue_card_alerts
from api.db import create_db_engine
from api.models import AlertDelivery, Card, DeliveryStatus, Webhook, WebhookStyle, utcnow
from api.security import new_secret
from tests.alerts.receiver import Receiver
from tests.browser.conftest import ROOT
from tests.factories import make_world

CARDS = 12


@contextmanager
def worker_process(database_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("TELLUS_")}
    env.update(
        TELLUS_DATABASE_URL=database_url,
        TELLUS_ENVIRONMENT="test",
        TELLUS_BASE_URL="http://tellus.example",
        TELLUS_OUTBOUND_ALLOW="127.0.0.1",  # the receiver
        TELLUS_ALERT_LEASE_SECONDS="2",
        TELLUS_ALERT_RETRY_SECONDS="0.5",
        TELLUS_WORKER_POLL_SECONDS="0.1",
    )
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def store_cards(database_url: str, webhook_url: str) -> None:
    """Cards stored as the card form stores them: each with its alert, in one transaction."""
    engine = create_db_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, name=f"Crash Café {uuid.uuid4().hex[:6]}")
        assert world.organisation.id is not None
        session.add(
            Webhook(
                organisation_id=world.organisation.id,
                name="Slow receiver",
                url=webhook_url,
                style=WebhookStyle.json,
                secret="whsec_test",
                all_cards=True,
            )
        )
        session.commit()
        for number in range(CARDS):
            card = Card(
                organisation_id=world.organisation.id,
                code_id=world.counter_code.id,  # type: ignore[arg-type]
                location_id=world.counter.id,
                rating=5,
                comment=f"Card {number}",
                idempotency_key=new_secret(12),
                request_hash="0" * 64,
            )
            session.add(card)
            session.flush()
            enqueue_card_alerts(session=session, card=card, now=utcnow())
            session.commit()
    engine.dispose()


def statuses(database_url: str) -> list[str]:
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        rows = session.exec(select(AlertDelivery.status).order_by(col(AlertDelivery.id))).all()
    engine.dispose()
    return list(rows)


def wait_until(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_a_worker_killed_mid_delivery_loses_nothing(
    live_database_url: str,
    tmp_path: Path,
) -> None:
    # Slow enough that the kill surely lands while the third request waits for its answer.
    receiver = Receiver(delay=1.0).start()
    try:
        store_cards(live_database_url, receiver.url)
        log = tmp_path / "worker.log"
        with worker_process(live_database_url, log) as first:
            wait_until(lambda: len(receiver.requests) >= 3, 30, "the first deliveries")
            # The third request is still being answered: its sender dies holding it.
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        assert len(receiver.requests) < CARDS, "the worker was killed mid-deliveries"
        receiver.delay = 0.05

        with worker_process(live_database_url, log):
            comments = lambda: {r.json()["card"]["comment"] for r in receiver.requests}  # noqa: E731
            wait_until(lambda: len(comments()) == CARDS, 60, f"all {CARDS} alerts")
            wait_until(
                lambda: statuses(live_database_url) == [DeliveryStatus.sent] * CARDS,
                30,
                "every delivery marked sent",
            )
    finally:
        receiver.stop()

    keys_by_card: dict[str, set[str]] = {}
    for request in receiver.requests:
        keys_by_card.setdefault(request.json()["card"]["comment"], set()).add(
            request.headers["Idempotency-Key"]
        )
    assert sorted(keys_by_card) == sorted(f"Card {n}" for n in range(CARDS))
    assert all(len(keys) == 1 for keys in keys_by_card.values()), keys_by_card
    repeats = len(receiver.requests) - CARDS
    assert repeats >= 1, "the delivery in flight at the kill was sent again"
