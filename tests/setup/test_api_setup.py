"""Scripting the set-up through the API: locations, employees, codes and their life cycle."""

import pytest
from sqlmodel import Session

from api.setup.api_keys.service import create_api_key, revoke_api_key
from tests.client import TestClient
from tests.factories import World


@pytest.fixture
def api(client: TestClient, session: Session, world: World) -> TestClient:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="script")
    client.headers["Authorization"] = f"Bearer {key}"
    return client


def test_locations_listed_added_and_renamed(api: TestClient, world: World) -> None:
    assert [item["name"] for item in api.get("/api/v1/locations").json()] == ["Counter", "Terrace"]
    created = api.post("/api/v1/locations", json={"name": "Desk", "kind": "desk"})
    assert created.status_code == 201
    assert created.json()["kind"] == "desk"
    renamed = api.put(f"/api/v1/locations/{created.json()['id']}", json={"name": "Front desk"})
    assert renamed.json()["name"] == "Front desk"
    duplicate = api.post("/api/v1/locations", json={"name": "Counter"})
    assert duplicate.status_code == 409
    assert api.post("/api/v1/locations", json={"name": ""}).status_code == 422


def test_employees_with_their_locations(api: TestClient, world: World) -> None:
    created = api.post(
        "/api/v1/employees",
        json={"display_name": "Noor", "location_ids": [world.counter.id, world.terrace.id]},
    )
    assert created.status_code == 201
    assert created.json()["location_ids"] == sorted([world.counter.id, world.terrace.id])
    listed = {item["display_name"]: item for item in api.get("/api/v1/employees").json()}
    assert listed["Maya"]["location_ids"] == [world.counter.id]
    moved = api.put(
        f"/api/v1/employees/{created.json()['id']}",
        json={"display_name": "Noor A.", "location_ids": [world.terrace.id]},
    )
    assert moved.json()["location_ids"] == [world.terrace.id]


def test_code_life_cycle(api: TestClient, world: World) -> None:
    created = api.post("/api/v1/codes", json={"employee_id": world.sam.id, "label": "Sam"})
    assert created.status_code == 201
    code = created.json()
    assert code["url"] == f"HTTP://TESTSERVER/C/{code['token']}"
    assert api.get(f"/c/{code['token']}").status_code == 200

    replaced = api.post(f"/api/v1/codes/{code['id']}/replace")
    assert replaced.status_code == 201
    new = replaced.json()
    assert (new["employee_id"], new["label"]) == (world.sam.id, "Sam")
    assert api.get(f"/c/{code['token']}").status_code == 410
    assert api.get(f"/c/{new['token']}").status_code == 200

    moved = api.put(f"/api/v1/codes/{new['id']}", json={"location_id": world.terrace.id})
    assert (moved.json()["location_id"], moved.json()["employee_id"]) == (world.terrace.id, None)

    revoked = api.post(f"/api/v1/codes/{new['id']}/revoke")
    assert revoked.json()["revoked_at"] is not None
    active = [item["token"] for item in api.get("/api/v1/codes").json()]
    assert new["token"] not in active
    every = [item["token"] for item in api.get("/api/v1/codes?include_revoked=true").json()]
    assert {code["token"], new["token"]} <= set(every)


def test_deactivating_an_employee_revokes_their_codes(api: TestClient, world: World) -> None:
    response = api.post(f"/api/v1/employees/{world.maya.id}/deactivate")
    assert response.json()["active"] is False
    assert api.get(f"/c/{world.maya_code.token}").status_code == 410


def test_a_revoked_key_can_no_longer_change_anything(
    client: TestClient, session: Session, world: World
) -> None:
    key, row = create_api_key(session=session, organisation=world.organisation, name="old")
    revoke_api_key(session=session, key=row)
    response = client.post(
        "/api/v1/locations", json={"name": "Ghost"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 401
