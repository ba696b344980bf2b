"""The API's OpenAPI document: stable schema names, and exactly the routes the app serves."""

import re

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.client import TestClient

# A class name as written: two schemas with one name would come out as a module path such as
# `api__setup__schemas__CodeOut`, which changes whenever a class moves.
SCHEMA_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route under /api/v1/ but the document itself."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path_format or ""
        if path.startswith("/api/v1/") and path != app.openapi_url:
            found |= {(method, path) for method in route.methods or () if method != "HEAD"}
    return found


def test_every_schema_has_its_own_class_name(client: TestClient) -> None:
    names = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    odd = sorted(name for name in names if "__" in name or not SCHEMA_NAME.fullmatch(name))
    assert not odd, f"Give these schemas a class name of their own: {odd}"


def test_the_document_lists_exactly_the_api_routes(app: FastAPI, client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    documented = {
        (method.upper(), path) for path, operations in paths.items() for method in operations
    }
    assert documented == api_routes(app)
