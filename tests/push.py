"""A local push service for tests (a threaded http.server on a free port) and a browser's keys.

The receiver stands where a browser vendor's push service would: the subscription's endpoint
points at it, it keeps every POST and answers with the statuses it is told to. `BrowserKeys` is
the browser's side of RFC 8291: its P-256 key pair and auth secret decrypt what was sent.
"""

import base64
import json
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PushRequest:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


class PushReceiver:
    """A push service on 127.0.0.1: `.requests` holds what it got, `.answers` what it says next."""

    def __init__(self) -> None:
        self.requests: list[PushRequest] = []
        # Statuses for the next POSTs, in order; then 201 Created, as a push service answers.
        self.answers: deque[int] = deque()
        # Set, every POST is answered 307 Temporary Redirect to this URL.
        self.redirect_to: str | None = None
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._arrived:
                    receiver.requests.append(PushRequest(self.path, headers, body))
                    status = receiver.answers.popleft() if receiver.answers else 201
                    receiver._arrived.notify_all()
                if receiver.redirect_to:
                    status = 307
                self.send_response(status)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def endpoint(self, device: str) -> str:
        return f"{self.origin}/push/{device}"

    def start(self) -> "PushReceiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[PushRequest]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {count} push messages, got {len(self.requests)}"
                self._arrived.wait(left)
            return list(self.requests)


class BrowserKeys:
    """What a browser makes for a subscription: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription(self, endpoint: str) -> dict[str, Any]:
        """PushSubscription.toJSON(), as the page POSTs it."""
        return {
            "endpoint": endpoint,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, request: PushRequest) -> dict[str, Any]:
        """The JSON payload of a push message, decrypted as the browser does (RFC 8291)."""
        assert request.headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(
            request.body,
            private_key=self.private_key,
            auth_secret=self.auth_secret,
            version="aes128gcm",
        )
        payload: dict[str, Any] = json.loads(plain)
        return payload


def verified_vapid(authorization: str) -> tuple[str, dict[str, Any]]:
    """The public key and claims of a `vapid t=<jwt>, k=<key>` header whose ES256 JWT was
    signed by that key (RFC 8292); an AssertionError or InvalidSignature otherwise."""
    scheme, _, parameters = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization
    parts = dict(part.strip().split("=", 1) for part in parameters.split(","))
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    assert json.loads(b64url_decode(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b64url_decode(parts["k"])
    )
    signature = b64url_decode(signature_b64)
    assert len(signature) == 64, "ES256 signs as r || s, 32 bytes each"
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims: dict[str, Any] = json.loads(b64url_decode(claims_b64))
    return parts["k"], claims
