"""Cards stored by a process of their own, so that storing them runs on a core of its own.

One `tellus serve` on SQLite answers every request from one process, whose threads take turns
(Python's GIL): storing a group of cards cost the request handlers a third of their time. Here the
server's event loop (or, for a thread's card, the writer's thread: api.customer.card_writer) sends
each group down a pipe, as the cards' values, and waits for the answers without holding the GIL;
the child stores the group exactly as the thread would (StoreHere, api.customer.cards), then
answers each card's id or error. A request is still answered only after its card's commit.

The child starts with the server, which waits until it has opened the database. If it dies, its
group's requests get a 503: their cards may or may not have been stored, and the same key sent
again replays a stored card. (On PostgreSQL a group's writes travel with its COMMIT: once sent, the
server stores them even if the child dies while they wait for a lock.) The next group starts a new
child. The server stops the child once the cards in flight are stored (or kills it after waiting
STOP_SECONDS, its group answered a 503); if the server is killed, the child ends by itself when the
server's end of the pipe closes.
"""

import asyncio
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncGenerator, Iterator
from multiprocessing.connection import Connection
from threading import Lock
from typing import Any

from sqlalchemy import text

from api.customer.card_writer import Outcome, StoreHere, StoreUnavailable
from api.models import Card
from api.models.card import new_card_row
from api.models.rows import row_values

log = logging.getLogger("tellus.cards")
STOP_SECONDS = 10.0
# How long a new child may take to import its code and open the database.
READY_SECONDS = 60.0
READY = "ready"
EXCHANGE_POLL_SECONDS = 0.001
# How PostgreSQL's pg_stat_activity names the process's connections.
APPLICATION_NAME = "tellus card writer"

# What the child answers for a card: its id (None: a unique key refused it), or its error.
Answered = tuple[int | None, BaseException | None]


class WriterUnavailable(StoreUnavailable):
    """The process that stores cards did not start, or stopped while storing them: a 503, as
    when the database can't be reached (api.main), and the card is sent again."""


class StoreInProcess:
    """Groups stored by a child process on the same database (see the module's docstring)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._process: subprocess.Popen[bytes] | None = None
        self._pipe: Connection | None = None
        self._lock = Lock()
        self._exchange = Lock()

    def start(self) -> None:
        """Start the child, unless it runs, and wait until it has opened the database: a child
        that can't start fails the server's start, not every card after it."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return
            self._close()
            # A new interpreter, not a fork of the server, which would copy its threads' locks,
            # its event loop and its listening socket; and not multiprocessing's, which a server
            # run as a daemonic process (as the tests run theirs) may not start.
            ours, theirs = socket.socketpair()
            with theirs:
                process = subprocess.Popen(
                    # -P: the code this server runs, not an `api` folder where it was started.
                    [sys.executable, "-P", "-m", "api.customer.card_process", str(theirs.fileno())],
                    pass_fds=[theirs.fileno()],
                    stdin=subprocess.DEVNULL,
                    env={**os.environ, "PYTHONPATH": _import_path()},
                    # Out of the terminal's process group: Ctrl+C, or a service manager's
                    # SIGTERM to the whole group, stops the server, which then stops the child
                    # once the cards in flight are stored.
                    start_new_session=True,
                )
            pipe = Connection(ours.detach())
            self._process, self._pipe = process, pipe
            try:
                # The address goes down the pipe, not on the command line, where `ps` shows it.
                pipe.send(self.database_url)
                ready = pipe.poll(READY_SECONDS) and pipe.recv() == READY
            except (EOFError, OSError):
                ready = False
            if not ready:
                self._close()
                raise WriterUnavailable("The card writer's process did not start (see its error).")

    def store(self, cards: list[Card]) -> Iterator[list[Outcome]]:
        # One group at a time on the pipe: answers must reach the cards they are for.
        with self._exchange:
            try:
                self.start()
                assert self._pipe is not None
                self._pipe.send([card_values(card) for card in cards])
                left = list(cards)
                while left:
                    answered: list[Answered] = self._pipe.recv()
                    done, left = left[: len(answered)], left[len(answered) :]
                    yield [
                        _outcome(card, *answer) for card, answer in zip(done, answered, strict=True)
                    ]
            except (EOFError, OSError, subprocess.SubprocessError) as error:
                log.error("The card writer's process stopped: %s", error)
                self._restart_later()
                raise WriterUnavailable("The card writer's process stopped.") from error
            except BaseException:
                # Answers left unread would be taken for the next group's: start afresh.
                self._restart_later()
                raise

    async def store_on_loop(self, cards: list[Card]) -> AsyncGenerator[list[Outcome], None]:
        """`store` for an event loop: the group goes down the pipe (the child, waiting for it,
        reads it as it comes), and the loop reads each answer once it starts to arrive."""
        # A group of another loop, or a thread's, may be in flight: rare, and short.
        while not self._exchange.acquire(blocking=False):
            await asyncio.sleep(EXCHANGE_POLL_SECONDS)
        try:
            if self._pipe is None or self._process is None or self._process.poll() is not None:
                await asyncio.to_thread(self.start)
            pipe = self._pipe
            assert pipe is not None
            pipe.send([card_values(card) for card in cards])
            left = list(cards)
            while left:
                await _readable(pipe)
                answered: list[Answered] = pipe.recv()
                done, left = left[: len(answered)], left[len(answered) :]
                yield [_outcome(card, *answer) for card, answer in zip(done, answered, strict=True)]
        except (EOFError, OSError, subprocess.SubprocessError) as error:
            log.error("The card writer's process stopped: %s", error)
            self._restart_later()
            raise WriterUnavailable("The card writer's process stopped.") from error
        except BaseException:
            self._restart_later()  # answers left unread would be taken for the next group's
            raise
        finally:
            self._exchange.release()

    def _restart_later(self) -> None:
        with self._lock:
            self._close()

    def stop(self) -> None:
        """Let the child finish its group and end (or end it, past STOP_SECONDS)."""
        if not self._exchange.acquire(timeout=STOP_SECONDS):
            # A group still waits for its answers: ending the child answers it (an EOF).
            with self._lock:
                if self._process is not None:
                    self._process.kill()
            self._exchange.acquire()
        try:
            with self._lock:
                self._close()
        finally:
            self._exchange.release()

    def _close(self) -> None:
        process, pipe = self._process, self._pipe
        self._process = self._pipe = None
        if pipe is not None:
            try:
                pipe.send(None)
            except OSError:
                pass  # the child is gone already
            pipe.close()
        if process is not None:
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    @property
    def pid(self) -> int | None:
        """The child's process id, while it runs."""
        return self._process.pid if self._process is not None else None


