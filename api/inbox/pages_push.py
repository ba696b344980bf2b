"""Web Push for the inbox: its service worker, and the page's subscribe, unsubscribe and test."""

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Body, Request
from starlette.responses import JSONResponse, Response

from api.i18n import find_language, page_language
from api.inbox.push_subscriptions import (
    check_subscription,
    delete_subscription,
    save_subscription,
    send_test_notification,
)
from api.inbox.schemas import PageSubscription
from api.templating import WEB
from api.web.conditional import bytes_or_not_modified
from api.web.deps import CsrfHeaderManager, EngineDep, SettingsDep, VapidKeysDep, WriteSessionDep

router = APIRouter(include_in_schema=False)
# The inbox's own scope: the card pages' worker (/sw.js, scope /) never sees a manager's alerts.
SCOPE = "/inbox"


@cache
def service_worker_script() -> bytes:
    return (WEB / "inbox-sw.js").read_bytes()


@router.get("/inbox/sw.js")
async def service_worker(request: Request) -> Response:
    """The inbox's service worker: it shows the alerts pushed to this device (a bodiless 304
    when the browser's copy is current)."""
    return bytes_or_not_modified(
        request,
        service_worker_script(),
        media_type="text/javascript",
        # Below /inbox/ by its URL, it may still take /inbox itself (the list) as its scope.
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": SCOPE},
    )


@router.post("/inbox/push/subscribe")
def subscribe(
    request: Request,
    data: PageSubscription,
    manager: CsrfHeaderManager,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Alerts on this device: store the browser's push subscription for the signed-in manager."""
    check_subscription(data, allowed=settings.outbound_allowed)
    language = find_language(data.language) or page_language(request)
    save_subscription(
        session=session,
        tenant=manager.tenant,
        data=data,
        language=language.tag,
        session_id=manager.session_id,
    )
    return JSONResponse({"subscribed": True}, status_code=201)


@router.post("/inbox/push/unsubscribe")
def unsubscribe(
    endpoint: Annotated[str, Body(embed=True, max_length=2000)],
    manager: CsrfHeaderManager,
    session: WriteSessionDep,
) -> Response:
    """No more alerts on this device for the signed-in manager."""
    deleted = delete_subscription(session=session, tenant=manager.tenant, endpoint=endpoint)
    return JSONResponse({"unsubscribed": deleted})


@router.post("/inbox/push/test")
def send_test(
    manager: CsrfHeaderManager, engine: EngineDep, vapid_keys: VapidKeysDep, settings: SettingsDep
) -> Response:
    """Send a test notification to every device of the manager's, and say how it went."""
    report = send_test_notification(
        engine=engine, tenant=manager.tenant, vapid=vapid_keys, allowed=settings.outbound_allowed
    )
    return JSONResponse({"sent": report.sent, "failed": report.failed, "gone": report.gone})
