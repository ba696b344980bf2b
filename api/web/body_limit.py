"""Refuse request bodies larger than a route can use, before they are read into memory or disk.

Starlette spools a multipart body to disk before any handler runs, so the limit must sit in front
of it: a declared Content-Length over the limit gets 413 at once, and a chunked body is counted
as it arrives and cut off the moment it passes the limit.
"""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_LIMIT = 256 * 1024
TOO_LARGE = "This request is too large."


class BodySizeLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, default_limit: int = DEFAULT_LIMIT, limits: dict[str, int]
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limits = limits  # exact path → its own larger limit (uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default_limit)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await too_large(scope)(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Becomes the app's own 413 page through its HTTPException handler.
                    raise HTTPException(status_code=413, detail=TOO_LARGE)
            return message

        await self.app(scope, counted_receive, send)


def too_large(scope: Scope) -> Response:
    if scope["path"].startswith("/api/"):
        return JSONResponse({"detail": TOO_LARGE}, status_code=413)
    return PlainTextResponse(TOO_LARGE, status_code=413)
