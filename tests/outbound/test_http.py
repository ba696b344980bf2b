"""One POST through the outbound guard: to the address that was checked, with the name kept for
the Host header and TLS, no redirect followed, short timeouts, errors in general terms."""

import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.outbound import http
from api.outbound.destinations import (
    COULD_NOT_CONNECT,
    NOT_AN_ADDRESS,
    NOT_FOUND,
    PRIVATE_NETWORK,
    TIMED_OUT,
    OutboundError,
    parse_allowed_hosts,
)
from tests.alerts.receiver import Receiver
from tests.push import PushReceiver
from tests.sockets import Listener, bound_socket, port_of

HOOKS = "hooks.example.com"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def refusal(url: str, allowed: str = "") -> str:
    with pytest.raises(OutboundError) as refused:
        http.post(url, content=b"{}", headers={}, allowed=parse_allowed_hosts(allowed))
    return refused.value.template


def test_the_post_goes_to_the_checked_address_and_keeps_the_name(
    names: dict[str, list[str]], receiver: Receiver
) -> None:
    # The name is nowhere in DNS: the request arrives only if the checked address is used.
    names[HOOKS] = ["127.0.0.1"]
    assert receiver.server is not None
    port = receiver.server.server_address[1]

    status = http.post(
        f"http://{HOOKS}:{port}/hook",
        content=b'{"ok": true}',
        headers={"Content-Type": "application/json"},
        allowed=parse_allowed_hosts(HOOKS),
    )

    assert status == 200
    (request,) = receiver.wait_for(1)
    assert request.headers["Host"] == f"{HOOKS}:{port}"
    assert (request.path, request.body) == ("/hook", b'{"ok": true}')


def test_a_name_that_leads_to_this_machine_is_never_connected_to(
    names: dict[str, list[str]], listener: Listener
) -> None:
    names[HOOKS] = ["93.184.215.14", "127.0.0.1"]
    assert refusal(f"http://{HOOKS}:{listener.port}/hook") == PRIVATE_NETWORK
    assert refusal(f"http://127.1:{listener.port}/hook") == PRIVATE_NETWORK
    assert refusal(f"http://[::ffff:127.0.0.1]:{listener.port}/") == PRIVATE_NETWORK
    assert refusal(f"http://0177.0.0.1:{listener.port}/hook") == NOT_AN_ADDRESS
    assert refusal("http://hooks.tellus.invalid/hook") == NOT_FOUND
    assert not listener.reached()


def test_a_redirect_is_an_answer_not_followed(listener: Listener) -> None:
    service = PushReceiver().start()
    service.redirect_to = f"http://127.0.0.1:{listener.port}/elsewhere"
    try:
        status = http.post(
            service.endpoint("phone"),
            content=b"x",
            headers={},
            allowed=parse_allowed_hosts("127.0.0.1"),
        )
    finally:
        service.stop()
    assert status == 307
    assert len(service.requests) == 1
    assert not listener.reached()


def test_a_silent_server_times_out_soon(
    listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "ANSWER_SECONDS", 0.2)
    url = f"http://127.0.0.1:{listener.port}/hook"
    assert refusal(url, allowed=f"127.0.0.1:{listener.port}") == TIMED_OUT


def self_signed(folder: Path, name: str) -> ssl.SSLContext:
    """A TLS server's context with a certificate for `name` that nobody trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def test_tls_asks_for_the_name_and_verifies_the_certificate(
    names: dict[str, list[str]], tmp_path: Path
) -> None:
    context = self_signed(tmp_path, HOOKS)
    asked: list[str | None] = []
    context.sni_callback = lambda _socket, name, _context: asked.append(name)
    server = bound_socket()
    server.listen(1)
    server.settimeout(5)

    def answer_once() -> None:
        connection, _ = server.accept()
        try:
            context.wrap_socket(connection, server_side=True).close()
        except (ssl.SSLError, OSError):
            connection.close()

    thread = threading.Thread(target=answer_once, daemon=True)
    thread.start()
    names[HOOKS] = ["127.0.0.1"]
    try:
        url = f"https://{HOOKS}:{port_of(server)}/hook"
        assert refusal(url, allowed=HOOKS) == COULD_NOT_CONNECT
        thread.join(timeout=5)
    finally:
        server.close()
    # The certificate was checked for the name (a self-signed one fails), which SNI carried.
    assert asked == [HOOKS]


def test_an_error_says_what_failed_not_what_the_server_said() -> None:
    with bound_socket() as closed:
        url = f"http://127.0.0.1:{port_of(closed)}/hook"
        with pytest.raises(OutboundError) as refused:
            http.post(url, content=b"", headers={}, allowed=parse_allowed_hosts("127.0.0.1"))
    assert refused.value.template == COULD_NOT_CONNECT
    assert str(refused.value) == "Could not connect to that server."
