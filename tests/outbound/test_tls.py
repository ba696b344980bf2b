"""Mail, webhooks and push share their process's TLS contexts: each is made once (loading the
trusted authorities costs about 20 ms of CPU), however many mails and POSTs go out."""

import ssl
from typing import Any

import pytest

from api.mail import MailServer, build_message, send_message
from api.outbound import http
from api.outbound.destinations import parse_allowed_hosts
from api.outbound.tls import http_tls, mail_tls
from tests.alerts.receiver import Receiver
from tests.smtp import SmtpServer


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
    http_tls.cache_clear()
    mail = MailServer(
        host="127.0.0.1", port=smtp_server.port, security="none", from_address="a@example.com"
    )
    receiver = Receiver().start()
    assert receiver.server is not None
    hook = f"http://127.0.0.1:{receiver.server.server_address[1]}/hook"
    try:
        for n in range(3):
            message = build_message(server=mail, to="m@example.com", subject=f"{n}", text="A card")
            send_message(mail, message)
            status = http.post(
                hook, content=b"{}", headers={}, allowed=parse_allowed_hosts("127.0.0.1")
            )
            assert status == 200
        assert len(receiver.wait_for(3)) == 3
    finally:
        receiver.stop()

    assert len(smtp_server.messages) == 3
    # One for mail (the system's authorities), one for HTTPS (certifi's, as httpx's default).
    assert len(made) == 2
    # Shared, they still check every server's certificate and name.
    for context in (mail_tls(), http_tls()):
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname
