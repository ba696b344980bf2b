"""Reading a Server-Sent Events stream in tests, as a browser's EventSource would."""

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup


@dataclass(frozen=True)
class Message:
    event: str
    id: str | None
    data: str

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.data)  # type: ignore[no-any-return]

    @property
    def comment(self) -> str:
        """The comment a card row shows, as a manager reads it."""
        row = BeautifulSoup(self.payload["html"], "html.parser").select_one(".row-comment")
        assert row is not None, self.data
        return row.get_text(strip=True)


def messages(lines: Iterable[str]) -> Iterator[Message]:
    """Messages from the stream's lines; comments and heartbeats yield `Message("ping", …)`.

    A heartbeat is yielded too, so that a reader waiting for something that never comes can
    check its deadline instead of blocking for ever.
    """
    event, event_id, data = "message", None, []
    for line in lines:
        if line == "":
            if data or event != "message":
                yield Message(event=event, id=event_id, data="\n".join(data))
            event, event_id, data = "message", None, []
        elif line.startswith(":"):
            yield Message(event="ping", id=None, data=line[1:].strip())
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                event = value
            elif field == "id":
                event_id = value
            elif field == "data":
                data.append(value)


def read_until(
    stream: Iterator[Message], done: Callable[[Message], bool], *, seconds: float = 15.0
) -> list[Message]:
    """Messages (heartbeats left out) up to and including the first that is `done`."""
    deadline = time.monotonic() + seconds
    seen: list[Message] = []
    for message in stream:
        if message.event != "ping":
            seen.append(message)
            if done(message):
                return seen
        assert time.monotonic() < deadline, f"not done within {seconds} s; got {seen}"
    raise AssertionError(f"the stream ended first; got {seen}")


def is_event(name: str) -> Callable[[Message], bool]:
    return lambda message: message.event == name


def cards(seen: list[Message]) -> list[str]:
    """The comments of the new cards among these messages, in order."""
    return [message.comment for message in seen if message.event == "card"]


@contextmanager
def open_stream(
    client: Any, url: str = "/inbox/stream", *, last_event_id: str | None = None
) -> Iterator[Iterator[Message]]:
    """An open event stream (a TestClient or an httpx client), closed on leaving the block."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else {}
    with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield messages(response.iter_lines())
