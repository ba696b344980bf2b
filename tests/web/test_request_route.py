"""RequestRoute: the customer's busiest routes, called with the request and their path."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.responses import PlainTextResponse, Response

from api.web.request_route import RequestRoute
from tests.client import TestClient


async def echo(request: Request, token: str) -> Response:
    body = await request.body()
    return PlainTextResponse(f"{request.method} {token} {body.decode()}", status_code=201)


def app_with(endpoint, path: str = "/c/{token}", **options) -> FastAPI:  # type: ignore[no-untyped-def]
    router = APIRouter()
    router.add_api_route(path, endpoint, route_class_override=RequestRoute, **options)
    app = FastAPI()
    app.include_router(router)
    return app


def test_the_endpoint_gets_the_request_and_its_path_as_matched() -> None:
    client = TestClient(app_with(echo, methods=["GET", "POST"]))
    posted = client.post("/c/AB12CD34", content=b"a card")
    assert (posted.status_code, posted.text) == (201, "POST AB12CD34 a card")
    # Query strings and cookies are the endpoint's to read, not solved beforehand.
    client.cookies.set("session", "1")
    assert client.get("/c/%C3%A9t%C3%A9?lang=fr").text == "GET été "


def test_it_is_documented_as_any_route() -> None:
    app = app_with(
        echo,
        methods=["POST"],
        status_code=201,
        tags=["public"],
        openapi_extra={"parameters": [{"name": "idempotency-key", "in": "header"}]},
    )
    operation = app.openapi()["paths"]["/c/{token}"]["post"]
    assert operation["tags"] == ["public"]
    assert [param["name"] for param in operation["parameters"]] == ["token", "idempotency-key"]


def test_the_apps_card_route_documents_its_key_and_body(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/codes/{token}/cards"]["post"]
    key = next(param for param in operation["parameters"] if param["name"] == "idempotency-key")
    assert (key["in"], key["required"]) == ("header", True)
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "rating" in body["properties"]
    assert {"201", "429"} <= operation["responses"].keys()


def sync_endpoint(request: Request, token: str) -> Response:
    return Response()


async def extra_parameter(request: Request, token: str, lang: str) -> Response:
    return Response()


async def typed_path(request: Request, card_id: int) -> Response:
    return Response()


async def no_request(token: str) -> Response:
    return Response()


def runtime() -> str:
    return "runtime"


async def with_dependency(request: Request, token: str, value: Annotated[str, Depends(runtime)]):  # type: ignore[no-untyped-def]
    return Response()


@pytest.mark.parametrize(
    ("endpoint", "path", "options"),
    [
        (sync_endpoint, "/c/{token}", {}),
        (extra_parameter, "/c/{token}", {}),  # a query parameter would be silently missing
        (typed_path, "/cards/{card_id}", {}),  # nothing would convert it
        (no_request, "/c/{token}", {}),
        (with_dependency, "/c/{token}", {}),
        (echo, "/c/{token}", {"dependencies": [Depends(runtime)]}),
    ],
)
def test_an_endpoint_it_could_not_call_as_written_is_refused(endpoint, path, options) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="RequestRoute"):
        app_with(endpoint, path, methods=["POST"], **options)
