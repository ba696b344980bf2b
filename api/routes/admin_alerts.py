"""The owner's alert pages: deliveries that failed (with Retry)."""

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from api.deps import CsrfCheckedManager, CurrentManager, SessionDep, WriteSessionDep, positive_id
from api.routes.admin import render
from api.services.locations import require_owner
from api.services.outbox import list_undelivered, retry_delivery

router = APIRouter(prefix="/admin/alerts", include_in_schema=False)


@router.get("/deliveries")
def deliveries(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Alerts that could not be delivered yet, with their last error."""
    require_owner(manager.tenant)
    rows = list_undelivered(session=session, tenant=manager.tenant)
    return render(request, "alert_deliveries.html", manager, deliveries=rows)


@router.post("/deliveries/{delivery_id}/retry")
def retry(delivery_id: str, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Send a parked delivery again now."""
    require_owner(manager.tenant)
    retry_delivery(session=session, tenant=manager.tenant, delivery_id=positive_id(delivery_id))
    return RedirectResponse("/admin/alerts/deliveries", status_code=303)
