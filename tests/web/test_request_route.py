"""RequestRoute: the customer's busiest routes, called with the request and their path."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.responses import PlainTextResponse, Response

from api.config import Settings
from api.main import create_app
from api.web.request_route import RequestRoute, check_request_routes
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


def sync_endpoint(request: Request, token: str) -> Response:
    return Response()


async def extra_parameter(request: Request, token: str, lang: str) -> Response:
    return Response()


async def typed_path(request: Request, card_id: int) -> Response:
    return Response()


async def no_request(token: str) -> Response:
    return Response()


async def returns_a_dict(request: Request, token: str) -> dict[str, str]:
    return {"token": token}  # nothing would make it a response


async def positional_token(request: Request, token: str, /) -> Response:
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
        (echo, "/c/{token:int}", {}),  # the endpoint would get an int
        (echo, "/c/{token}/{page}", {}),  # a path parameter it does not take
        (returns_a_dict, "/c/{token}", {}),
        (positional_token, "/c/{token}", {}),
        (no_request, "/c/{token}", {}),
        (with_dependency, "/c/{token}", {}),
        (echo, "/c/{token}", {"dependencies": [Depends(runtime)]}),
    ],
)
def test_an_endpoint_it_could_not_call_as_written_is_refused(endpoint, path, options) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="RequestRoute"):
        app_with(endpoint, path, methods=["POST"], **options)


@pytest.mark.parametrize(
    "included",
    [
        {"dependencies": [Depends(runtime)]},  # it would never run
        {"prefix": "/{lang}"},  # every request would fail
    ],
)
def test_what_including_its_router_adds_is_refused(included) -> None:  # type: ignore[no-untyped-def]
    router = APIRouter()
    router.add_api_route("/c/{token}", echo, methods=["GET"], route_class_override=RequestRoute)
    app = FastAPI()
    app.include_router(router, **included)
    with pytest.raises(TypeError, match="RequestRoute"):
        check_request_routes(app.routes)
    plain = FastAPI()
    plain.include_router(router, prefix="/cards")
    check_request_routes(plain.routes)
    assert TestClient(plain).get("/cards/c/AB12").text == "GET AB12 "


def test_the_app_checks_its_routes_as_it_starts(app: FastAPI, settings: Settings) -> None:
    """The app's card routes pass, and one included wrongly stops the start."""
    check_request_routes(app.routes)
    own = create_app(settings.model_copy())  # not the suite's shared app
    router = APIRouter()
    router.add_api_route("/x/{token}", echo, methods=["GET"], route_class_override=RequestRoute)
    own.include_router(router, dependencies=[Depends(runtime)])
    with pytest.raises(TypeError, match="echo at /x/{token}"), TestClient(own):
        pass
    own.state.runtime.engine.dispose()
