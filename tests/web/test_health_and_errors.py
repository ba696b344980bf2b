"""Health check for load balancers, and the error pages every path can end in."""

from tests.client import TestClient
from tests.factories import World


def test_healthz_answers_when_the_database_does(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_unknown_page_is_a_friendly_html_404(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is nothing here." in response.text


def test_unknown_api_path_is_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing")
    assert (response.status_code, response.json()) == (404, {"detail": "There is nothing here."})


def test_wrong_method_is_405_and_changes_nothing(client: TestClient, world: World) -> None:
    response = client.delete(f"/c/{world.counter_code.token}")
    assert response.status_code == 405
    assert "does not take that request" in response.text
    assert client.get(f"/c/{world.counter_code.token}").status_code == 200


def test_api_validation_error_names_the_fields(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/v1/codes/{world.counter_code.token}/cards",
        json={"rating": "five"},
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rating"
