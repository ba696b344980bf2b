"""The JSON API for alerts: settings, duty, preferences, webhooks and undelivered alerts."""

from fastapi import APIRouter, Response

from api.alerts.outbox import list_undelivered, retry_delivery
from api.alerts.schemas import (
    AlertSettingsIn,
    DeliveryOut,
    DutyIn,
    PreferenceIn,
    WebhookIn,
    WebhookOut,
    WebhookTestOut,
)
from api.alerts.service import (
    add_webhook,
    delete_webhook,
    list_webhooks,
    routing_overview,
    save_alert_settings,
    save_preference,
    send_test,
    set_duty,
)
from api.errors import error_responses
from api.models import AlertDelivery, Webhook, WebhookStyle
from api.setup.locations import require_owner
from api.web.deps import ApiTenant, PathId, SessionDep, SettingsDep, WriteSessionDep

router = APIRouter(
    prefix="/api/v1", tags=["alerts"], responses=error_responses(400, 401, 403, 404, 409, 422, 503)
)


def webhook_out(webhook: Webhook, *, with_secret: bool = False) -> WebhookOut:
    assert webhook.id is not None
    return WebhookOut(
        id=webhook.id,
        name=webhook.name,
        url=webhook.url,
        style=WebhookStyle(webhook.style),
        location_id=webhook.location_id,
        all_cards=webhook.all_cards,
        language=webhook.language,
        secret=webhook.secret if with_secret else None,
    )


def delivery_out(delivery: AlertDelivery) -> DeliveryOut:
    return DeliveryOut.model_validate(delivery, from_attributes=True)


@router.get("/alerts/settings")
def read_settings(tenant: ApiTenant, session: SessionDep) -> AlertSettingsIn:
    """The escalation delay (minutes) and the digest hour."""
    settings = routing_overview(session=session, tenant=tenant).settings
    return AlertSettingsIn.model_validate(settings, from_attributes=True)


@router.put("/alerts/settings")
def update_settings(
    data: AlertSettingsIn, tenant: ApiTenant, session: WriteSessionDep
) -> AlertSettingsIn:
    """Change the escalation delay and the digest hour."""
    saved = save_alert_settings(session=session, tenant=tenant, data=data)
    return AlertSettingsIn.model_validate(saved, from_attributes=True)


@router.put("/alerts/locations/{location_id:id}/duty")
def update_duty(
    location_id: PathId, data: DutyIn, tenant: ApiTenant, session: WriteSessionDep
) -> DutyIn:
    """Who is on duty at a location (an empty list: its managers)."""
    chosen = set_duty(session=session, tenant=tenant, location_id=location_id, data=data)
    return DutyIn(user_ids=chosen)


@router.put("/alerts/people/{user_id:id}")
def update_preference(
    user_id: PathId, data: PreferenceIn, tenant: ApiTenant, session: WriteSessionDep
) -> PreferenceIn:
    """One person's alert preferences."""
    saved = save_preference(session=session, tenant=tenant, user_id=user_id, data=data)
    return PreferenceIn.model_validate(saved, from_attributes=True)


@router.get("/alerts/deliveries")
def read_deliveries(tenant: ApiTenant, session: SessionDep) -> list[DeliveryOut]:
    """Parked deliveries and those still being retried, with their last error."""
    require_owner(tenant)
    return [delivery_out(row) for row in list_undelivered(session=session, tenant=tenant)]


@router.post("/alerts/deliveries/{delivery_id:id}/retry")
def retry(delivery_id: PathId, tenant: ApiTenant, session: WriteSessionDep) -> DeliveryOut:
    """Send a parked delivery again now."""
    require_owner(tenant)
    return delivery_out(retry_delivery(session=session, tenant=tenant, delivery_id=delivery_id))


@router.get("/webhooks")
def read_webhooks(tenant: ApiTenant, session: SessionDep) -> list[WebhookOut]:
    """The organisation's webhooks (their secrets are never shown again)."""
    return [webhook_out(item) for item in list_webhooks(session=session, tenant=tenant)]


@router.post("/webhooks", status_code=201)
def create_webhook(
    data: WebhookIn,
    tenant: ApiTenant,
    session: WriteSessionDep,
    settings: SettingsDep,
    response: Response,
) -> WebhookOut:
    """Add a webhook (a 422 when its address is on a private network); the answer carries its
    signing secret, this once."""
    response.headers["Cache-Control"] = "no-store"
    webhook = add_webhook(session=session, tenant=tenant, data=data, settings=settings)
    return webhook_out(webhook, with_secret=True)


@router.delete("/webhooks/{webhook_id:id}", status_code=204)
def remove_webhook(webhook_id: PathId, tenant: ApiTenant, session: WriteSessionDep) -> Response:
    """Delete a webhook."""
    delete_webhook(session=session, tenant=tenant, webhook_id=webhook_id)
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id:id}/test")
def test_webhook(
    webhook_id: PathId, tenant: ApiTenant, session: SessionDep, settings: SettingsDep
) -> WebhookTestOut:
    """POST a signed test message now and say, in general terms, whether it arrived."""
    error = send_test(session=session, tenant=tenant, webhook_id=webhook_id, settings=settings)
    return WebhookTestOut(arrived=error is None, error=error.message if error else None)
