"""Cards committed in small groups: one commit (one fsync) for every card that arrived meanwhile.

Each request hands its card to the process's one writer thread and waits; the thread takes
whatever is queued (up to `most`), stores each card in a savepoint of one transaction and commits
once, then answers each request, so "stored" still means committed. A card that a unique key
refuses (a replay, a form's second card) rolls back only its own savepoint. If anything else
fails, the whole group is rolled back and each card is stored again alone, so one bad card never
fails the good ones: it gets its own error.
"""

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from queue import Empty, SimpleQueue
from threading import Lock, Thread

from sqlalchemy import Engine

from api.models import Card

GROUP_MOST = 64

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
        return await asyncio.wrap_future(self._queued(card))

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
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
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
            self.commit_group(group)

    def commit_group(self, group: Sequence[tuple[Card, "Future[Card | None]"]]) -> None:
        """Store a group in one transaction, or each card alone if the group fails."""
        # The cards as they were: a rolled-back transaction leaves its objects unusable.
        originals = [{name: getattr(card, name) for name in Card.model_fields} for card, _ in group]
        try:
            stored = self.store_many(engine=self.engine, cards=[card for card, _ in group])
        except Exception:
            for fields, (_, answer) in zip(originals, group, strict=True):
                try:
                    answer.set_result(self.store_one(engine=self.engine, card=Card(**fields)))
                except Exception as error:  # the request that sent this card raises it
                    answer.set_exception(error)
            return
        for (_, answer), result in zip(group, stored, strict=True):
            answer.set_result(result)
