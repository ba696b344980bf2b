"""What the card pages do differently on a kiosk (a tablet that serves customer after customer).

`/k/<token>` (api.customer.pages) is the kiosk's card page, where its cards are sent, and its
app's manifest (api.customer.pages_offline). A token nobody made, a revoked kiosk, or a kiosk whose
code was revoked get a plain page asking for a manager.
"""

from dataclasses import dataclass

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.customer.codes import CodeContext, find_code
from api.customer.rendering import render_page
from api.i18n import set_page_language
from api.runtime import Runtime
from api.setup.kiosks import KIOSK_PATH, find_kiosk, record_kiosk_seen


@dataclass(frozen=True)
class KioskMode:
    """The kiosk that opened the page: the card posts back to its own link (`path`), is counted
    against the kiosk's budget, and shows nothing a next customer should not see."""

    id: int
    # "/k/<device token>": the tablet's page, where its cards are sent and its manifest lives.
    path: str
    # How long the thank-you stays, and how long an untouched card waits, before starting again.
    reset_seconds: float
    idle_seconds: float


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
