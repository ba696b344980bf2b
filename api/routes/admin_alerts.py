"""The owner's alert pages: routing (settings, duty, people) and failed deliveries (with Retry)."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from api.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
    positive_id,
)
from api.i18n import LANGUAGES
from api.routes.admin import form_errors, read_form, render
from api.schemas_alerts import AlertSettingsIn, DutyIn, PreferenceIn
from api.services.accounts import SignedIn
from api.services.alert_admin import (
    routing_overview,
    save_alert_settings,
    save_preference,
    set_duty,
)
from api.services.locations import require_owner
from api.services.outbox import list_undelivered, retry_delivery

router = APIRouter(prefix="/admin/alerts", include_in_schema=False, dependencies=[OWNER_ONLY])


def routing_page(
    request: Request,
    manager: SignedIn,
    session: Any,
    *,
    status_code: int = 200,
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    routing = routing_overview(session=session, tenant=manager.tenant)
    return render(
        request,
        "alert_routing.html",
        manager,
        status_code=status_code,
        routing=routing,
        catalogues=sorted((lang.tag, lang.name) for lang in LANGUAGES.values()),
        failed_form=form,
        values=values or {},
        errors=errors or {},
    )


@router.get("")
def routing(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Who gets which alerts: escalation, duty per location, each person's preferences."""
    require_owner(manager.tenant)
    return routing_page(request, manager, session)


async def _save(
    request: Request, manager: SignedIn, session: Any, form: str, save: Any
) -> Response:
    values = await read_form(request)
    try:
        save(values)
    except ValidationError as error:
        return routing_page(
            request,
            manager,
            session,
            status_code=422,
            form=form,
            values=values,
            errors=form_errors(error),
        )
    return RedirectResponse("/admin/alerts", status_code=303)


@router.post("")
async def settings(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Change the escalation delay and the digest hour."""
    require_owner(manager.tenant)
    return await _save(
        request,
        manager,
        session,
        "settings",
        lambda values: save_alert_settings(
            session=session, tenant=manager.tenant, data=AlertSettingsIn.model_validate(values)
        ),
    )


@router.post("/locations/{location_id}")
async def duty(
    location_id: str, request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Name who is on duty at a location."""
    require_owner(manager.tenant)
    place = positive_id(location_id)
    form = await request.form()
    user_ids = [int(str(v)) for v in form.getlist("user_ids") if str(v).isdigit()]
    set_duty(
        session=session, tenant=manager.tenant, location_id=place, data=DutyIn(user_ids=user_ids)
    )
    return RedirectResponse("/admin/alerts", status_code=303)


@router.post("/people/{user_id}")
async def preferences(
    user_id: str, request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Change one person's alert preferences."""
    require_owner(manager.tenant)
    person = positive_id(user_id)

    def save(values: dict[str, Any]) -> None:
        data = PreferenceIn.model_validate(
            {
                "negative_email": "negative_email" in values,
                "digest_email": "digest_email" in values,
                "quiet_start": values.get("quiet_start") or "",
                "quiet_end": values.get("quiet_end") or "",
                "language": values.get("language") or "",
            }
        )
        save_preference(session=session, tenant=manager.tenant, user_id=person, data=data)

    return await _save(request, manager, session, f"person-{person}", save)


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
