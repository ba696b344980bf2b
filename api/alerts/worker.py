"""The alert worker: schedules escalations, digests and weekly summaries, claims due
deliveries and sends them.

`tellus worker` runs it as its own process; `tellus serve` runs one in a thread unless
TELLUS_WORKER_IN_PROCESS=false. Any number may run at once (see api.alerts.outbox).

Each worker sends up to TELLUS_WORKER_CONCURRENCY deliveries at once, each in a thread of its
own, and one organisation holds at most TELLUS_WORKER_ORGANISATION_SLOTS of them: a webhook that
never answers costs its own organisation a slot until it times out, and another organisation's
alert still finds a free one at the next claim. A destination that timed out holds the
organisation's other deliveries to it back (api.alerts.backoff).
"""

import logging
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime

from sqlalchemy import Engine

from api.alerts.backoff import hold_destination, hold_until
from api.alerts.channels.delivery import (
    Channels,
    Deliverer,
    DeliveryContext,
    DeliveryError,
    DestinationTimedOut,
)
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
from api.alerts.weekly import schedule_weekly
from api.app_settings import load_secret_key
from api.config import Settings
from api.lifecycle.retention import run_retention
from api.models import AlertChannel, AlertDelivery, utcnow

log = logging.getLogger("tellus.worker")
Clock = Callable[[], datetime]
# Escalations are looked for at most this often: the query reads the day's cards, which on a
# busy day, at every poll of every worker, took a growing share of the database's CPU (at
# 300,000 cards, 140 ms a look). An escalation is due minutes after its card.
ESCALATIONS_EVERY_SECONDS = 15.0
# Digests are looked for at most this often: one query per person, so not at every poll.
DIGEST_EVERY_SECONDS = 60.0
# The retention job (api.lifecycle.retention) runs at start and then this often.
RETENTION_EVERY_SECONDS = 3600.0


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
        self._last_escalation_check: datetime | None = None
        self._last_digest_check: datetime | None = None
        self._last_retention: datetime | None = None
        self._last_schedule: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, *, limit: int | None = None) -> int:
        """Schedule what is due, then claim one batch (at most `limit`, else a worker's
        concurrency), send it at once and wait for it; returns how many deliveries it tried."""
        self.schedule(self.clock())
        claimed = self.claim(limit=limit or self.settings.worker_concurrency, in_flight={})
        if len(claimed) == 1:
            self.send(claimed[0])
        elif claimed:
            with ThreadPoolExecutor(min(len(claimed), self.settings.worker_concurrency)) as pool:
                list(pool.map(self.send, claimed))
        return len(claimed)

    def schedule(self, now: datetime) -> None:
        """Queue the escalations that are due (looked for at most every 15 seconds), and the
        digests and weekly summaries (at most once a minute); apply the retention policies (at
        most once an hour)."""
        if self._last_escalation_check is None or (
            (now - self._last_escalation_check).total_seconds() >= ESCALATIONS_EVERY_SECONDS
        ):
            schedule_escalations(engine=self.engine, now=now)
            self._last_escalation_check = now
        if self._last_digest_check is None or (
            (now - self._last_digest_check).total_seconds() >= DIGEST_EVERY_SECONDS
        ):
            schedule_digests(engine=self.engine, now=now)
            schedule_weekly(engine=self.engine, now=now)
            self._last_digest_check = now
        if self._last_retention is None or (
            (now - self._last_retention).total_seconds() >= RETENTION_EVERY_SECONDS
        ):
            self._last_retention = now
            run_retention(engine=self.engine, now=now)
        self._last_schedule = now

    def claim(self, *, limit: int, in_flight: dict[int, int]) -> list[AlertDelivery]:
        """Lease due deliveries, fairly: each organisation within what is left of its slots."""
        return claim_due(
            engine=self.engine,
            settings=self.settings,
            now=self.clock(),
            limit=limit,
            per_organisation=self.settings.worker_organisation_slots,
            in_flight=in_flight,
        )

    def send(self, delivery: AlertDelivery) -> None:
        """Deliver one claimed row and record what happened."""
        context = DeliveryContext(
            engine=self.engine, settings=self.settings, secret_key=self.secret_key, now=self.clock()
        )
        try:
            if is_no_longer_news(engine=self.engine, delivery=delivery):
                mark_dropped(engine=self.engine, delivery=delivery)
                return
            self.deliverer(delivery.channel)(delivery, context)
        except Exception as error:  # noqa: BLE001 (every failure is retried, then parked)
            self.record_failure(delivery, error)
            return
        mark_sent(engine=self.engine, delivery=delivery, now=self.clock())

    def record_failure(self, delivery: AlertDelivery, error: Exception) -> None:
        """Back the delivery off (or park it); after a timeout, its destination's others too."""
        now = self.clock()
        retry_at = mark_failed(
            engine=self.engine,
            settings=self.settings,
            delivery=delivery,
            error=str(error) or type(error).__name__,
            now=now,
        )
        level = logging.INFO if retry_at else logging.WARNING
        log.log(level, "delivery %s failed (retry at %s): %s", delivery.id, retry_at, error)
        if isinstance(error, DestinationTimedOut):
            until = hold_until(settings=self.settings, retry_at=retry_at, now=now)
            held = hold_destination(engine=self.engine, delivery=delivery, until=until, now=now)
            log.info("delivery %s timed out: %s others held until %s", delivery.id, held, until)

    def deliverer(self, channel: str) -> Deliverer:
        deliverer = self.channels.get(channel)
        if deliverer is None:
            raise DeliveryError(f"No deliverer for the channel {channel!r} in this process.")
        return deliverer

    def run_forever(self) -> None:
        """Loop until stopped, keeping up to worker_concurrency deliveries in flight; when no
        more can be claimed, wait for one to finish or worker_poll_seconds."""
        concurrency = self.settings.worker_concurrency
        # Each delivery being sent, and its organisation.
        in_flight: dict[Future[None], int] = {}
        with ThreadPoolExecutor(concurrency, thread_name_prefix="tellus-delivery") as pool:
            while not self._stop.is_set():
                self._forget_done(in_flight)
                claimed = self._claim_more(in_flight)
                for delivery in claimed:
                    in_flight[pool.submit(self.send, delivery)] = delivery.organisation_id
                if claimed and len(in_flight) < concurrency:
                    continue  # more may be due
                if not in_flight:
                    self._stop.wait(self.settings.worker_poll_seconds)
                    continue
                poll = self.settings.worker_poll_seconds
                wait(in_flight, timeout=poll, return_when=FIRST_COMPLETED)

    @staticmethod
    def _forget_done(in_flight: dict[Future[None], int]) -> None:
        for future in [future for future in in_flight if future.done()]:
            del in_flight[future]
            if future.exception() is not None:
                log.error("sending failed", exc_info=future.exception())

    def _claim_more(self, in_flight: dict[Future[None], int]) -> list[AlertDelivery]:
        free = self.settings.worker_concurrency - len(in_flight)
        try:
            now = self.clock()
            last = self._last_schedule
            if last is None or (now - last).total_seconds() >= self.settings.worker_poll_seconds:
                self.schedule(now)
            if not free:
                return []
            return self.claim(limit=free, in_flight=Counter(in_flight.values()))
        except Exception:  # a database hiccup must not end the worker
            log.exception("worker pass failed")
            return []

    def start_thread(self) -> None:
        """Run in a daemon thread of this process (the in-process worker of `tellus serve`)."""
        self._thread = threading.Thread(target=self.run_forever, name="tellus-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
