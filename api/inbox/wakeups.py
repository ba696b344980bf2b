"""Waking this process's open inbox streams when another transaction may have written events.

A wake-up is only a hint: a woken stream reads the event table from the last id it sent, and a
stream that is never woken still reads it every SAFETY_SECONDS. So a lost notification costs
latency, never a card. One waker per process: on PostgreSQL it LISTENs on a connection of its
own (NOTIFY fires when the writing transaction commits, in whichever process wrote it); on SQLite
it polls the newest event id every POLL_SECONDS while any stream waits, which is one indexed
query per process, not per stream.
"""

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import psycopg
from sqlalchemy import Engine

from api.inbox.events import NOTIFY_CHANNEL, newest_event_id, organisations_with_events_after

log = logging.getLogger("tellus.live")
POLL_SECONDS = 0.1
# How often a stream reads the table even without a wake-up, and how long a listener that lost
# its connection waits before it tries again.
SAFETY_SECONDS = 10.0
RETRY_SECONDS = 1.0


class Wakeups:
    """Per-process wake-ups for the streams of each organisation, on one event loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._waiting: dict[int, asyncio.Event] = {}
        self._watching = False
        self._streams = 0

    async def start(self) -> None:
        """Start listening (PostgreSQL) or polling (SQLite) on the running loop."""
        self._loop = asyncio.get_running_loop()
        postgres = self.engine.dialect.name == "postgresql"
        waker = self._listen() if postgres else self._poll()
        self._task = asyncio.create_task(waker, name="tellus-wakeups")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task, self._loop, self._watching = None, None, False

    @contextlib.contextmanager
    def stream(self) -> Iterator[None]:
        """Around a stream's life: the SQLite poll runs only while some stream is open."""
        self._streams += 1
        try:
            yield
        finally:
            self._streams -= 1

    def ticket(self, organisation_id: int) -> asyncio.Event | None:
        """Take before reading the table: a wake-up after this moment ends the next wait.

        None when this loop has no waker running (a test client without its lifespan, or a
        listener that lost its database): the wait then falls back to a short sleep.
        """
        if not self._watching or self._loop is not asyncio.get_running_loop():
            return None
        return self._waiting.setdefault(organisation_id, asyncio.Event())

    async def wait(self, ticket: asyncio.Event | None, timeout: float = SAFETY_SECONDS) -> None:
        """Until the ticket's organisation is woken, or the timeout passes."""
        if ticket is None:
            await asyncio.sleep(min(timeout, RETRY_SECONDS))
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ticket.wait(), timeout)

    def wake(self, organisation_id: int) -> None:
        event = self._waiting.pop(organisation_id, None)
        if event is not None:
            event.set()

    def wake_all(self) -> None:
        waiting, self._waiting = self._waiting, {}
        for event in waiting.values():
            event.set()

    async def _listen(self) -> None:
        url = self.engine.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._watching = True
                    # Whatever was written while nobody listened: every stream reads again.
                    self.wake_all()
                    async for notification in connection.notifies():
                        self._wake_payload(notification.payload)
            except psycopg.Error as error:
                log.warning("Live inbox listener lost its connection (%s); retrying", error)
            finally:
                self._watching = False
                self.wake_all()
            await asyncio.sleep(RETRY_SECONDS)

    def _wake_payload(self, payload: str) -> None:
        if payload.isdigit():
            self.wake(int(payload))
        else:
            self.wake_all()

    async def _poll(self) -> None:
        last_id: int | None = None
        while True:
            try:
                await asyncio.sleep(POLL_SECONDS)
                if not self._streams:
                    # No stream open: no query. Start again from the newest id when one opens.
                    last_id = None
                    self._watching = True
                    continue
                if last_id is None:
                    last_id = await asyncio.to_thread(newest_event_id, engine=self.engine)
                    # What arrived while idle was not watched for: every stream reads again.
                    self.wake_all()
                    continue
                last_id, organisations = await asyncio.to_thread(
                    organisations_with_events_after, engine=self.engine, after_id=last_id
                )
                for organisation_id in organisations:
                    self.wake(organisation_id)
            except Exception:  # noqa: BLE001  (a locked or missing file: try again, keep serving)
                log.exception("Live inbox poll failed; retrying")
                self._watching = False
                self.wake_all()
                last_id = None
                await asyncio.sleep(RETRY_SECONDS)
