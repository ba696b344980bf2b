"""Webhooks never reach the server's own network: refused when saved (form and API), and a
stored address that leads there is refused again when sent (the test button and the worker)."""

from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlmodel import Session, select

from api.config import Settings
from api.models import Webhook
from api.outbound.destinations import PRIVATE_NETWORK
from api.setup.api_keys.service import create_api_key
from tests.alerts.helpers import Clock, deliveries, drain, make_worker
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import csrf_token, send_card
from tests.outbound.helpers import OWN_NETWORK_HOSTS
from tests.sockets import Listener


def webhooks(session: Session) -> list[Webhook]:
    reread(session)
    return list(session.exec(select(Webhook)).all())


def test_an_address_on_the_servers_network_is_refused_when_saved(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    listener: Listener,
) -> None:
    settings.outbound_allow = ""
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Ops")
    for host in OWN_NETWORK_HOSTS:
        url = f"http://{host}:{listener.port}/hook"
        form = {"csrf_token": csrf_token(manager_client, "/admin/alerts/webhooks")}
        answer = manager_client.post(
            "/admin/alerts/webhooks", data=form | {"name": "Ops", "url": url}
        )
        assert answer.status_code == 422, host
        page = BeautifulSoup(answer.text, "html.parser")
        assert page.select_one("#hook-url")["value"] == url  # type: ignore[index]
        assert PRIVATE_NETWORK in page.get_text(" "), host

        by_api = manager_client.post(
            "/api/v1/webhooks",
            headers={"Authorization": f"Bearer {key}"},
            json={"name": "Ops", "url": url},
        )
        assert (by_api.status_code, by_api.json()["detail"]) == (422, PRIVATE_NETWORK), host

    assert webhooks(session) == []
    assert not listener.reached()


def test_a_stored_address_on_the_servers_network_is_refused_when_sent(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    listener: Listener,
) -> None:
    # As if it had been saved before the guard, or by hand in the database.
    settings.outbound_allow = ""
    for host in ("127.0.0.1", "localhost", "2130706433"):
        session.add(
            Webhook(
                organisation_id=world.organisation.id,  # type: ignore[arg-type]
                name=host,
                url=f"http://{host}:{listener.port}/hook",
                secret="whsec_test",
                all_cards=True,
            )
        )
    session.commit()
    rows = webhooks(session)

    tested = manager_client.post(
        f"/admin/alerts/webhooks/{rows[0].id}/test",
        data={"csrf_token": csrf_token(manager_client, "/admin/alerts/webhooks")},
    )
    status = BeautifulSoup(tested.text, "html.parser").select_one(".error-summary[role=status]")
    assert status is not None
    assert status.get_text(strip=True) == f"The test did not arrive: {PRIVATE_NETWORK}"
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Ops")
    by_api = manager_client.post(
        f"/api/v1/webhooks/{rows[1].id}/test", headers={"Authorization": f"Bearer {key}"}
    )
    assert by_api.json() == {"arrived": False, "error": PRIVATE_NETWORK}

    send_card(manager_client, world.counter_code.token, rating=1, comment="Cold")
    drain(make_worker(app, settings, Clock()))
    failed = [row for row in deliveries(session) if row.channel == "webhook"]
    assert len(failed) == 3
    assert all(row.last_error.endswith(PRIVATE_NETWORK) for row in failed)
    assert not listener.reached()
