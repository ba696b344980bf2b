"""Security headers on every response, static files and errors included (pure ASGI: no overhead)."""

import logging
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
log = logging.getLogger("tellus")
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


class SecurityHeadersMiddleware:
    """A fresh CSP nonce per request (read by templates as request.state.csp_nonce) and headers."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = content_security_policy(nonce)
                headers["X-Content-Type-Options"] = "nosniff"
                # A page may ask for less (the follow-up page's token must not leave in a Referer).
                headers.setdefault("Referrer-Policy", "same-origin")
                headers["X-Frame-Options"] = "DENY"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                headers.setdefault("Cache-Control", "no-store")
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            # Logged here, answered with a generic page: no stack trace ever reaches a browser.
            log.exception("Unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            path = scope["path"]
            if path.startswith("/api/"):
                body, media_type = (
                    b'{"detail":"Something went wrong on our side."}',
                    "application/json",
                )
            else:
                body, media_type = SERVER_ERROR_PAGE, "text/html; charset=utf-8"
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", media_type.encode()),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send_with_headers({"type": "http.response.body", "body": body})


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
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
