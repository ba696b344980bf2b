"""Cards committed in small groups: one commit (one fsync) for every card that arrived meanwhile.

Each request hands its card to the process's writer and waits; the writer takes whatever is
queued (up to `most`), stores the group in one transaction and commits once, then answers each
request, so "stored" still means committed. A card whose key or form an earlier card took (a
replay, a form's second card) is answered None without being stored (see
api.customer.cards.insert_cards). If anything else fails, the whole group is rolled back and each
card is stored again alone, so one bad card never fails the good ones: it gets its own error.

Where the group is stored is the writer's `store`: here, in the writer's thread (StoreHere), or
in a process of its own (api.customer.card_process).

A coroutine's card waits on its event loop. When the store is a process, the loop itself sends
the group down the pipe and reads the answers as they come, between requests: no thread to wake
and no lock the loop has to win back from one, which cost the server a seventh of its CPU a card
on SQLite (bench/README.md). Otherwise, and for a thread's card, the writer's thread stores the
group and answers all of a loop's waiters in one call (one wake-up of the loop, not one a card).

A request that stops waiting (its client went away) does not take its card back: the card is
stored, and the client's retry with the same key gets it. Nothing a group does stops the writer.
"""

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import aclosing
from queue import Empty, SimpleQueue
from threading import Condition, Lock, Thread
from typing import Protocol, runtime_checkable

from sqlalchemy import Engine

from api.models import Card

GROUP_MOST = 64
# How long stopping waits for each loop's waiting cards (a loop that stopped leaves none).
STOP_SECONDS = 30.0
log = logging.getLogger("tellus.cards")

StoreOne = Callable[..., Card | None]
StoreMany = Callable[..., list[Card | None]]
# A thread waits on a concurrent future, a coroutine on an asyncio future of its loop.
Answer = Future[Card | None] | asyncio.Future[Card | None]
# What a group gives each card: the stored card (None if refused), or the error it raised.
Outcome = tuple[Card | None, BaseException | None]


class StoreUnavailable(Exception):
    """A store could not take a group at all (its process stopped). It has logged why; each of
    the group's cards gets this error."""


class GroupStore(Protocol):
    """Where a writer stores its groups."""

    def store(self, cards: list[Card]) -> Iterator[list[Outcome]]:
        """Store the cards in one transaction, or each alone if that fails, and yield their
        outcomes in order: all at once, or each as soon as it is stored alone."""
        ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


@runtime_checkable
class LoopStore(GroupStore, Protocol):
    """A store an event loop can hand its groups to without a thread."""

    def store_on_loop(self, cards: list[Card]) -> AsyncGenerator[list[Outcome], None]:
        """`store`, awaited on the running loop."""
        ...


