"""Mail goes through a real SMTP connection and threads by Message-ID."""

import pytest

from api.config import Settings
from api.mail import (
    MailError,
    MailServer,
    build_message,
    instance_server,
    new_message_id,
    send_message,
)
from tests.smtp import SmtpServer
from tests.sockets import refused_port


def make_settings(**values: object) -> Settings:
    return Settings(
        environment="test", base_url="https://cards.example.com", _env_file=None, **values
    )  # type: ignore[call-arg, arg-type]


def test_no_server_configured_means_none() -> None:
    assert instance_server(make_settings()) is None


def test_url_gives_host_port_security_and_credentials() -> None:
    server = instance_server(
        make_settings(smtp_url="smtp+starttls://alerts%40shop:s3cret@mail.example.com?from=x@y.z")
    )
    assert server == MailServer(
        host="mail.example.com",
        port=587,
        security="starttls",
        from_address="x@y.z",
        username="alerts@shop",
        password="s3cret",
    )
    tls = instance_server(make_settings(smtp_url="smtps://mail.example.com"))
    assert tls is not None
    assert (tls.port, tls.security, tls.from_address) == (
        465,
        "tls",
        "Tellus <tellus@cards.example.com>",
    )


def test_a_bad_url_is_refused() -> None:
    with pytest.raises(ValueError, match="TELLUS_SMTP_URL"):
        instance_server(make_settings(smtp_url="http://mail.example.com"))


def test_message_arrives_with_its_threading_headers(smtp_server: SmtpServer) -> None:
    server = MailServer.from_url(smtp_server.url, default_from="Tellus <tellus@example.com>")
    first = new_message_id("card-1", make_settings())
    assert first == "<card-1@cards.example.com>"
    message = build_message(
        server=server,
        to="guest@example.org",
        subject="About your visit",
        text="Thank you — we fixed the coffee machine.",
        message_id=new_message_id("reply-1", make_settings()),
        in_reply_to=first,
    )
    send_message(server, message)
    [received] = smtp_server.inbox.wait_for(1)
    assert received["To"] == "guest@example.org"
    assert received["Message-ID"] == "<reply-1@cards.example.com>"
    assert received["In-Reply-To"] == first
    assert "coffee machine" in received.get_content()


def test_an_unreachable_server_says_so() -> None:
    with refused_port() as port:
        server = MailServer(host="127.0.0.1", port=port, security="none", from_address="a@b.c")
        message = build_message(server=server, to="x@example.org", subject="s", text="t")
        with pytest.raises(MailError, match=r"^Could not reach the mail server\.$"):
            send_message(server, message)


def test_a_refusal_is_a_mail_error(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.refuse_next = 1
    server = MailServer.from_url(smtp_server.url, default_from="a@b.c")
    with pytest.raises(MailError, match="refused"):
        send_message(
            server, build_message(server=server, to="x@example.org", subject="s", text="t")
        )
