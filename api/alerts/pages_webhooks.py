"""The owner's webhooks page: add one (its signing secret shown once), send a test, delete."""

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.alerts.schemas import WebhookIn
from api.alerts.service import add_webhook, delete_webhook, list_webhooks, send_test
from api.i18n import LANGUAGES, page_language
from api.models import WebhookStyle
from api.setup.locations import list_locations
from api.web.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form

router = APIRouter(
    prefix="/admin/alerts/webhooks", include_in_schema=False, dependencies=[OWNER_ONLY]
)


def webhooks_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    places = list_locations(session=session, tenant=manager.tenant, include_archived=True)
    return {
        "webhooks": list_webhooks(session=session, tenant=manager.tenant),
        "locations": [place for place in places if place.archived_at is None],
        # By id as the form sends it, for a place archived since the form was opened: still
        # named where it is chosen.
        "archived_names": {str(place.id): place.name for place in places if place.archived_at},
        "styles": list(WebhookStyle),
        "catalogues": sorted((lang.tag, lang.name) for lang in LANGUAGES.values()),
    }


WEBHOOKS = FormPage("alerts/webhooks.html", webhooks_context, {"style": "json", "language": "en"})


@router.get("")
def webhooks(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's webhooks."""
    return WEBHOOKS.render(request, manager, session)


@router.post("")
async def add(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep, settings: SettingsDep
) -> Response:
    """Add a webhook and show its signing secret this once (never cached)."""
    values = await read_form(request)

    def save() -> Response:
        choices = {
            "location_id": values.get("location_id") or None,
            "all_cards": "all_cards" in values,
        }
        data = WebhookIn.model_validate(values | choices)
        webhook = add_webhook(session=session, tenant=manager.tenant, data=data, settings=settings)
        response = WEBHOOKS.render(request, manager, session, new_webhook=webhook)
        response.headers["Cache-Control"] = "no-store"
        return response

    # In a worker thread: saving looks the address's name up, which may take a moment.
    return await run_in_threadpool(
        submit_form,
        WEBHOOKS,
        request,
        manager,
        session,
        save,
        values=values,
        error_field="url",
        fields_with_errors=("location_id",),
    )


@router.post("/{webhook_id:id}/test")
def test(
    webhook_id: int,
    request: Request,
    manager: CsrfCheckedManager,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Send a signed test message now and say, in general terms, whether it arrived."""
    error = send_test(
        session=session, tenant=manager.tenant, webhook_id=webhook_id, settings=settings
    )
    shown = error.in_language(page_language(request)) if error else None
    return WEBHOOKS.render(request, manager, session, tested=webhook_id, test_error=shown)


@router.post("/{webhook_id:id}/delete")
def delete(webhook_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Delete a webhook."""
    delete_webhook(session=session, tenant=manager.tenant, webhook_id=webhook_id)
    return RedirectResponse("/admin/alerts/webhooks", status_code=303)
