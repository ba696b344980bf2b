"""One-click unsubscribe from alert and digest emails (RFC 8058): POST acts, GET only asks."""

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import Response

from api.alerts.unsubscribe import Subscription, read_token, unsubscribe
from api.errors import NotFound
from api.i18n import set_page_language
from api.models import AlertPreference, Organisation, User
from api.templating import templates
from api.web.deps import SecretKeyDep, SessionDep, WriteSessionDep

router = APIRouter(prefix="/unsubscribe", include_in_schema=False)


def subscription_of(
    request: Request, session: Session, token: str, *, secret_key: str
) -> tuple[Subscription, str]:
    """What the link unsubscribes from and the organisation's name; 404 for a link not ours."""
    subscription = read_token(secret_key=secret_key, token=token)
    organisation = session.get(Organisation, subscription.organisation_id) if subscription else None
    user = session.get(User, subscription.user_id) if subscription else None
    if subscription is None or organisation is None or user is None:
        raise NotFound()
    preference = session.get(AlertPreference, (subscription.organisation_id, subscription.user_id))
    # After the browser's: the language of the emails (the alerts' own, the person's, the
    # organisation's).
    default = (
        (preference.language if preference else "")
        or user.language
        or organisation.default_language
    )
    set_page_language(request, default=default)
    return subscription, organisation.name


def page(
    request: Request, token: str, subscription: Subscription, organisation: str, done: bool
) -> Response:
    return templates.TemplateResponse(
        request,
        "alerts/unsubscribe.html",
        {"token": token, "topic": subscription.topic, "organisation": organisation, "done": done},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/{token}")
def confirm(
    token: str, request: Request, session: SessionDep, secret_key: SecretKeyDep
) -> Response:
    """Ask before unsubscribing: link scanners follow every GET, so a GET changes nothing."""
    subscription, organisation = subscription_of(request, session, token, secret_key=secret_key)
    return page(request, token, subscription, organisation, done=False)


@router.post("/{token}")
def unsubscribe_now(
    token: str, request: Request, session: WriteSessionDep, secret_key: SecretKeyDep
) -> Response:
    """Unsubscribe; the link is the credential, so no session is needed (mail providers post)."""
    subscription, organisation = subscription_of(request, session, token, secret_key=secret_key)
    unsubscribe(session=session, subscription=subscription)
    return page(request, token, subscription, organisation, done=True)
