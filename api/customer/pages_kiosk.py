"""A tablet on the counter: a code's card in kiosk mode, opened by the kiosk's device token.

`/k/<token>` is the kiosk's card page, where its cards are sent, and its app's manifest. A token
nobody made, a revoked kiosk, or a kiosk whose code was revoked get a plain page asking for a
manager. Opening a kiosk signs the tablet's browser out, so no customer reaches an inbox from it.
"""

import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.accounts.gate import session_cookie_name
from api.customer.codes import CodeContext, find_code
from api.customer.kiosk_mode import KioskMode
from api.customer.pages import default_language, receive_card, render_card
from api.customer.pages_offline import manifest_template
from api.customer.rendering import render_page
from api.errors import NotFound
from api.i18n import set_page_language
from api.runtime import Runtime
from api.setup.kiosks import KIOSK_PATH, find_kiosk, record_kiosk_seen
from api.templating import accent_colour
from api.web.deps import RuntimeDep

router = APIRouter(include_in_schema=False)


async def open_kiosk_card(runtime: Runtime, token: str) -> tuple[KioskMode, CodeContext] | None:
    """The kiosk and its card, or None when either has stopped (or never was)."""
    kiosk = await run_in_threadpool(find_kiosk, engine=runtime.engine, secret=token)
    if kiosk is None or kiosk.revoked:
        return None
    context = await find_code(
        cache=runtime.code_cache, engine=runtime.engine, token=kiosk.code_token
    )
    if context is None or context.revoked:
        return None
    await run_in_threadpool(record_kiosk_seen, engine=runtime.engine, kiosk=kiosk)
    settings = runtime.settings
    mode = KioskMode(
        id=kiosk.id,
        path=f"{KIOSK_PATH}{token}",
        reset_seconds=settings.kiosk_reset_seconds,
        idle_seconds=settings.kiosk_idle_seconds,
    )
    return mode, context


def render_stopped(request: Request) -> Response:
    """The plain page of a tablet that is no longer a kiosk: a manager must see to it."""
    set_page_language(request, default="en")
    return render_page(request, "customer/kiosk_stopped.html", {}, status_code=410)


@router.get("/k/{token}")
async def kiosk_card(request: Request, token: str, runtime: RuntimeDep) -> Response:
    """The kiosk's card, fresh (a new form token and key) for every customer."""
    opened = await open_kiosk_card(runtime, token)
    if opened is None:
        return render_stopped(request)
    kiosk, context = opened
    set_page_language(request, default=default_language(context))
    response = render_card(request, context, secret=runtime.secret_key, kiosk=kiosk)
    response.delete_cookie(session_cookie_name(runtime.settings), path="/")
    return response


@router.post("/k/{token}")
async def kiosk_send(request: Request, token: str, runtime: RuntimeDep) -> Response:
    """A card sent from the kiosk: stored as from its code, counted against the kiosk's limit."""
    opened = await open_kiosk_card(runtime, token)
    if opened is None:
        return render_stopped(request)
    kiosk, context = opened
    form = await request.form()
    language = set_page_language(
        request, default=default_language(context), chosen=str(form.get("lang", ""))
    )
    return await receive_card(request, context, runtime, form=form, language=language, kiosk=kiosk)


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
