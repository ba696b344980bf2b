"""An organisation's mail server is never on the server's own network: refused when saved (form
and API), a stored one refused when used, and a silent server given up on within seconds."""

import time

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session

from api.config import Settings
from api.models import OrganisationMailServer
from api.outbound import destinations
from api.outbound.destinations import PRIVATE_NETWORK
from api.people import mail_server
from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import csrf_token
from tests.outbound.helpers import OWN_NETWORK_HOSTS
from tests.sockets import Listener


def server_form(host: str, port: int) -> dict[str, str]:
    return {
        "host": host,
        "port": str(port),
        "security": "none",
        "username": "",
        "password": "",
        "from_address": "Harbour Café <cards@harbour.example>",
    }


def send_test(client: TestClient) -> BeautifulSoup:
    token = csrf_token(client, "/admin/mail")
    answer = client.post("/admin/mail/test", data={"csrf_token": token})
    assert answer.status_code == 422
    return BeautifulSoup(answer.text, "html.parser")


def stored(session: Session, world: World) -> OrganisationMailServer | None:
    reread(session)
    return session.get(OrganisationMailServer, world.organisation.id)


def test_a_server_on_the_servers_network_is_refused_when_saved(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    listener: Listener,
) -> None:
    settings.outbound_allow = ""
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Ops")
    bearer = {"Authorization": f"Bearer {key}"}
    for host in OWN_NETWORK_HOSTS:
        form = {"csrf_token": csrf_token(manager_client, "/admin/mail")}
        answer = manager_client.post("/admin/mail", data=form | server_form(host, listener.port))
        assert answer.status_code == 422, host
        page = BeautifulSoup(answer.text, "html.parser")
        assert page.select_one("#mail-host")["value"] == host  # type: ignore[index]
        assert PRIVATE_NETWORK in page.get_text(" "), host

        fields = server_form(host, listener.port)
        del fields["password"]
        by_api = manager_client.put("/api/v1/mail-server", headers=bearer, json=fields)
        assert (by_api.status_code, by_api.json()["detail"]) == (422, PRIVATE_NETWORK), host

    assert stored(session, world) is None
    assert not listener.reached()


def test_a_stored_server_on_the_servers_network_is_refused_when_used(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    listener: Listener,
) -> None:
    settings.outbound_allow = ""
    session.add(
        OrganisationMailServer(
            organisation_id=world.organisation.id,  # type: ignore[arg-type]
            host="localhost",
            port=listener.port,
            security="starttls",
            from_address="cards@harbour.example",
        )
    )
    session.commit()

    alert = send_test(manager_client).select_one("[role=alert]")
    assert alert is not None
    assert alert.get_text(" ", strip=True) == f"The test email was not sent: {PRIVATE_NETWORK}"
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Ops")
    by_api = manager_client.post(
        "/api/v1/mail-server/test",
        headers={"Authorization": f"Bearer {key}"},
        json={"to": "me@example.com"},
    )
    assert (by_api.status_code, by_api.json()["detail"]) == (422, PRIVATE_NETWORK)
    assert not listener.reached()


def test_a_silent_server_is_given_up_on_within_seconds(
    manager_client: TestClient,
    session: Session,
    world: World,
    listener: Listener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Allowed (127.0.0.1, as the tests' settings allow it), listening, and never answering.
    assert destinations.ANSWER_SECONDS <= 5
    monkeypatch.setattr(mail_server, "ANSWER_SECONDS", 0.3)
    form = {"csrf_token": csrf_token(manager_client, "/admin/mail")}
    saved = manager_client.post("/admin/mail", data=form | server_form("127.0.0.1", listener.port))
    assert saved.status_code == 303
    started = time.monotonic()

    alert = send_test(manager_client).select_one("[role=alert]")

    assert time.monotonic() - started < 3
    assert alert is not None
    assert alert.get_text(" ", strip=True) == (
        "The test email was not sent: The mail server did not answer in time."
    )
