"""Security headers on every response, static files and errors included (pure ASGI: no overhead)."""

import logging
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
log = logging.getLogger("tellus")
ERROR_JSON = b'{"detail":"Something went wrong on our side."}'
SERVER_ERROR_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Something went wrong</title>"
    b"<h1>Something went wrong on our side</h1><p>Please try again in a moment.</p></html>"
)


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'nonce-{nonce}' 'strict-dynamic'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'none'",
            "connect-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


# The policy around its nonce, split once: a response joins the pieces with its own nonce.
NONCE_MARK = "NONCE"
CSP_PIECES = content_security_policy(NONCE_MARK).encode().split(NONCE_MARK.encode())
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# What a response gets unless it says otherwise (the follow-up page's token must not leave in
# a Referer; a static file may be cached).
DEFAULT_HEADERS = [(b"referrer-policy", b"same-origin"), (b"cache-control", b"no-store")]
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeadersMiddleware:
    """A fresh CSP nonce per request (read by templates as request.state.csp_nonce) and headers.

    The headers are added as the raw byte pairs ASGI sends, made once: this runs on every
    request, the customer's card among them (bench/README.md)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.always = [*SECURITY_HEADERS, *([HSTS] if hsts else [])]
        # A response's own value of these gives way to the middleware's.
        self.replaced = {b"content-security-policy", *(name for name, _ in self.always)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = self.headers(message.get("headers", []), nonce)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Logged here, answered with a generic page: no stack trace ever reaches a browser.
            log.exception("Unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            for message in server_error(scope["path"]):
                await send_with_headers(message)

    def headers(
        self, given: Iterable[tuple[bytes, bytes]], nonce: str
    ) -> list[tuple[bytes, bytes]]:
        """A response's headers with the security headers set, its own kept where it may say."""
        given = list(given)  # any iterable, in ASGI
        names = {name.lower() for name, _ in given}
        csp = nonce.encode().join(CSP_PIECES)
        return [
            *(header for header in given if header[0].lower() not in self.replaced),
            (b"content-security-policy", csp),
            *self.always,
            *(header for header in DEFAULT_HEADERS if header[0] not in names),
        ]


def server_error(path: str) -> tuple[Message, Message]:
    """The generic 500 answer: JSON under /api/, a page elsewhere."""
    if path.startswith("/api/"):
        body, media_type = ERROR_JSON, b"application/json"
    else:
        body, media_type = SERVER_ERROR_PAGE, b"text/html; charset=utf-8"
    length = str(len(body)).encode()
    headers = [(b"content-type", media_type), (b"content-length", length)]
    return (
        {"type": "http.response.start", "status": 500, "headers": headers},
        {"type": "http.response.body", "body": body},
    )


class OriginCheckMiddleware:
    """Refuse a state-changing browser request from another site (its Origin header says so)."""

    def __init__(self, app: ASGIApp, *, allowed_origin: str) -> None:
        self.app = app
        self.allowed_origin = allowed_origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            origin = Headers(scope=scope).get("origin")
            # An unsubscribe link is its own credential (no cookie is read), and RFC 8058 has
            # mail providers POST it from their own sites.
            exempt = scope["path"].startswith("/unsubscribe/")
            if origin is not None and not exempt and not self._allowed(origin, scope):
                response = PlainTextResponse("Cross-site request refused.", status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _allowed(self, origin: str, scope: Scope) -> bool:
        if origin.lower() == self.allowed_origin:
            return True
        # The app's own address as the client reached it (tests, a second hostname behind a proxy).
        host = Headers(scope=scope).get("host", "")
        return bool(host) and urlsplit(origin.lower()).netloc == host.lower() and origin != "null"


# What a customer's phone loads: the card pages (and their manifests), static files, service
# worker, and the kudos walls (public pages that hold no secret).
CUSTOMER_PATHS = ("/c/", "/C/", "/static/", "/sw.js", "/kudos/")


class CustomerCompressionMiddleware:
    """Gzip what customers load, so the card page fits the first TCP round trip; nothing else.

    Manager pages are left uncompressed on purpose (BREACH): they carry a CSRF token beside input
    the request reflects, and compressed sizes would leak the token. The card pages hold no such
    secret (their form token is cookie-less and anyone can get a fresh one), and the one way to
    reflect input into them, a POST, is refused from other sites by the origin check.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # zlib's default level: on a card page its output is as small as level 9's.
        self.gzip = GZipMiddleware(app, minimum_size=500, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CUSTOMER_PATHS):
            await self.gzip(scope, receive, varied(send))
        else:
            await self.app(scope, receive, send)


def varied(send: Send) -> Send:
    """A 304 names what its full answer varies by (RFC 9110): the gzip middleware adds
    `Vary: Accept-Encoding` to the bodies it may compress, not to a 304, which has none."""

    async def send_varied(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 304:
            headers = MutableHeaders(scope=message)
            headers.add_vary_header("Accept-Encoding")
        await send(message)

    return send_varied
