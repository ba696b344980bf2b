"""API keys made and revoked in the browser: shown once, stored hashed, one organisation's."""

from bs4 import BeautifulSoup
from sqlmodel import Session, select

from api.models import ApiKey
from tests.client import TestClient
from tests.factories import World, make_manager, reread
from tests.helpers import csrf_token, log_in


def make_key(client: TestClient, name: str):
    token = csrf_token(client, "/admin/api-keys")
    return client.post("/admin/api-keys", data={"csrf_token": token, "name": name})


def test_a_new_key_is_shown_once_works_and_is_stored_hashed(
    manager_client: TestClient, world: World, session: Session
) -> None:
    page = make_key(manager_client, "Till integration")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    key = BeautifulSoup(page.text, "html.parser").select_one(".new-key code").get_text()
    assert key.startswith("tls_")
    listed = manager_client.get("/api/v1/cards", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200
    again = manager_client.get("/admin/api-keys").text
    assert key not in again
    assert "Till integration" in again
    reread(session)
    row = session.exec(select(ApiKey).where(ApiKey.name == "Till integration")).one()
    assert key.split("_", 2)[2] not in (row.key_hash, row.prefix)


def test_revoking_in_the_browser_stops_the_key_at_once(
    manager_client: TestClient, world: World, session: Session
) -> None:
    page = make_key(manager_client, "Old script")
    key = BeautifulSoup(page.text, "html.parser").select_one(".new-key code").get_text()
    reread(session)
    row = session.exec(select(ApiKey).where(ApiKey.name == "Old script")).one()
    token = csrf_token(manager_client, "/admin/api-keys")
    revoked = manager_client.post(f"/admin/api-keys/{row.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    answer = manager_client.get("/api/v1/cards", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 401


def test_a_key_needs_a_name(manager_client: TestClient, world: World) -> None:
    page = make_key(manager_client, "   ")
    assert page.status_code == 422
    assert "Give the key a name" in page.text
    assert BeautifulSoup(page.text, "html.parser").select_one(".new-key") is None


def test_only_owners_make_keys(client: TestClient, world: World, session: Session) -> None:
    make_manager(session, world=world, email="lee@example.com")
    log_in(client, "lee@example.com", world.password)
    assert client.get("/admin/api-keys").status_code == 403
    token = csrf_token(client)
    made = client.post("/admin/api-keys", data={"csrf_token": token, "name": "Sneaky"})
    assert made.status_code == 403
    reread(session)
    assert session.exec(select(ApiKey).where(ApiKey.name == "Sneaky")).first() is None


def test_a_keys_last_use_is_shown_to_the_owner(
    manager_client: TestClient, world: World, session: Session
) -> None:
    page = make_key(manager_client, "Nightly export")
    key = BeautifulSoup(page.text, "html.parser").select_one(".new-key code").get_text()
    listing = BeautifulSoup(manager_client.get("/admin/api-keys").text, "html.parser")
    assert "never" in listing.select_one("tbody tr").get_text()

    for _ in range(3):
        manager_client.get("/api/v1/cards", headers={"Authorization": f"Bearer {key}"})

    reread(session)
    row = session.exec(select(ApiKey).where(ApiKey.name == "Nightly export")).one()
    assert row.last_used_at is not None
    first_use = row.last_used_at
    manager_client.get("/api/v1/cards", headers={"Authorization": f"Bearer {key}"})
    reread(session)
    # Within the minute the stored time stays put: no write on every request.
    assert (
        session.exec(select(ApiKey).where(ApiKey.name == "Nightly export")).one().last_used_at
        == first_use
    )
    listing = BeautifulSoup(manager_client.get("/admin/api-keys").text, "html.parser")
    assert "never" not in listing.select_one("tbody tr").get_text()
