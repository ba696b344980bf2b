"""The QR image of a code's card URL, for printing; cached for a year, since it changes only
with how a version draws it, which the pages' links name (qr.codes.qr_path)."""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.customer.codes import find_code
from api.errors import NotFound, Unprocessable
from api.web.conditional import browser_has, etag_of, not_modified
from api.web.deps import RuntimeDep
from qr.codes import (
    QUIET_ZONE,
    build_qr,
    card_url,
    drawing_fingerprint,
    render_png,
    render_svg,
)

router = APIRouter(include_in_schema=False)
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
# A PNG's width in pixels may be asked for (`?size=1200`): from a thumbnail to a large print.
SMALLEST_PNG, LARGEST_PNG = 100, 4000


def png_box_size(url: str, size: str | None) -> int:
    """Pixels per module for a PNG about `size` pixels wide (10 when no size is asked for);
    a size that is not a whole number of pixels in range is a 422."""
    if size is None:
        return 10
    if not (size.isascii() and size.isdigit()) or not SMALLEST_PNG <= int(size) <= LARGEST_PNG:
        raise Unprocessable(f"size is a width in pixels from {SMALLEST_PNG} to {LARGEST_PNG}.")
    modules: int = build_qr(url).modules_count + 2 * QUIET_ZONE
    return max(1, round(int(size) / modules))


@router.get("/qr/{token}.{extension}")
async def qr_image(request: Request, token: str, extension: str, runtime: RuntimeDep) -> Response:
    """The code's QR as SVG or PNG (`?size=` its width in pixels), with an ETag and a long
    max-age."""
    if extension not in MEDIA_TYPES:
        raise NotFound()
    context = await find_code(cache=runtime.code_cache, engine=runtime.engine, token=token)
    if context is None:
        raise NotFound()
    url = card_url(runtime.settings.base_url, context.token)
    size = request.query_params.get("size") if extension == "png" else None
    box_size = png_box_size(url, size)
    # The image follows from these three and how this version draws: no need to draw it to
    # know whether it changed. Kept a year only under a link naming this drawing: during an
    # upgrade, a process of the other version may answer a link, and is asked again next time.
    drawing = drawing_fingerprint()
    headers = {
        "ETag": etag_of(f"{url}.{extension}.{box_size}.{drawing}"),
        "Cache-Control": "public, max-age=31536000"
        if request.query_params.get("v") == drawing
        else "no-cache",
    }
    if browser_has(request, headers["ETag"]):
        return not_modified(headers)
    if extension == "svg":
        body = await run_in_threadpool(render_svg, url)
    else:
        body = await run_in_threadpool(render_png, url, box_size=box_size)
    return Response(body, media_type=MEDIA_TYPES[extension], headers=headers)
