"""The alert worker: schedules escalations and digests, claims due deliveries and sends them.

`tellus worker` runs it as its own process; `tellus serve` runs one in a thread unless
TELLUS_WORKER_IN_PROCESS=false. Any number may run at once (see api.alerts.outbox).
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from api.alerts.channels.delivery import Channels, Deliverer, DeliveryContext, DeliveryError
from api.alerts.channels.email import deliver_email
from api.alerts.channels.push import deliver_push
from api.alerts.channels.webhook import deliver_webhook
from api.alerts.outbox import (
    claim_due,
    is_no_longer_news,
    mark_dropped,
    mark_failed,
    mark_sent,
)
from api.alerts.schedule import schedule_digests, schedule_escalations
from api.app_settings import load_secret_key
from api.config import Settings
from api.models import AlertChannel, AlertDelivery, DeliveryStatus, utcnow

log = logging.getLogger("tellus.worker")
Clock = Callable[[], datetime]
# Digests are looked for at most this often: one query per person, so not at every poll.
DIGEST_EVERY_SECONDS = 60.0


def default_channels() -> Channels:
    """Every channel Tellus delivers through: what `tellus worker` and `tellus serve` use."""
    return {
        AlertChannel.email: deliver_email,
        AlertChannel.webhook: deliver_webhook,
        AlertChannel.push: deliver_push,
    }


class Worker:
    """One worker's loop, sending through `channels`; `run_once` is a whole pass, so tests can
    drive it with their clock."""

    def __init__(
        self, *, engine: Engine, settings: Settings, channels: Channels, clock: Clock = utcnow
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.channels = channels
        self.clock = clock
        self.secret_key = load_secret_key(engine=engine, settings=settings)
        self._last_digest_check: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, *, limit: int = 10) -> int:
        """Schedule what is due, then send one batch; returns how many deliveries it tried."""
        now = self.clock()
        schedule_escalations(engine=self.engine, now=now)
        if self._last_digest_check is None or (
            (now - self._last_digest_check).total_seconds() >= DIGEST_EVERY_SECONDS
        ):
            schedule_digests(engine=self.engine, now=now)
            self._last_digest_check = now
        claimed = claim_due(engine=self.engine, settings=self.settings, now=now, limit=limit)
        for delivery in claimed:
            self.send(delivery)
        return len(claimed)

    def send(self, delivery: AlertDelivery) -> None:
        if is_no_longer_news(engine=self.engine, delivery=delivery):
            mark_dropped(engine=self.engine, delivery=delivery)
            return
        context = DeliveryContext(
            engine=self.engine, settings=self.settings, secret_key=self.secret_key, now=self.clock()
        )
        try:
            self.deliverer(delivery.channel)(delivery, context)
        except Exception as error:  # noqa: BLE001 (every failure is retried, then parked)
            status = mark_failed(
                engine=self.engine,
                settings=self.settings,
                delivery=delivery,
                error=str(error) or type(error).__name__,
                now=self.clock(),
            )
            level = logging.WARNING if status == DeliveryStatus.parked else logging.INFO
            log.log(level, "delivery %s failed (%s): %s", delivery.id, status, error)
            return
        mark_sent(engine=self.engine, delivery=delivery, now=self.clock())

    def deliverer(self, channel: str) -> Deliverer:
        deliverer = self.channels.get(channel)
        if deliverer is None:
            raise DeliveryError(f"No deliverer for the channel {channel!r} in this process.")
        return deliverer

    def run_forever(self) -> None:
        """Loop until stopped; an empty pass waits worker_poll_seconds."""
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a database hiccup must not end the worker
                log.exception("worker pass failed")
                busy = 0
            if not busy:
                self._stop.wait(self.settings.worker_poll_seconds)

    def start_thread(self) -> None:
        """Run in a daemon thread of this process (the in-process worker of `tellus serve`)."""
        self._thread = threading.Thread(target=self.run_forever, name="tellus-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
