"""Cards committed in small groups: one commit (one fsync) for every card that arrived meanwhile.

Each request hands its card to the process's one writer thread and waits; the thread takes
whatever is queued (up to `most`), stores the group in one transaction and commits once, then
answers each request, so "stored" still means committed. A card whose key or form an earlier card
took (a replay, a form's second card) is answered None without being stored (see
api.customer.cards.insert_cards). If anything else fails, the whole group is rolled back and each
card is stored again alone, so one bad card never fails the good ones: it gets its own error.

A request that stops waiting (its client went away) does not take its card back: the card is
stored, and the client's retry with the same key gets it. Nothing a group does stops the thread.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from queue import Empty, SimpleQueue
from threading import Lock, Thread

from sqlalchemy import Engine

from api.models import Card

GROUP_MOST = 64
log = logging.getLogger("tellus.cards")

StoreOne = Callable[..., Card | None]
StoreMany = Callable[..., list[Card | None]]


class CardWriter:
    """This process's writer of cards (see the module's docstring)."""

    def __init__(
        self,
        engine: Engine,
        *,
        store_one: StoreOne,
        store_many: StoreMany,
        most: int = GROUP_MOST,
    ) -> None:
        self.engine = engine
        self.store_one = store_one
        self.store_many = store_many
        self.most = most
        self._queue: SimpleQueue[tuple[Card, Future[Card | None]] | None] = SimpleQueue()
        self._thread: Thread | None = None
        self._lock = Lock()

    def insert(self, card: Card) -> Card | None:
        """The card stored with its event and alerts, or None when a unique key refused it;
        returns once its group has committed."""
        return self._queued(card).result()

    async def insert_waiting(self, card: Card) -> Card | None:
        """`insert` for a coroutine: the event loop waits, no thread is held."""
        # Shielded: cancelling the request must not cancel a card the writer may be storing.
        return await asyncio.shield(asyncio.wrap_future(self._queued(card)))

    def _queued(self, card: Card) -> "Future[Card | None]":
        answer: Future[Card | None] = Future()
        self._start()
        self._queue.put((card, answer))
        return answer

    def stop(self) -> None:
        """Finish the queued groups, then end the thread (a new insert starts it again)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()

    def _start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = Thread(target=self._run, name="card-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < self.most:
                try:
                    item = self._queue.get_nowait()
                except Empty:
                    break
                if item is None:
                    self._queue.put(None)  # after this group
                    break
                group.append(item)
            try:
                self.commit_group(group)
            except Exception as error:  # a bug here must not leave every later card waiting
                log.exception("The card writer failed a group")
                for _, answer in group:
                    if not answer.done():
                        answer.set_exception(error)

    def commit_group(self, group: Sequence[tuple[Card, "Future[Card | None]"]]) -> None:
        """Store a group in one transaction, or each card alone if the group fails."""
        # A waiter that cancelled before the writer started is not stored (none can after).
        group = [(card, answer) for card, answer in group if answer.set_running_or_notify_cancel()]
        try:
            stored = self.store_many(engine=self.engine, cards=[card for card, _ in group])
        except Exception:
            # The cards never joined a session, so a failed group leaves them as they came.
            for card, answer in group:
                try:
                    answer.set_result(self.store_one(engine=self.engine, card=card))
                except Exception as error:  # the request that sent this card raises it
                    answer.set_exception(error)
            return
        for (_, answer), result in zip(group, stored, strict=True):
            answer.set_result(result)
