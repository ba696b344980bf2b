"""The public kudos wall (per organisation and per location) and its TV screen.

The wall is cacheable: it holds no secret and no script, so its HTML carries no CSP nonce and a
`304` for its ETag can be answered from any cache. The TV screen sits behind a random link that
an owner can revoke; its script polls /tv/{token}/kudos.json and keeps what it shows when the
network drops.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.responses import JSONResponse, Response

from api.customer.rendering import render_page
from api.i18n import find_language, set_page_language
from api.kudos.screens import find_screen
from api.kudos.service import Wall, read_wall
from api.templating import templates
from api.web.conditional import browser_has, etag_of, not_modified
from api.web.deps import EngineDep, RuntimeDep

router = APIRouter(include_in_schema=False)
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


def wall_language(request: Request, default: str) -> str:
    """`?lang=` from the switcher, else the organisation's language: not Accept-Language, so a
    cache keeps one copy per address."""
    chosen = request.query_params.get("lang")
    return chosen if chosen and find_language(chosen) else default


def read_wall_now(engine: Engine, slug: str, location_id: int | None) -> Wall:
    with Session(engine) as session:
        return read_wall(session=session, slug=slug, location_id=location_id)


async def answer_wall(
    request: Request, runtime: RuntimeDep, slug: str, location_id: int | None
) -> Response:
    wall = await run_in_threadpool(read_wall_now, runtime.engine, slug, location_id)
    set_page_language(
        request,
        default=wall.default_language,
        chosen=wall_language(request, wall.default_language),
    )
    response = render_page(request, "kudos/wall.html", {"wall": wall})
    # The page holds no nonce: the same compliments in the same language give the same bytes.
    headers = {
        "ETag": etag_of(bytes(response.body)),
        "Cache-Control": f"public, max-age={runtime.settings.kudos_wall_cache_seconds}",
    }
    if browser_has(request, headers["ETag"]):
        return not_modified(headers)
    response.headers.update(headers)
    del response.headers["Vary"]  # the language is in the address (?lang=), not a header
    return response


@router.get("/kudos/{slug}")
async def organisation_wall(request: Request, slug: str, runtime: RuntimeDep) -> Response:
    """The organisation's kudos wall: compliments customers chose to share and a manager chose."""
    return await answer_wall(request, runtime, slug, None)


@router.get("/kudos/{slug}/{location_id:id}")
async def location_wall(
    request: Request, slug: str, location_id: int, runtime: RuntimeDep
) -> Response:
    """One location's kudos wall."""
    return await answer_wall(request, runtime, slug, location_id)


def read_screen(engine: Engine, token: str) -> Wall | None:
    """The wall a TV link shows, or None when the link is unknown or revoked."""
    with Session(engine) as session:
        found = find_screen(session=session, token=token)
        if found is None:
            return None
        organisation, screen = found
        return read_wall(session=session, slug=organisation.slug, location_id=screen.location_id)


@router.get("/tv/{token}")
async def tv_screen(request: Request, token: str, runtime: RuntimeDep) -> Response:
    """The TV screen: one compliment at a time in large type, new ones picked up by polling."""
    wall = await run_in_threadpool(read_screen, runtime.engine, token)
    language = set_page_language(
        request,
        default=wall.default_language if wall else "en",
        chosen=wall_language(request, wall.default_language if wall else "en"),
    )
    if wall is None:
        response = render_page(request, "kudos/tv_gone.html", {}, status_code=404)
    else:
        settings = runtime.settings
        response = render_page(
            request,
            "kudos/tv.html",
            {
                "wall": wall,
                "poll_url": f"/tv/{token}/kudos.json?lang={language.tag}",
                "poll_ms": int(settings.kudos_tv_poll_seconds * 1000),
                "rotate_ms": int(settings.kudos_tv_rotate_seconds * 1000),
            },
        )
    response.headers.update(PRIVATE_HEADERS)
    return response


def render_items(request: Request, wall: Wall) -> list[dict[str, object]]:
    """Each compliment as the TV page's own list item renders it, in the page's language."""
    context: dict[str, Any] = {"request": request, "wall": wall, "current": False}
    for processor in templates.context_processors:
        context.update(processor(request))
    item = templates.get_template("kudos/_tv_item.html")
    return [
        {"id": kudos.id, "html": item.render(context | {"kudos": kudos}).strip()}
        for kudos in wall.kudos
    ]


@router.get("/tv/{token}/kudos.json")
async def tv_kudos(request: Request, token: str, engine: EngineDep) -> Response:
    """The TV's compliments now; a `404` tells a screen whose link was revoked to go blank."""
    wall = await run_in_threadpool(read_screen, engine, token)
    if wall is None:
        return JSONResponse(
            {"detail": "This screen's link no longer works."},
            status_code=404,
            headers=PRIVATE_HEADERS,
        )
    set_page_language(
        request,
        default=wall.default_language,
        chosen=wall_language(request, wall.default_language),
    )
    return JSONResponse({"kudos": render_items(request, wall)}, headers=PRIVATE_HEADERS)
