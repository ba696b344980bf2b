"""How a customer's page is answered: in the language chosen for the request, and marked as
varying with Accept-Language for any cache on the way."""

from typing import Any

from fastapi import Request
from starlette.responses import Response

from api.templating import templates


def render_page(
    request: Request, name: str, page: dict[str, Any], *, status_code: int = 200
) -> Response:
    """A customer's page, in the language set_page_language() chose for this request."""
    response = templates.TemplateResponse(request, name, page, status_code=status_code)
    response.headers["Vary"] = "Accept-Language"
    return response
