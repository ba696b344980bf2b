"""The API's documentation page: Swagger UI, served by the app itself.

Its script and style come from the `fastapi-swagger` package (Swagger UI 5, which reads OpenAPI
3.1) and are served from this origin (`/api/docs/assets/`); the page's one inline script carries
the response's CSP nonce. The docs work under the same strict Content-Security-Policy as every
other page, with no CDN.
"""

from importlib.resources import files
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.responses import Response

from api.templating import templates

ASSETS = "/api/docs/assets"
router = APIRouter(include_in_schema=False)
# The models that routes read themselves (web.request_route) and name with schema_ref().
REFERENCED: dict[str, type[BaseModel]] = {}


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    """Swagger UI on /api/v1/openapi.json."""
    return templates.TemplateResponse(
        request, "web/api_docs.html", {"assets": ASSETS, "openapi_url": "/api/v1/openapi.json"}
    )


def assets() -> StaticFiles:
    """Swagger UI's files, as the package ships them."""
    return StaticFiles(directory=str(files("fastapi_swagger") / "resources"))


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """A `$ref` to `model` for a route's `openapi_extra`: the document then lists the model
    among its schemas, under its class name, as it lists those FastAPI reads itself."""
    REFERENCED[model.__name__] = model
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def add_referenced_schemas(app: FastAPI) -> None:
    """Add schema_ref()'s models to the app's OpenAPI document, which FastAPI builds once."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schemas = build().setdefault("components", {}).setdefault("schemas", {})
            for name, model in REFERENCED.items():
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for nested, definition in schema.pop("$defs", {}).items():
                    schemas.setdefault(nested, definition)
                schemas.setdefault(name, schema)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
