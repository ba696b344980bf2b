"""An organisation's mail server through the outbound guard: the checked address, the name
kept for TLS, and nothing sent to the server's own network; the installation's own is trusted."""

import pytest

from api.mail import MailError, MailServer, build_message, send_message
from api.outbound.destinations import parse_allowed_hosts
from tests.smtp import SmtpServer
from tests.sockets import Listener

RELAY = "mail.harbour.example"


def organisation_server(host: str, port: int, allowed: str = "") -> MailServer:
    return MailServer(
        host=host,
        port=port,
        security="none",
        from_address="cards@harbour.example",
        allowed=parse_allowed_hosts(allowed),
        timeout=2,
    )


def send(server: MailServer) -> None:
    send_message(server, build_message(server=server, to="x@example.org", subject="s", text="t"))


def test_the_message_goes_to_the_checked_address(
    names: dict[str, list[str]], smtp_server: SmtpServer
) -> None:
    # The name is nowhere in DNS: the message arrives only if the checked address is used.
    names[RELAY] = ["127.0.0.1"]
    send(organisation_server(RELAY, smtp_server.port, allowed=RELAY))
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == "x@example.org"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1", "2130706433", "[::1]"])
def test_nothing_is_sent_to_the_servers_own_network(host: str, listener: Listener) -> None:
    with pytest.raises(MailError, match="private network"):
        send(organisation_server(host, listener.port))
    assert not listener.reached()


def test_a_name_that_leads_to_this_machine_is_refused(
    names: dict[str, list[str]], listener: Listener
) -> None:
    names[RELAY] = ["127.0.0.1"]
    with pytest.raises(MailError, match="private network"):
        send(organisation_server(RELAY, listener.port))
    assert not listener.reached()


def test_the_installations_own_server_is_trusted(smtp_server: SmtpServer) -> None:
    send(MailServer.from_url(smtp_server.url, default_from="tellus@example.org"))
    assert len(smtp_server.inbox.wait_for(1)) == 1
