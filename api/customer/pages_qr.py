"""The QR image of a code's card URL, for printing; cached hard, since it never changes."""

import hashlib

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.customer.codes import find_code
from api.errors import NotFound
from api.web.deps import RuntimeDep
from qr.codes import card_url, render_png, render_svg

router = APIRouter(include_in_schema=False)
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@router.get("/qr/{token}.{extension}")
async def qr_image(request: Request, token: str, extension: str, runtime: RuntimeDep) -> Response:
    """The code's QR as SVG or PNG, with an ETag and a long max-age."""
    if extension not in MEDIA_TYPES:
        raise NotFound()
    context = await find_code(cache=runtime.code_cache, engine=runtime.engine, token=token)
    if context is None:
        raise NotFound()
    url = card_url(runtime.settings.base_url, context.token)
    etag = '"' + hashlib.sha256(f"{url}.{extension}".encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    render = render_svg if extension == "svg" else render_png
    body = await run_in_threadpool(render, url)
    return Response(body, media_type=MEDIA_TYPES[extension], headers=headers)
