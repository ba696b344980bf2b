"""The card pages as an installable web app that keeps working offline: service worker, manifest."""

import json
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.customer.codes import find_code
from api.customer.kiosk_mode import open_kiosk_card
from api.errors import NotFound
from api.setup.kiosks import KIOSK_PATH
from api.templating import WEB, accent_colour, static_url
from api.web.conditional import bytes_or_not_modified
from api.web.deps import RuntimeDep, SettingsDep

router = APIRouter(include_in_schema=False)
# The card page's shell beyond its HTML (its CSS is inline): what a card page needs offline.
PRECACHE = (
    "js/card.js",
    "js/kiosk.js",
    "icons/icon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
)
PRECACHE_MARKER = "/* PRECACHE */ []"
CARD_TOKEN_DAYS_MARKER = "/* CARD_TOKEN_DAYS */ 8"


@cache
def service_worker_script(card_token_days: int) -> bytes:
    """web/sw.js with the fingerprinted URLs it precaches and how long a card form stays valid."""
    script = (WEB / "sw.js").read_text()
    values = {
        PRECACHE_MARKER: json.dumps([static_url(path) for path in PRECACHE]),
        CARD_TOKEN_DAYS_MARKER: str(card_token_days),
    }
    for marker, value in values.items():
        if marker not in script:
            raise RuntimeError(f"web/sw.js lost its {marker!r} marker")
        script = script.replace(marker, value)
    return script.encode()


@cache
def manifest_template() -> dict[str, Any]:
    """web/manifest.webmanifest, the part every card shares, with fingerprinted icon URLs."""
    manifest: dict[str, Any] = json.loads((WEB / "manifest.webmanifest").read_text())
    for icon in manifest["icons"]:
        icon["src"] = static_url(icon["src"])
    return manifest


@router.get("/sw.js")
async def service_worker(request: Request, settings: SettingsDep) -> Response:
    """The service worker, at the site's root so that it may control /c/ and /C/ pages. The
    browser asks whether it changed after each visit: unchanged, the answer is a bodiless 304."""
    return bytes_or_not_modified(
        request,
        service_worker_script(settings.card_token_days),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/c/{token}/manifest.webmanifest")
@router.get("/C/{token}/manifest.webmanifest")
async def manifest(request: Request, token: str, runtime: RuntimeDep) -> Response:
    """A card's web app manifest: installed, it opens that card (under /c/ or /C/, as scanned)."""
    context = await find_code(cache=runtime.code_cache, engine=runtime.engine, token=token)
    if context is None or context.revoked:
        raise NotFound()
    scope = request.url.path[:3]
    manifest = {
        **manifest_template(),
        "name": context.organisation_name,
        "short_name": context.organisation_name,
        "id": f"{scope}{context.token}",
        "start_url": f"{scope}{context.token}",
        "scope": scope,
        "theme_color": accent_colour(context.accent_colour),
    }
    return Response(
        json.dumps(manifest, ensure_ascii=False, separators=(",", ":")),
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/k/{token}/manifest.webmanifest")
async def kiosk_manifest(token: str, runtime: RuntimeDep) -> Response:
    """The kiosk's web app manifest: installed, it opens full screen, either way up."""
    opened = await open_kiosk_card(runtime, token)
    if opened is None:
        raise NotFound()
    kiosk, context = opened
    manifest = {
        **manifest_template(),
        "name": context.organisation_name,
        "short_name": context.organisation_name,
        "id": kiosk.path,
        "start_url": kiosk.path,
        "scope": KIOSK_PATH,
        "display": "fullscreen",
        "orientation": "any",
        "theme_color": accent_colour(context.accent_colour),
    }
    return Response(
        json.dumps(manifest, ensure_ascii=False, separators=(",", ":")),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-store"},
    )