class StoreHere:
    """Groups stored by the writer thread itself, on this process's engine."""

    def __init__(self, engine: Engine, *, store_one: StoreOne, store_many: StoreMany) -> None:
        self.engine = engine
        self.store_one = store_one
        self.store_many = store_many

    def store(self, cards: list[Card]) -> Iterator[list[Outcome]]:
        try:
            stored = self.store_many(engine=self.engine, cards=cards)
        except Exception:
            # The cards never joined a session, so a failed group leaves them as they came.
            # Each is answered once stored, not after the whole group.
            for card in cards:
                yield [self._store_alone(card)]
            return
        yield [(card, None) for card in stored]

    def _store_alone(self, card: Card) -> Outcome:
        try:
            return self.store_one(engine=self.engine, card=card), None
        except Exception as error:  # the request that sent this card raises it
            return None, error

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class CardWriter:
    """This process's writer of cards (see the module's docstring)."""

    def __init__(self, store: GroupStore, *, most: int = GROUP_MOST) -> None:
        self.store = store
        self.most = most
        self._queue: SimpleQueue[tuple[Card, Answer] | None] = SimpleQueue()
        self._thread: Thread | None = None
        self._lock = Lock()
        # Each loop's cards waiting for the group after the one it is storing, and the task that
        # stores them while there are any (api.customer.card_process); notified when one ends.
        self._waiting: dict[asyncio.AbstractEventLoop, list[tuple[Card, Answer]]] = {}
        self._senders: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}
        self._senders_ended = Condition()
        self._on_loop = store if isinstance(store, LoopStore) else None

    def insert(self, card: Card) -> Card | None:
        """The card stored with its event and alerts, or None when a unique key refused it;
        returns once its group has committed."""
        answer: Future[Card | None] = Future()
        self._put(card, answer)
        return answer.result()

    async def insert_waiting(self, card: Card) -> Card | None:
        """`insert` for a coroutine: the event loop waits, no thread is held. A request cancelled
        meanwhile stops waiting, and its card is stored all the same."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Card | None] = loop.create_future()
        if self._on_loop is not None:
            self._waiting.setdefault(loop, []).append((card, answer))
            if loop not in self._senders:
                self._senders[loop] = loop.create_task(self._send_from(loop, self._on_loop))
        else:
            self._put(card, answer)
        return await answer

    async def _send_from(self, loop: asyncio.AbstractEventLoop, store: LoopStore) -> None:
        """Store a loop's waiting cards, a group at a time, until none wait. What arrives while
        a group is stored waits for the next: the same groups as the thread's."""
        waiting = self._waiting[loop]
        try:
            while waiting:
                group, waiting[:] = waiting[: self.most], waiting[self.most :]
                answers = [answer for _, answer in group]
                try:
                    # Closed at once however the loop ends: it holds the pipe until then.
                    cards = [card for card, _ in group]
                    async with aclosing(store.store_on_loop(cards)) as stored:
                        async for outcomes in stored:
                            _settle_all(list(zip(answers[: len(outcomes)], outcomes, strict=True)))
                            answers = answers[len(outcomes) :]
                except StoreUnavailable as error:
                    _settle_all([(answer, (None, error)) for answer in answers])
                except Exception as error:  # a bug here must not leave every later card waiting
                    log.exception("The card writer failed a group")
                    _settle_all([(answer, (None, error)) for answer in answers])
        finally:
            # Nothing ran on this loop since `waiting` was found empty: no card is left behind,
            # unless the loop itself ended meanwhile.
            if waiting:
                log.error("%d cards were not stored: their event loop ended", len(waiting))
            with self._senders_ended:
                del self._senders[loop], self._waiting[loop]
                self._senders_ended.notify_all()

    def _put(self, card: Card, answer: Answer) -> None:
        self._start()
        self._queue.put((card, answer))

    def start(self) -> None:
        """Start the thread and the store (at the app's start: the first card need not wait for
        them); a card sent before starts them too."""
        self._start()

    def stop(self) -> None:
        """Finish the queued groups, then end the thread and the store (a new insert starts them
        again). A loop's waiting cards are stored by that loop, which must go on running: call
        this from another thread (as the app's lifespan does)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running in self._senders:
            raise RuntimeError("The card writer stops from a thread of its own, not its loop's.")
        with self._senders_ended:
            if not self._senders_ended.wait_for(lambda: not self._senders, STOP_SECONDS):
                log.warning("The card writer stopped with a loop's cards still waiting")
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()
        with self._lock:
            if self._thread is None:  # no card started a new thread meanwhile
                self.store.stop()

    def _start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self.store.start()
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
            except StoreUnavailable as error:
                _fail(group, error)
            except Exception as error:  # a bug here must not leave every later card waiting
                log.exception("The card writer failed a group")
                _fail(group, error)

    def commit_group(self, group: Sequence[tuple[Card, Answer]]) -> None:
        """Store a group in one transaction, or each card alone if the group fails."""
        # A thread that cancelled its wait before the writer started is not stored (none can
        # after); a coroutine's card always is (see insert_waiting).
        group = [(card, answer) for card, answer in group if _still_wanted(answer)]
        if not group:
            return
        answers = [answer for _, answer in group]
        for outcomes in self.store.store([card for card, _ in group]):
            _answer(answers[: len(outcomes)], outcomes)
            answers = answers[len(outcomes) :]


def _fail(group: Sequence[tuple[Card, Answer]], error: BaseException) -> None:
    """The error for each card of the group still waiting for its answer."""
    waiting = [answer for _, answer in group if not answer.done()]
    _answer(waiting, [(None, error)] * len(waiting))


def _still_wanted(answer: Answer) -> bool:
    return isinstance(answer, asyncio.Future) or answer.set_running_or_notify_cancel()


def _answer(answers: Sequence[Answer], outcomes: Sequence[Outcome]) -> None:
    """Give each waiter its outcome: a thread's at once, a loop's in one call on that loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Card | None], Outcome]]] = {}
    for answer, outcome in zip(answers, outcomes, strict=True):
        if isinstance(answer, asyncio.Future):
            by_loop.setdefault(answer.get_loop(), []).append((answer, outcome))
        else:
            _settle(answer, outcome)
    for loop, waiting in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_all, waiting)
        except RuntimeError:  # the loop is closed: nobody waits on it any more
            pass


def _settle_all(waiting: Sequence[tuple[Answer, Outcome]]) -> None:
    for answer, outcome in waiting:
        if not answer.done():  # a request cancelled meanwhile no longer waits
            _settle(answer, outcome)


def _settle(answer: Answer, outcome: Outcome) -> None:
    result, error = outcome
    if error is None:
        answer.set_result(result)
    else:
        answer.set_exception(error)
