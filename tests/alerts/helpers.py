"""Helpers for the alert tests: a clock the test moves, a worker on it, a customer's card."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.config import Settings
from api.models import AlertDelivery, utcnow
from api.services.worker import Worker
from tests.factories import reread


@dataclass
class Clock:
    """Frozen time that only the test moves: no sleeps."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_worker(app: FastAPI, settings: Settings, clock: Clock) -> Worker:
    return Worker(engine=app.state.engine, settings=settings, clock=clock)


def send_card(client: TestClient, token: str, *, rating: int, comment: str) -> None:
    """A customer's card through the card page's form."""
    page = BeautifulSoup(client.get(f"/c/{token}").text, "html.parser")
    fields = {str(f["name"]): str(f["value"]) for f in page.select("input[type=hidden]")}
    response = client.post(f"/c/{token}", data=fields | {"rating": str(rating), "comment": comment})
    assert response.status_code == 200, response.text


def deliveries(session: Session) -> list[AlertDelivery]:
    reread(session)
    return list(session.exec(select(AlertDelivery).order_by(col(AlertDelivery.id))).all())


def drain(worker: Worker, passes: int = 5) -> None:
    for _ in range(passes):
        if not worker.run_once():
            return