async def _readable(pipe: Connection) -> None:
    """Until the child has written to the pipe (or closed it)."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    descriptor = pipe.fileno()
    loop.add_reader(descriptor, wake)
    try:
        await ready
    finally:
        loop.remove_reader(descriptor)
        # uvloop leaves a descriptor it watched non-blocking; the pipe's reads and writes block.
        os.set_blocking(descriptor, True)


def card_values(card: Card) -> dict[str, Any]:
    """What the child needs to make the same card: its fields, as they are."""
    return row_values(card, with_id=True)


def _outcome(card: Card, card_id: int | None, error: BaseException | None) -> Outcome:
    if card_id is None:
        return None, error
    card.id = card_id
    return card, None


def serve_cards(pipe: Connection) -> None:
    """The child: store each group that arrives, until told to stop or the server is gone."""
    # The server stops this process, after the cards in flight (see StoreInProcess.start).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from api.customer.cards import insert_card, insert_cards
    from api.db import create_db_engine

    # No ping before each group, which would add a round trip to its two (api.customer.cards):
    # a group that a dropped connection fails is stored again card by card (StoreHere), on new
    # connections.
    engine = create_db_engine(pipe.recv(), ping=False, name=APPLICATION_NAME)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    pipe.send(READY)
    here = StoreHere(engine, store_one=insert_card, store_many=insert_cards)
    try:
        while True:
            try:
                values = pipe.recv()
            except EOFError:
                return
            if values is None:
                return
            for answered in _store_group(here, values):
                pipe.send(answered)
    finally:
        engine.dispose()


def _store_group(here: StoreHere, values: list[dict[str, Any]]) -> Iterator[list[Answered]]:
    """Each card's answer, in batches as StoreHere yields them; a group the child can't even
    read (a server of another version) answers each card its error, and the child goes on."""
    try:
        cards = [new_card_row(**card) for card in values]
    except Exception as error:
        yield [answer_for(None, error)] * len(values)
        return
    for outcomes in here.store(cards):
        yield [answer_for(card, error) for card, error in outcomes]


def _import_path() -> str:
    """This interpreter's import path, for the child (a checkout run in place, as in bench/)."""
    return os.pathsep.join(entry or os.getcwd() for entry in sys.path)


def answer_for(card: Card | None, error: BaseException | None) -> Answered:
    if error is None:
        return (card.id if card is not None else None), None
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        # What the server can't rebuild, it gets as a plain error of the same words.
        error = RuntimeError(f"{type(error).__name__}: {error}")
    return None, error


if __name__ == "__main__":
    serve_cards(Connection(int(sys.argv[1])))
