"""The tests' HTTP client: Starlette's TestClient, with a response read whole in one thread hop.

Starlette's client runs the app in an event loop on another thread and crosses to it eight
times a request (to make its events, start the app, wait, read each piece of the body, close),
so that a test can read a response while it is still being sent. A crossing costs about 0.17 ms
of CPU; the eight are half of an empty route's 2.7 ms. A response the test reads whole (every
`client.get`, `client.post`…) needs one crossing: the app runs to its last byte there, through
httpx's own ASGI transport, and the response comes back complete. `client.stream(...)` keeps
Starlette's way, for the event streams that never end, and so does a body sent piece by piece.
"""

from typing import Any

import httpx2
from fastapi import FastAPI
from starlette.testclient import TestClient as StarletteTestClient

# Marks a request that `client.stream(...)` sends (its body is read as it comes).
STREAMED = "tests.streamed"


class TestClient(StarletteTestClient):
    __test__ = False

    def __init__(
        self,
        app: FastAPI,
        *,
        raise_server_exceptions: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
        root_path: str = "",
        **options: Any,
    ) -> None:
        super().__init__(
            app,
            raise_server_exceptions=raise_server_exceptions,
            client=client,
            root_path=root_path,
            **options,
        )
        whole = httpx2.ASGITransport(
            app=self.app,
            raise_app_exceptions=raise_server_exceptions,
            root_path=root_path,
            client=client,
        )
        self._transport = WholeResponses(streamed=self._transport, whole=whole, client=self)

    def send(self, request: httpx2.Request, *, stream: bool = False, **options: Any) -> Any:
        request.extensions[STREAMED] = stream
        return super().send(request, stream=stream, **options)


class WholeResponses(httpx2.BaseTransport):
    """Starlette's transport for a streamed request or body; one crossing for the rest."""

    def __init__(
        self,
        *,
        streamed: httpx2.BaseTransport,
        whole: httpx2.ASGITransport,
        client: StarletteTestClient,
    ) -> None:
        self.streamed = streamed
        self.whole = whole
        self.client = client

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        # A body sent from a generator, and a websocket, go Starlette's way too.
        sent_whole = isinstance(request.stream, httpx2.AsyncByteStream)
        websocket = request.url.scheme in ("ws", "wss")
        if request.extensions.get(STREAMED, True) or not sent_whole or websocket:
            return self.streamed.handle_request(request)
        with self.client._portal_factory() as portal:
            status, headers, body = portal.call(self._run, request)
        # As Starlette's transport answers: the headers as the app sent them, none added.
        return httpx2.Response(
            status, headers=headers, stream=httpx2.ByteStream(body), request=request
        )

    async def _run(self, request: httpx2.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self.whole.handle_async_request(request)
        body = b"".join([piece async for piece in response.aiter_raw()])  # still compressed
        return response.status_code, response.headers.raw, body

    def close(self) -> None:
        self.streamed.close()
