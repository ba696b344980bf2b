"""Helpers for the alert tests: a clock the test moves and a worker on it."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlmodel import Session, col, select

from api.alerts.worker import Worker, default_channels
from api.config import Settings
from api.models import AlertDelivery, utcnow
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
    return Worker(
        engine=app.state.runtime.engine,
        settings=settings,
        channels=default_channels(),
        clock=clock,
    )


def deliveries(session: Session) -> list[AlertDelivery]:
    reread(session)
    return list(session.exec(select(AlertDelivery).order_by(col(AlertDelivery.id))).all())


def drain(worker: Worker, passes: int = 5) -> None:
    for _ in range(passes):
        if not worker.run_once():
            return
