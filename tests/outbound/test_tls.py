"""Mail, webhooks and push keep their TLS contexts: each is made once (loading the trusted
authorities costs about 20 ms of CPU), however many mails and POSTs go out; the HTTPS one once a
thread, as httpcore changes it at every connection."""

import ssl
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from api.mail import MailServer, build_message, send_message
from api.outbound import http
from api.outbound.destinations import parse_allowed_hosts
from api.outbound.tls import http_tls, mail_tls
from tests.alerts.receiver import Receiver
from tests.smtp import SmtpServer


def in_new_thread(work: Any) -> Any:
    """`work()` in a thread of its own, as in one of the alert worker's delivery threads."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(work).result()


def test_each_tls_context_is_made_once_however_many_mails_and_posts_go_out(
    monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer
) -> None:
    made: list[dict[str, Any]] = []
    make = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(kwargs)
        return make(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    mail_tls.cache_clear()
    mail = MailServer(
        host="127.0.0.1", port=smtp_server.port, security="none", from_address="a@example.com"
    )
    receiver = Receiver().start()
    assert receiver.server is not None
    hook = f"http://127.0.0.1:{receiver.server.server_address[1]}/hook"

    def send_three() -> list[ssl.SSLContext]:
        for n in range(3):
            message = build_message(server=mail, to="m@example.com", subject=f"{n}", text="A card")
            send_message(mail, message)
            status = http.post(
                hook, content=b"{}", headers={}, allowed=parse_allowed_hosts("127.0.0.1")
            )
            assert status == 200
        return [mail_tls(), http_tls()]

    try:
        contexts = in_new_thread(send_three)
        assert len(receiver.wait_for(3)) == 3
    finally:
        receiver.stop()

    assert len(smtp_server.messages) == 3
    # One for mail (the system's authorities), one for HTTPS (certifi's, as httpx's default).
    assert len(made) == 2
    # Kept, they still check every server's certificate and name.
    for context in contexts:
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname


def test_each_thread_has_its_own_https_context_and_all_share_the_mail_one() -> None:
    first = in_new_thread(lambda: (http_tls(), http_tls(), mail_tls()))
    second = in_new_thread(lambda: (http_tls(), mail_tls()))
    assert first[0] is first[1]
    assert second[0] is not first[0]
    assert first[2] is second[1]
