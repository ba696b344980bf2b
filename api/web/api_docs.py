"""The API's documentation page: Swagger UI, served by the app itself.

Its script and style come from the `fastapi-swagger` package (Swagger UI 5, which reads OpenAPI
3.1) and are served from this origin (`/api/docs/assets/`); the page's one inline script carries
the response's CSP nonce. The docs work under the same strict Content-Security-Policy as every
other page, with no CDN.
"""

from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from api.templating import templates

ASSETS = "/api/docs/assets"
router = APIRouter(include_in_schema=False)


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    """Swagger UI on /api/v1/openapi.json."""
    return templates.TemplateResponse(
        request, "web/api_docs.html", {"assets": ASSETS, "openapi_url": "/api/v1/openapi.json"}
    )


def assets() -> StaticFiles:
    """Swagger UI's files, as the package ships them."""
    return StaticFiles(directory=str(files("fastapi_swagger") / "resources"))
