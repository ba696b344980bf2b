"""The owner's alert pages: routing (settings, duty, people) and failed deliveries (with Retry)."""

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.alerts.outbox import list_undelivered, retry_delivery
from api.alerts.schemas import AlertSettingsIn, DutyIn, PreferenceIn
from api.alerts.service import (
    routing_overview,
    save_alert_settings,
    save_preference,
    set_duty,
)
from api.i18n import LANGUAGES
from api.web.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form

router = APIRouter(prefix="/admin/alerts", include_in_schema=False, dependencies=[OWNER_ONLY])


def routing_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    return {
        "routing": routing_overview(session=session, tenant=manager.tenant),
        "catalogues": sorted((lang.tag, lang.name) for lang in LANGUAGES.values()),
    }


ROUTING = FormPage("alerts/routing.html", routing_context)
DELIVERIES = FormPage(
    "alerts/deliveries.html",
    lambda request, manager, session: {
        "deliveries": list_undelivered(session=session, tenant=manager.tenant)
    },
)


@router.get("")
def routing(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Who gets which alerts: escalation, duty per location, each person's preferences."""
    return ROUTING.render(request, manager, session)


@router.post("")
async def settings(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Change the escalation delay and the digest hour."""
    values = await read_form(request)

    def save() -> str:
        data = AlertSettingsIn.model_validate(values)
        save_alert_settings(session=session, tenant=manager.tenant, data=data)
        return "/admin/alerts"

    return submit_form(ROUTING, request, manager, session, save, values=values, form="settings")


@router.post("/locations/{location_id:id}")
async def duty(
    location_id: int, request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Name who is on duty at a location."""
    values = await read_form(request)

    def save() -> str:
        data = DutyIn.model_validate({"user_ids": values.get("user_ids", [])})
        set_duty(session=session, tenant=manager.tenant, location_id=location_id, data=data)
        return "/admin/alerts"

    return submit_form(
        ROUTING, request, manager, session, save, values=values, form=f"duty-{location_id}"
    )


@router.post("/people/{user_id:id}")
async def preferences(
    user_id: int, request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Change one person's alert preferences."""
    values = await read_form(request)

    def save() -> str:
        data = PreferenceIn.model_validate(
            {
                "negative_email": "negative_email" in values,
                "digest_email": "digest_email" in values,
                "weekly_email": "weekly_email" in values,
                "quiet_start": values.get("quiet_start") or "",
                "quiet_end": values.get("quiet_end") or "",
                "language": values.get("language") or "",
            }
        )
        save_preference(session=session, tenant=manager.tenant, user_id=user_id, data=data)
        return "/admin/alerts"

    return submit_form(
        ROUTING, request, manager, session, save, values=values, form=f"person-{user_id}"
    )


@router.get("/deliveries")
def deliveries(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Alerts that could not be delivered yet, with their last error."""
    return DELIVERIES.render(request, manager, session)


@router.post("/deliveries/{delivery_id:id}/retry")
def retry(delivery_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Send a parked delivery again now."""
    retry_delivery(session=session, tenant=manager.tenant, delivery_id=delivery_id)
    return RedirectResponse("/admin/alerts/deliveries", status_code=303)
