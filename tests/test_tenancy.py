"""Tenant isolation: another organisation's manager gets from every route what a missing id gets.

The walk covers every route in `app.routes`; a route added without an entry in ROUTES (or in
NOT_WALKED, with a reason) fails `test_every_route_is_in_the_table`.
"""

import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import fastapi.routing
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from httpx2 import Response
from sqlmodel import Session, SQLModel, col, select

from api.accounts.service import add_membership, create_user
from api.accounts.staff_links import new_staff_link
from api.customer.follow_up.service import follow_up_hash
from api.inbox.card_work import add_note
from api.models import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    AlertPreference,
    AlertSettings,
    ApiKey,
    Card,
    CardText,
    Certificate,
    Code,
    DeliveryStatus,
    Employee,
    Event,
    Invitation,
    Kiosk,
    KudosScreen,
    Location,
    LocationDuty,
    Membership,
    Organisation,
    OrganisationMailServer,
    PassOn,
    PushSubscription,
    Reply,
    ReplyTemplate,
    Role,
    Webhook,
)
from api.people.invitations import create_invitation
from api.people.schemas import InvitationIn
from api.recognition.service import pass_on_compliment
from api.security import new_secret
from api.setup.api_keys.service import create_api_key
from api.setup.kiosks import open_kiosk
from api.tenancy import Tenant
from tests.client import TestClient
from tests.databases import Starts
from tests.factories import World, make_card, make_manager, make_world
from tests.helpers import csrf_token, log_in

MISSING_ID = 999999
# Plain ASCII, nothing HTML or JSON would escape: a leak cannot hide behind an encoding.
PRIVATE_COMMENT = "The espresso machine leaks; only its own managers may read this"
PRIVATE_EMAIL = "private.customer@example.com"
PRIVATE_NOTE = "Internal note: the table of this customer was given to a regular"
# A browser's P-256 public key (any point on the curve will do for the walk).
PUSH_P256DH = (
    "BFD4ZAEbOn3zxrL4tNuXX4-pSEUrZ-ay0wNs9Us5aijmdVu-q17LnQrkQBFIi0fPVU2B7z1Rcvo3eQMpChjN2d0"
)
PUSH_AUTH = "c2VjcmV0LWF1dGgtMTZieQ"  # 16 bytes, base64url
WORLD_PUSH_ENDPOINT = "https://push.example.com/world"


class Kind(StrEnum):
    PUBLIC = "public: token-addressed, answers anyone who holds the printed token"
    NO_ID = "no id: acts on the caller's own organisation only"
    TENANT_ID = "tenant id: names a row of one organisation in its path"
    STAFF_ID = "staff id: names a row of the signed-in staff member's own in its path"


ROUTES: dict[tuple[str, str], Kind] = {
    ("GET", "/"): Kind.NO_ID,
    ("GET", "/healthz"): Kind.NO_ID,
    ("GET", "/login"): Kind.NO_ID,
    ("POST", "/login"): Kind.NO_ID,
    ("GET", "/forgot-password"): Kind.NO_ID,
    ("POST", "/forgot-password"): Kind.NO_ID,
    ("GET", "/forgot-password/sent"): Kind.NO_ID,
    ("GET", "/account/security/password"): Kind.NO_ID,
    ("POST", "/account/security/password"): Kind.NO_ID,
    ("GET", "/account/security/email"): Kind.NO_ID,
    ("POST", "/account/security/email"): Kind.NO_ID,
    ("GET", "/account/email/changed"): Kind.NO_ID,
    ("POST", "/logout"): Kind.NO_ID,
    ("GET", "/inbox"): Kind.NO_ID,
    ("GET", "/inbox/stream"): Kind.NO_ID,
    ("GET", "/inbox/sw.js"): Kind.NO_ID,
    ("POST", "/inbox/push/subscribe"): Kind.NO_ID,
    ("POST", "/inbox/push/unsubscribe"): Kind.NO_ID,
    ("POST", "/inbox/push/test"): Kind.NO_ID,
    ("GET", "/api/v1/cards"): Kind.NO_ID,
    ("GET", "/c/{token}"): Kind.PUBLIC,
    ("GET", "/C/{token}"): Kind.PUBLIC,
    ("POST", "/c/{token}"): Kind.PUBLIC,
    ("POST", "/C/{token}"): Kind.PUBLIC,
    ("GET", "/qr/{token}.{extension}"): Kind.PUBLIC,
    ("GET", "/c/{token}/manifest.webmanifest"): Kind.PUBLIC,
    ("GET", "/C/{token}/manifest.webmanifest"): Kind.PUBLIC,
    ("GET", "/sw.js"): Kind.NO_ID,
    ("GET", "/api/v1/codes/{token}"): Kind.PUBLIC,
    ("POST", "/api/v1/codes/{token}/cards"): Kind.PUBLIC,
    ("GET", "/inbox/{card_id}"): Kind.TENANT_ID,
    ("POST", "/inbox/{card_id}/seen"): Kind.TENANT_ID,
    ("POST", "/inbox/{card_id}/acknowledge"): Kind.TENANT_ID,
    ("POST", "/inbox/{card_id}/resolve"): Kind.TENANT_ID,
    ("POST", "/inbox/{card_id}/dismiss"): Kind.TENANT_ID,
    ("GET", "/api/v1/cards/{card_id}"): Kind.TENANT_ID,
    ("PATCH", "/api/v1/cards/{card_id}"): Kind.TENANT_ID,
    ("GET", "/inbox/export.csv"): Kind.NO_ID,
    ("POST", "/inbox/bulk"): Kind.NO_ID,
    ("POST", "/inbox/{card_id}/assign"): Kind.TENANT_ID,
    ("POST", "/inbox/{card_id}/notes"): Kind.TENANT_ID,
    ("POST", "/inbox/{card_id}/tags"): Kind.TENANT_ID,
    ("POST", "/inbox/{card_id}/tags/remove"): Kind.TENANT_ID,
    ("PUT", "/api/v1/cards/{card_id}/assignee"): Kind.TENANT_ID,
    ("GET", "/api/v1/cards/{card_id}/notes"): Kind.TENANT_ID,
    ("POST", "/api/v1/cards/{card_id}/notes"): Kind.TENANT_ID,
    ("PUT", "/api/v1/cards/{card_id}/tags/{tag}"): Kind.TENANT_ID,
    ("DELETE", "/api/v1/cards/{card_id}/tags/{tag}"): Kind.TENANT_ID,
    ("GET", "/api/v1/cards/{card_id}/history"): Kind.TENANT_ID,
    ("GET", "/admin"): Kind.NO_ID,
    ("GET", "/admin/locations"): Kind.NO_ID,
    ("POST", "/admin/locations"): Kind.NO_ID,
    ("POST", "/admin/locations/{location_id}"): Kind.TENANT_ID,
    ("GET", "/admin/employees"): Kind.NO_ID,
    ("POST", "/admin/employees"): Kind.NO_ID,
    ("POST", "/admin/employees/{employee_id}"): Kind.TENANT_ID,
    ("GET", "/admin/employees/{employee_id}/archive"): Kind.TENANT_ID,
    ("POST", "/admin/employees/{employee_id}/archive"): Kind.TENANT_ID,
    ("POST", "/admin/employees/{employee_id}/restore"): Kind.TENANT_ID,
    ("GET", "/admin/locations/{location_id}/archive"): Kind.TENANT_ID,
    ("POST", "/admin/locations/{location_id}/archive"): Kind.TENANT_ID,
    ("POST", "/admin/locations/{location_id}/restore"): Kind.TENANT_ID,
    ("GET", "/admin/codes"): Kind.NO_ID,
    ("POST", "/admin/codes"): Kind.NO_ID,
    ("GET", "/admin/codes/{code_id}"): Kind.TENANT_ID,
    ("GET", "/admin/codes/{code_id}/revoke"): Kind.TENANT_ID,
    ("POST", "/admin/codes/{code_id}/revoke"): Kind.TENANT_ID,
    ("GET", "/admin/codes/{code_id}/replace"): Kind.TENANT_ID,
    ("POST", "/admin/codes/{code_id}/replace"): Kind.TENANT_ID,
    ("POST", "/admin/codes/{code_id}/move"): Kind.TENANT_ID,
    ("GET", "/admin/print"): Kind.NO_ID,
    ("GET", "/admin/print/sheet.pdf"): Kind.NO_ID,
    ("GET", "/admin/print/preview.png"): Kind.NO_ID,
    ("GET", "/api/v1/sheets"): Kind.NO_ID,
    ("GET", "/analytics"): Kind.NO_ID,
    ("GET", "/analytics/export.csv"): Kind.NO_ID,
    ("GET", "/api/v1/analytics"): Kind.NO_ID,
    ("POST", "/organisation"): Kind.NO_ID,
    ("GET", "/login/two-factor"): Kind.NO_ID,
    ("POST", "/login/two-factor"): Kind.NO_ID,
    ("GET", "/account/security"): Kind.NO_ID,
    ("POST", "/account/security/setup"): Kind.NO_ID,
    ("POST", "/account/security/language"): Kind.NO_ID,
    ("POST", "/account/security/enable"): Kind.NO_ID,
    ("POST", "/account/security/recovery-codes"): Kind.NO_ID,
    ("POST", "/account/security/disable"): Kind.NO_ID,
    ("POST", "/admin/organisation/two-factor"): Kind.NO_ID,
    ("GET", "/admin/card-texts"): Kind.NO_ID,
    ("POST", "/admin/card-texts"): Kind.NO_ID,
    ("GET", "/api/v1/card-texts"): Kind.NO_ID,
    ("GET", "/api/v1/organisation"): Kind.NO_ID,
    ("PUT", "/api/v1/organisation"): Kind.NO_ID,
    ("PUT", "/api/v1/organisation/logo"): Kind.NO_ID,
    ("DELETE", "/api/v1/organisation/logo"): Kind.NO_ID,
    ("PUT", "/api/v1/organisation/two-factor"): Kind.NO_ID,
    ("PUT", "/api/v1/card-texts/{language}"): Kind.NO_ID,
    ("GET", "/admin/organisation"): Kind.NO_ID,
    ("GET", "/admin/api-keys"): Kind.NO_ID,
    ("POST", "/admin/api-keys"): Kind.NO_ID,
    ("POST", "/admin/api-keys/{key_id}/revoke"): Kind.TENANT_ID,
    ("GET", "/admin/kiosks"): Kind.NO_ID,
    ("POST", "/admin/kiosks"): Kind.NO_ID,
    ("POST", "/admin/kiosks/{kiosk_id}/revoke"): Kind.TENANT_ID,
    ("POST", "/admin/organisation"): Kind.NO_ID,
    ("POST", "/admin/organisation/logo"): Kind.NO_ID,
    ("POST", "/admin/organisation/logo/remove"): Kind.NO_ID,
    ("GET", "/api/v1/locations"): Kind.NO_ID,
    ("POST", "/api/v1/locations"): Kind.NO_ID,
    ("PUT", "/api/v1/locations/{location_id}"): Kind.TENANT_ID,
    ("POST", "/api/v1/locations/{location_id}/archive"): Kind.TENANT_ID,
    ("POST", "/api/v1/locations/{location_id}/restore"): Kind.TENANT_ID,
    ("GET", "/api/v1/employees"): Kind.NO_ID,
    ("POST", "/api/v1/employees"): Kind.NO_ID,
    ("PUT", "/api/v1/employees/{employee_id}"): Kind.TENANT_ID,
    ("POST", "/api/v1/employees/{employee_id}/deactivate"): Kind.TENANT_ID,
    ("POST", "/api/v1/employees/{employee_id}/archive"): Kind.TENANT_ID,
    ("POST", "/api/v1/employees/{employee_id}/restore"): Kind.TENANT_ID,
    ("GET", "/api/v1/codes"): Kind.NO_ID,
    ("POST", "/api/v1/codes"): Kind.NO_ID,
    ("PUT", "/api/v1/codes/{code_id}"): Kind.TENANT_ID,
    ("POST", "/api/v1/codes/{code_id}/revoke"): Kind.TENANT_ID,
    ("POST", "/api/v1/codes/{code_id}/replace"): Kind.TENANT_ID,
    ("GET", "/f/{token}"): Kind.PUBLIC,
    ("GET", "/f/{token}/stream"): Kind.PUBLIC,
    ("GET", "/api/v1/follow-up/{token}"): Kind.PUBLIC,
    ("POST", "/inbox/{card_id}/replies"): Kind.TENANT_ID,
    ("POST", "/inbox/{card_id}/pass-on"): Kind.TENANT_ID,
    ("GET", "/inbox/templates"): Kind.NO_ID,
    ("POST", "/inbox/templates"): Kind.NO_ID,
    ("POST", "/inbox/templates/{template_id}"): Kind.TENANT_ID,
    ("POST", "/inbox/templates/{template_id}/delete"): Kind.TENANT_ID,
    ("GET", "/api/v1/cards/{card_id}/replies"): Kind.TENANT_ID,
    ("POST", "/api/v1/cards/{card_id}/replies"): Kind.TENANT_ID,
    ("POST", "/api/v1/cards/{card_id}/pass-on"): Kind.TENANT_ID,
    ("GET", "/kudos/{slug}"): Kind.PUBLIC,
    ("GET", "/kudos/{slug}/{location_id}"): Kind.PUBLIC,
    ("POST", "/inbox/{card_id}/share/approve"): Kind.TENANT_ID,
    ("POST", "/inbox/{card_id}/share/withdraw"): Kind.TENANT_ID,
    ("POST", "/api/v1/cards/{card_id}/share/approve"): Kind.TENANT_ID,
    ("POST", "/api/v1/cards/{card_id}/share/withdraw"): Kind.TENANT_ID,
    ("GET", "/admin/kudos"): Kind.NO_ID,
    ("POST", "/admin/kudos/screens"): Kind.NO_ID,
    ("POST", "/admin/kudos/screens/{screen_id}/replace"): Kind.TENANT_ID,
    ("POST", "/admin/kudos/screens/{screen_id}/revoke"): Kind.TENANT_ID,
    ("GET", "/admin/people"): Kind.NO_ID,
    ("POST", "/admin/people/invitations"): Kind.NO_ID,
    ("POST", "/admin/people/invitations/{invitation_id}/revoke"): Kind.TENANT_ID,
    ("POST", "/admin/people/{membership_id}"): Kind.TENANT_ID,
    ("POST", "/admin/people/{membership_id}/remove"): Kind.TENANT_ID,
    ("GET", "/admin/mail"): Kind.NO_ID,
    ("POST", "/admin/mail"): Kind.NO_ID,
    ("POST", "/admin/mail/remove"): Kind.NO_ID,
    ("POST", "/admin/mail/test"): Kind.NO_ID,
    ("GET", "/invitations/{token}"): Kind.PUBLIC,
    ("POST", "/invitations/{token}"): Kind.PUBLIC,
    ("GET", "/api/v1/members"): Kind.NO_ID,
    ("PUT", "/api/v1/members/{member_id}"): Kind.TENANT_ID,
    ("DELETE", "/api/v1/members/{member_id}"): Kind.TENANT_ID,
    ("GET", "/api/v1/invitations"): Kind.NO_ID,
    ("POST", "/api/v1/invitations"): Kind.NO_ID,
    ("POST", "/api/v1/invitations/{invitation_id}/revoke"): Kind.TENANT_ID,
    ("GET", "/api/v1/mail-server"): Kind.NO_ID,
    ("PUT", "/api/v1/mail-server"): Kind.NO_ID,
    ("DELETE", "/api/v1/mail-server"): Kind.NO_ID,
    ("POST", "/api/v1/mail-server/test"): Kind.NO_ID,
    ("GET", "/admin/alerts"): Kind.NO_ID,
    ("POST", "/admin/alerts"): Kind.NO_ID,
    ("POST", "/admin/alerts/locations/{location_id}"): Kind.TENANT_ID,
    ("POST", "/admin/alerts/people/{user_id}"): Kind.TENANT_ID,
    ("GET", "/admin/alerts/deliveries"): Kind.NO_ID,
    ("POST", "/admin/alerts/deliveries/{delivery_id}/retry"): Kind.TENANT_ID,
    ("GET", "/admin/alerts/webhooks"): Kind.NO_ID,
    ("POST", "/admin/alerts/webhooks"): Kind.NO_ID,
    ("POST", "/admin/alerts/webhooks/{webhook_id}/test"): Kind.TENANT_ID,
    ("POST", "/admin/alerts/webhooks/{webhook_id}/delete"): Kind.TENANT_ID,
    ("GET", "/api/v1/alerts/settings"): Kind.NO_ID,
    ("PUT", "/api/v1/alerts/settings"): Kind.NO_ID,
    ("PUT", "/api/v1/alerts/locations/{location_id}/duty"): Kind.TENANT_ID,
    ("PUT", "/api/v1/alerts/people/{user_id}"): Kind.TENANT_ID,
    ("GET", "/api/v1/alerts/deliveries"): Kind.NO_ID,
    ("POST", "/api/v1/alerts/deliveries/{delivery_id}/retry"): Kind.TENANT_ID,
    ("GET", "/api/v1/webhooks"): Kind.NO_ID,
    ("POST", "/api/v1/webhooks"): Kind.NO_ID,
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): Kind.TENANT_ID,
    ("POST", "/api/v1/webhooks/{webhook_id}/test"): Kind.TENANT_ID,
    ("GET", "/inbox/leaderboard"): Kind.NO_ID,
    ("POST", "/admin/leaderboard"): Kind.NO_ID,
    ("GET", "/inbox/service-week"): Kind.NO_ID,
    ("GET", "/inbox/service-week/certificates.pdf"): Kind.NO_ID,
    ("GET", "/inbox/service-week/poster.pdf"): Kind.NO_ID,
    ("GET", "/inbox/certificates/{employee_id}"): Kind.TENANT_ID,
    ("POST", "/inbox/certificates/{employee_id}"): Kind.TENANT_ID,
    ("GET", "/inbox/certificates/{employee_id}/certificate.pdf"): Kind.TENANT_ID,
    ("GET", "/staff"): Kind.NO_ID,
    ("GET", "/staff/sign-in"): Kind.NO_ID,
    ("POST", "/staff/sign-in"): Kind.NO_ID,
    ("GET", "/staff/sign-in/sent"): Kind.NO_ID,
    ("GET", "/inbox/staff-sign-in"): Kind.NO_ID,
    ("POST", "/inbox/staff-sign-in/{employee_id}"): Kind.TENANT_ID,
    ("GET", "/admin/data"): Kind.NO_ID,
    ("POST", "/admin/data/retention"): Kind.NO_ID,
    ("POST", "/admin/data/rights"): Kind.NO_ID,
    ("POST", "/admin/data/rights/export.json"): Kind.NO_ID,
    ("POST", "/admin/data/rights/erase"): Kind.NO_ID,
    ("GET", "/admin/data/delete"): Kind.NO_ID,
    ("POST", "/admin/data/delete"): Kind.NO_ID,
    ("GET", "/f/{token}/erase"): Kind.PUBLIC,
    ("GET", "/staff/certificates/{certificate_id}.pdf"): Kind.STAFF_ID,
}

# Routes the walk leaves out, by (name, path), each with the reason it holds no tenant data.
NOT_WALKED: dict[tuple[str, str], str] = {
    ("openapi", "/api/v1/openapi.json"): "FastAPI's schema: describes routes, holds no rows",
    ("api_docs", "/api/docs"): "the API's docs page: the same HTML for everyone",
    ("api-docs-assets", "/api/docs/assets"): "the Mount of Swagger UI's files: the same for all",
    ("static", "/static"): "the Mount of web/static: files that are the same for everyone",
    ("logo", "/logo/{slug}.png"): "an organisation's public logo (test_admin_profile covers it)",
    ("confirm", "/unsubscribe/{token}"): "an HMAC-signed unsubscribe link is its own credential "
    "and names no row by id (tests/alerts/test_schedule.py tries a tampered one)",
    ("unsubscribe_now", "/unsubscribe/{token}"): "as the GET above: the signed link's POST",
    ("reset_form", "/password-reset/{token}"): "a one-time reset link is its own credential and "
    "names no row by id (test_password_reset.py tries used, expired and unknown ones)",
    ("use_reset_link", "/password-reset/{token}"): "as the GET above: the link's POST",
    ("kiosk_card", "/k/{token}"): "a kiosk's device link is its own credential and names no row "
    "by id (tests/customer/test_kiosk.py tries revoked and unknown ones)",
    ("kiosk_send", "/k/{token}"): "as the GET above: the kiosk's cards",
    ("kiosk_manifest", "/k/{token}/manifest.webmanifest"): "as the GET above: its app manifest",
    ("confirm_form", "/account/email/confirm/{token}"): "a one-time confirmation link is its own "
    "credential and names no row by id (test_change_email.py tries used and unknown ones)",
    ("confirm", "/account/email/confirm/{token}"): "as the GET above: the link's POST",
    ("tv_screen", "/tv/{token}"): "a random kudos TV link is its own credential and names no "
    "row by id (tests/kudos/test_wall.py tries replaced, revoked and unknown ones)",
    ("tv_kudos", "/tv/{token}/kudos.json"): "as the GET above: the TV page's poll",
    ("withdraw_page", "/f/{token}/share/withdraw"): "the customer's follow-up token is its own "
    "credential, and withdrawing their compliment is theirs to do (tests/kudos/test_wall.py)",
    ("withdraw_json", "/api/v1/follow-up/{token}/share/withdraw"): "as the POST above, in JSON",
    ("link_page", "/staff/link/{token}"): "a one-time staff sign-in link is its own credential "
    "and names no row by id (tests/staff/test_staff.py tries used, expired, unknown and other "
    "organisations' ones)",
    ("use_link", "/staff/link/{token}"): "as the GET above: the link's POST",
    ("erase_own_card", "/f/{token}/erase"): "the follow-up link is the customer's credential and "
    "erasing with it is its point; tests/lifecycle/test_pages.py tries a used link",
}

# Valid form bodies, so that a refusal is tenancy and not a validation error.
NEW_PASSWORD = "a kettle sings at dawn"
MAIL_SERVER = {"host": "127.0.0.1", "port": 2525, "from_address": "x@intruder.example"}
FORM_BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("POST", "/admin/locations"): {"name": "Intruder's new place", "kind": "desk"},
    ("POST", "/admin/locations/{location_id}"): {"name": "Renamed", "kind": "desk"},
    ("POST", "/admin/employees"): {"display_name": "Intruder's new hire"},
    ("POST", "/admin/employees/{employee_id}"): {"display_name": "Renamed", "role_title": "X"},
    ("POST", "/admin/codes"): {"label": "Intruder's code"},
    ("POST", "/admin/api-keys"): {"name": "Intruder's key"},
    ("POST", "/admin/kiosks"): {"name": "Intruder's kiosk"},
    ("POST", "/admin/codes/{code_id}/move"): {"label": "Moved"},
    ("POST", "/inbox/{card_id}/replies"): {"body": "An intruder's reply"},
    ("POST", "/inbox/{card_id}/pass-on"): {"note": "An intruder's thanks"},
    ("POST", "/inbox/templates"): {"title": "Intruder's", "body": "Their text"},
    ("POST", "/inbox/templates/{template_id}"): {"title": "Renamed", "body": "Changed"},
    ("POST", "/admin/card-texts"): {"language": "fr", "question": "Intruder's question"},
    ("POST", "/admin/organisation/two-factor"): {"required": "on"},
    ("POST", "/admin/people/invitations"): {"email": "intruder.invite@example.com"},
    ("POST", "/admin/people/{membership_id}"): {"role": "owner"},
    ("POST", "/admin/mail"): MAIL_SERVER,
    # The intruder's own organisation's invitation: a link works for whoever holds it.
    ("POST", "/invitations/{token}"): {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    ("POST", "/inbox/bulk"): {"action": "resolve"},
    ("POST", "/inbox/{card_id}/assign"): {"assignee": ""},
    ("POST", "/inbox/{card_id}/notes"): {"body": "Intruder's note"},
    ("POST", "/inbox/{card_id}/tags"): {"tag": "intruder"},
    ("POST", "/inbox/{card_id}/tags/remove"): {"tag": "intruder"},
    ("POST", "/admin/alerts"): {"escalation_minutes": "5", "digest_hour": "9"},
    ("POST", "/admin/alerts/people/{user_id}"): {"quiet_start": "22:00", "quiet_end": "07:00"},
    ("POST", "/admin/alerts/webhooks"): {"name": "Intruder's hook", "url": "https://example.com/"},
    ("POST", "/admin/leaderboard"): {"minimum": "1", "for_staff": "on"},
    # The last 30 days: the passed-on compliment below (without words, so nothing to quote).
    ("POST", "/inbox/certificates/{employee_id}"): {},
    ("POST", "/admin/data/retention"): {"contact_days": "90", "card_days": ""},
    # Another organisation's customer: the intruder must find, export and erase none of it.
    ("POST", "/admin/data/rights"): {"email": PRIVATE_EMAIL},
    ("POST", "/admin/data/rights/export.json"): {"email": PRIVATE_EMAIL},
    ("POST", "/admin/data/rights/erase"): {"email": PRIVATE_EMAIL, "checked": "on"},
    ("POST", "/admin/data/delete"): {"confirm": "Not the organisation's name"},
}

JSON_BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("POST", "/api/v1/locations"): {"name": "Intruder's API place"},
    ("PUT", "/api/v1/locations/{location_id}"): {"name": "Renamed", "kind": "desk"},
    ("POST", "/api/v1/employees"): {"display_name": "Intruder's API hire"},
    ("PUT", "/api/v1/employees/{employee_id}"): {"display_name": "Renamed"},
    ("PATCH", "/api/v1/cards/{card_id}"): {"status": "resolved"},
    ("PUT", "/api/v1/cards/{card_id}/assignee"): {"assignee_id": None},
    ("POST", "/api/v1/cards/{card_id}/notes"): {"body": "Intruder's API note"},
    ("POST", "/api/v1/codes/{token}/cards"): {"rating": 5, "comment": "Sent through the API"},
    ("POST", "/api/v1/cards/{card_id}/replies"): {"body": "An intruder's API reply"},
    ("POST", "/api/v1/cards/{card_id}/pass-on"): {"note": "An intruder's API thanks"},
    ("PUT", "/api/v1/card-texts/{language}"): {"question": "Intruder's API question"},
    ("PUT", "/api/v1/organisation"): {
        "name": "Intruder's renamed organisation",
        "accent_colour": "#123456",
    },
    ("PUT", "/api/v1/organisation/two-factor"): {"required": False},
    ("PUT", "/api/v1/members/{member_id}"): {"role": "owner"},
    ("POST", "/api/v1/invitations"): {"email": "intruder.api.invite@example.com"},
    ("PUT", "/api/v1/mail-server"): MAIL_SERVER,
    ("POST", "/api/v1/mail-server/test"): {"to": "intruder@example.com"},
    ("PUT", "/api/v1/alerts/settings"): {"escalation_minutes": 5, "digest_hour": 9},
    ("PUT", "/api/v1/alerts/locations/{location_id}/duty"): {"user_ids": []},
    ("PUT", "/api/v1/alerts/people/{user_id}"): {"negative_email": False},
    ("POST", "/api/v1/webhooks"): {"name": "Intruder's hook", "url": "https://example.com/"},
}


# JSON a page's script POSTs, with the CSRF token in X-CSRF-Token rather than a form field.
PAGE_JSON_BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("POST", "/inbox/push/subscribe"): {
        "endpoint": "https://push.example.com/intruder",
        "keys": {"p256dh": PUSH_P256DH, "auth": PUSH_AUTH},
    },
    ("POST", "/inbox/push/unsubscribe"): {"endpoint": WORLD_PUSH_ENDPOINT},
    ("POST", "/inbox/push/test"): {},
    ("PUT", "/api/v1/alerts/settings"): {"escalation_minutes": 5, "digest_hour": 9},
    ("PUT", "/api/v1/alerts/locations/{location_id}/duty"): {"user_ids": []},
    ("PUT", "/api/v1/alerts/people/{user_id}"): {"negative_email": False},
    ("POST", "/api/v1/webhooks"): {"name": "Intruder's hook", "url": "https://example.com/"},
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) for every route the app answers, minus NOT_WALKED."""
    # Newer FastAPI keeps included routers as groups in app.routes; this flattens them.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(flatten(app.routes)) if flatten else list(app.routes)
    found: set[tuple[str, str]] = set()
    for route in routes:
        name, path = getattr(route, "name", None), getattr(route, "path", None)
        # `/inbox/{card_id:id}` as `/inbox/{card_id}`: the table names parameters, not convertors.
        path = re.sub(r":\w+}", "}", str(path))
        if (name, path) in NOT_WALKED:
            continue
        methods = getattr(route, "methods", None) or {f"ANY ({type(route).__name__})"}
        # HEAD comes with GET on Starlette routes: walking GET covers it.
        found |= {(method, str(path)) for method in methods if method != "HEAD"}
    return found


def test_every_route_is_in_the_table(app: FastAPI) -> None:
    routes = app_routes(app)
    unlisted = routes - ROUTES.keys()
    assert not unlisted, (
        f"Routes with no entry in the tenancy walk: {sorted(unlisted)}. Add each to ROUTES in "
        f"{__name__} with its Kind (or to NOT_WALKED with a reason), so that another "
        "organisation's manager is tried against it."
    )
    stale = ROUTES.keys() - routes
    assert not stale, f"ROUTES lists routes the app no longer has: {sorted(stale)}"


# The world card's follow-up token: the customer's, which the /f/ routes are addressed by.
FOLLOW_UP_TOKEN = new_secret(24)


@pytest.fixture
def world_card(session: Session, world: World) -> Card:
    return make_world_card(session, world)


def make_world_card(session: Session, world: World) -> Card:
    """The world's card, with an internal note: a leak of either anywhere fails the walk."""
    card = make_card(
        session,
        code=world.counter_code,
        comment=PRIVATE_COMMENT,
        contact_email=PRIVATE_EMAIL,
        follow_up_hash=follow_up_hash(FOLLOW_UP_TOKEN),
        # A compliment that names Maya: its own organisation may pass it on, and its customer
        # let it be shared on the kudos wall (not yet approved: the wall shows none of it).
        employee_id=world.maya.id,
        share_publicly=True,
    )
    assert world.organisation.id is not None
    assert card.id is not None
    tenant = Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)
    add_note(session=session, tenant=tenant, card_id=card.id, body=PRIVATE_NOTE)
    return card


@pytest.fixture
def world_template(session: Session, world: World) -> ReplyTemplate:
    return make_world_template(session, world)


def make_world_template(session: Session, world: World) -> ReplyTemplate:
    template = ReplyTemplate(
        organisation_id=world.organisation.id, title="Sorry", body="We are sorry."
    )
    session.add(template)
    session.commit()
    return template


def make_world_device(session: Session, world: World) -> PushSubscription:
    """The world's owner gets alerts on a phone: an intruder must not stop or read them."""
    assert world.owner.id is not None
    assert world.organisation.id is not None
    row = PushSubscription(
        user_id=world.owner.id,
        organisation_id=world.organisation.id,
        endpoint=WORLD_PUSH_ENDPOINT,
        p256dh=PUSH_P256DH,
        auth=PUSH_AUTH,
    )
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def intruder(app: FastAPI, other_world: World) -> Iterator[TestClient]:
    """The other organisation's owner, signed in through the form."""
    test_client = TestClient(app, follow_redirects=False)
    try:
        log_in(test_client, other_world.owner_email, other_world.password)
        yield test_client
    finally:
        test_client.close()


@pytest.fixture
def intruder_key(session: Session, other_world: World) -> str:
    key, _ = create_api_key(session=session, organisation=other_world.organisation, name="Rival")
    return key


@pytest.fixture
def intruder_invitation(session: Session, other_world: World) -> str:
    return make_intruder_invitation(session, other_world)


def make_intruder_invitation(session: Session, other_world: World) -> str:
    """A link to join the intruder's own organisation."""
    tenant = Tenant(organisation_id=other_world.organisation.id or 0, role=Role.owner)
    token, _ = create_invitation(
        session=session, tenant=tenant, data=InvitationIn(email="new.hire@example.com")
    )
    return token


def world_people(session: Session, world: World) -> dict[str, int]:
    """A manager and an invitation of the world's, for the routes that name them."""
    manager = make_manager(session, world=world, email="world.manager@example.com")
    membership = session.exec(select(Membership).where(Membership.user_id == manager.id)).one()
    tenant = Tenant(organisation_id=world.organisation.id or 0, role=Role.owner)
    _, invitation = create_invitation(
        session=session, tenant=tenant, data=InvitationIn(email="world.invite@example.com")
    )
    assert membership.id is not None
    assert invitation.id is not None
    return {
        "membership_id": membership.id,
        "member_id": membership.id,
        "invitation_id": invitation.id,
    }


def world_certificate(session: Session, world: World) -> int:
    """Maya's certificate of the world's, for the routes that name one."""
    today = date.today()
    certificate = Certificate(
        organisation_id=world.organisation.id or 0,
        employee_id=world.maya.id or 0,
        starts_on=today,
        ends_on=today,
        compliments=1,
        signed_by_name="The world's owner",
    )
    session.add(certificate)
    session.commit()
    assert certificate.id is not None
    return certificate.id


def world_screen(session: Session, world: World) -> int:
    """A kudos TV link of the world's, for the routes that name one."""
    assert world.organisation.id is not None
    screen = KudosScreen(organisation_id=world.organisation.id, token_hash=new_secret(32))
    session.add(screen)
    session.commit()
    assert screen.id is not None
    return screen.id


def world_kiosk(session: Session, world: World) -> int:
    """A kiosk of the world's, for the route that names one."""
    tenant = Tenant(organisation_id=world.organisation.id or 0, role=Role.owner)
    assert world.counter_code.id is not None
    _, kiosk = open_kiosk(
        session=session, tenant=tenant, code_id=world.counter_code.id, name="Counter tablet"
    )
    assert kiosk.id is not None
    return kiosk.id


def route_ids(session: Session, world: World, card: Card, **ids: Any) -> dict[str, Any]:
    """The ids that the routes' paths name: rows of the world's, made here, the card's, and
    `ids` (each walk's template, API key and invitation)."""
    return {
        **make_alert_rows(session, world),
        **world_people(session, world),
        "kiosk_id": world_kiosk(session, world),
        "card_id": id_of(card),
        "location_id": world.counter.id,
        "employee_id": world.maya.id,
        "code_id": world.counter_code.id,
        "screen_id": world_screen(session, world),
        "certificate_id": world_certificate(session, world),
        "slug": world.organisation.slug,
        "language": "fr",
        **ids,
    }


def make_alert_rows(session: Session, world: World) -> dict[str, int]:
    """A parked alert delivery of the world's, for the routes that name one."""
    assert world.organisation.id is not None
    delivery = AlertDelivery(
        organisation_id=world.organisation.id,
        kind=AlertKind.negative,
        channel=AlertChannel.email,
        address=world.owner_email,
        idempotency_key=new_secret(12),
        status=DeliveryStatus.parked,
        last_error=PRIVATE_COMMENT,
    )
    # Nothing listens on port 9: a test message fails at once, and the page says so.
    webhook = Webhook(
        organisation_id=world.organisation.id, name="Ops", url="http://127.0.0.1:9/", secret="s"
    )
    session.add_all([delivery, webhook])
    session.commit()
    assert delivery.id is not None
    assert webhook.id is not None
    assert world.owner.id is not None
    return {"delivery_id": delivery.id, "webhook_id": webhook.id, "user_id": world.owner.id}


def alert_state(session: Session, world: World) -> tuple[object, ...]:
    """The world's alert set-up and deliveries, read fresh."""
    session.rollback()
    organisation_id = world.organisation.id
    rows: list[SQLModel] = []
    for model in (AlertDelivery, Webhook, AlertSettings, AlertPreference):
        rows += session.exec(select(model).where(model.organisation_id == organisation_id)).all()
    places = (world.counter.id, world.terrace.id)
    rows += session.exec(
        select(LocationDuty).where(col(LocationDuty.location_id).in_(places))
    ).all()
    session.commit()
    columns = (
        (type(row).__name__, *(str(getattr(row, c.name)) for c in row.__table__.columns))  # type: ignore[attr-defined]
        for row in rows
    )
    return tuple(sorted(columns))


def soup(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def id_of(card: Card) -> int:
    assert card.id is not None
    return card.id


def stored_state(session: Session, card: Card) -> tuple[object, ...]:
    """What a manager's action would change on the card, read fresh from the database."""
    session.rollback()  # a SQLite read sees the snapshot it started on: start a new one
    row = session.get(Card, id_of(card), populate_existing=True)
    assert row is not None
    steps = ("seen", "acknowledged", "resolved", "dismissed")
    work = session.exec(select(Event.kind).where(Event.card_id == row.id)).all()
    state = (row.status, row.assignee_id, sorted(work)) + tuple(
        getattr(row, f"{step}_{what}") for step in steps for what in ("at", "by_id")
    )
    replies = session.exec(select(Reply.id, Reply.body).where(Reply.card_id == card.id)).all()
    state += (sorted(replies),)
    passed = session.exec(select(PassOn.id, PassOn.note).where(PassOn.card_id == card.id)).all()
    state += (sorted(passed),)
    state += (row.share_approved_at, row.share_withdrawn_at)
    session.commit()  # end the read without expiring the test's objects
    return state


def set_up_state(session: Session, world: World) -> tuple[object, ...]:
    """The organisation's locations, employees and codes, read fresh."""
    session.rollback()
    organisation_id = world.organisation.id
    rows = (
        [
            (row.id, row.name, row.kind)
            for row in session.exec(
                select(Location).where(Location.organisation_id == organisation_id)
            )
        ],
        [
            (row.id, row.display_name, row.role_title, row.active)
            for row in session.exec(
                select(Employee).where(Employee.organisation_id == organisation_id)
            )
        ],
        [
            (row.id, row.label, row.location_id, row.employee_id, row.revoked_at)
            for row in session.exec(select(Code).where(Code.organisation_id == organisation_id))
        ],
        [
            (row.id, row.name, row.revoked_at)
            for row in session.exec(select(ApiKey).where(ApiKey.organisation_id == organisation_id))
        ],
        [
            (row.id, row.location_id, row.revoked_at)
            for row in session.exec(
                select(KudosScreen).where(KudosScreen.organisation_id == organisation_id)
            )
        ],
        [
            (row.id, row.name, row.code_id, row.revoked_at)
            for row in session.exec(select(Kiosk).where(Kiosk.organisation_id == organisation_id))
        ],
        [
            (row.id, row.title, row.body)
            for row in session.exec(
                select(ReplyTemplate).where(ReplyTemplate.organisation_id == organisation_id)
            )
        ],
        [
            (row.language, row.question, row.thanks, row.data_use)
            for row in session.exec(
                select(CardText).where(CardText.organisation_id == organisation_id)
            )
        ],
        [
            row.require_two_factor
            for row in session.exec(select(Organisation).where(Organisation.id == organisation_id))
        ],
        [
            (row.id, row.user_id, row.role)
            for row in session.exec(
                select(Membership).where(Membership.organisation_id == organisation_id)
            )
        ],
        [
            (row.id, row.email, row.revoked_at, row.accepted_at)
            for row in session.exec(
                select(Invitation).where(Invitation.organisation_id == organisation_id)
            )
        ],
        [
            (row.host, row.port)
            for row in session.exec(
                select(OrganisationMailServer).where(
                    OrganisationMailServer.organisation_id == organisation_id
                )
            )
        ],
        [
            (row.id, row.endpoint, row.user_id, row.last_success_at, row.last_failure_at)
            for row in session.exec(
                select(PushSubscription).where(PushSubscription.organisation_id == organisation_id)
            )
        ],
    )
    session.commit()
    return tuple(sorted(group, key=str) for group in rows)


def private_text(world: World) -> tuple[str, ...]:
    return (PRIVATE_COMMENT, PRIVATE_EMAIL, PRIVATE_NOTE, world.owner_email)


def card_form(client: TestClient, url: str) -> dict[str, str]:
    """The card page's hidden fields and a rating, as a customer's browser would send them."""
    page = BeautifulSoup(client.get(url).text, "html.parser")
    fields = {
        str(field["name"]): str(field["value"]) for field in page.select("input[type=hidden]")
    }
    return fields | {"rating": "5"}


def read_stream(client: TestClient, url: str) -> Response:
    """An event stream from its very first event (Last-Event-ID 0) until it says it caught up."""
    with client.stream("GET", url, headers={"Last-Event-ID": "0"}) as response:
        if response.status_code != 200:
            response.read()
            return response
        lines: list[str] = []
        for line in response.iter_lines():
            lines.append(line)
            if line == "" and "event: ready" in lines[-3:]:
                break
        return Response(response.status_code, headers=response.headers, text="\n".join(lines))


def send(
    client: TestClient,
    method: str,
    path: str,
    *,
    token: str,
    ids: dict[str, Any],
    csrf: str,
    api_key: str,
) -> Response:
    """The request a person or script would make to this route, with its path filled in."""
    if path.startswith(("/f/", "/api/v1/follow-up/")):
        token = FOLLOW_UP_TOKEN  # addressed by the customer's follow-up token, not a code's
    if path.startswith("/invitations/"):
        token = ids["invitation_token"]  # type: ignore[assignment]
    url = path.format(token=token, extension="svg", tag="intruder", **ids)
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": new_secret(12)}
        body = JSON_BODIES.get((method, path))
        if path in ("/api/v1/codes", "/api/v1/codes/{code_id}") and method != "GET":
            body = {"label": "API code", "location_id": ids["location_id"]}
        return client.request(method, url, headers=headers, json=body)
    if method == "GET" and path in ("/inbox/stream", "/f/{token}/stream"):
        return read_stream(client, url)
    if method == "GET":
        return client.get(url)
    if (method, path) in PAGE_JSON_BODIES:
        body = PAGE_JSON_BODIES[(method, path)]
        return client.request(method, url, json=body, headers={"X-CSRF-Token": csrf})
    data: dict[str, object] = {"csrf_token": csrf, **FORM_BODIES.get((method, path), {})}
    if path == "/admin/codes/{code_id}/move":
        data["location_id"] = ids["location_id"]  # the caller's own location, or a missing one
    if path == "/admin/kiosks":
        data["code_id"] = ids["code_id"]
    if path.lower().startswith("/c/"):
        data |= card_form(client, url)
    if path == "/admin/kudos/screens":
        data["location_id"] = ids["location_id"]  # a TV link for the caller's location, or not
    if path == "/inbox/bulk":
        data["card"] = ids["card_id"]  # the bulk form names its cards in the body
    return client.request(method, url, data=data)


def normalised(response: Response) -> tuple[int, str, str]:
    """Status, type and body, with the per-response CSP nonce taken out."""
    body = response.text
    nonce = re.search(r"'nonce-([^']+)'", response.headers.get("content-security-policy", ""))
    if nonce:
        body = body.replace(nonce.group(1), "NONCE")
    return response.status_code, response.headers.get("content-type", ""), body


@dataclass(frozen=True)
class WalkStart:
    """What each test of the walk starts from: both organisations, the world's rows that the
    routes name, and the intruder and the world's owner signed in."""

    world: World
    card: Card
    ids: dict[str, Any]
    invitation: str
    intruder_key: str
    own_key: str
    intruder_cookies: dict[str, str]
    owner_cookies: dict[str, str]


@pytest.fixture(scope="module")
def walk_starts(tmp_path_factory: pytest.TempPathFactory) -> Starts[WalkStart]:
    return Starts(tmp_path_factory.mktemp("walk"))


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, database_url: str, walk_starts: Starts[WalkStart]
) -> str:
    if "walk" in request.fixturenames:
        walk_starts.put_back(request, database_url)
    return database_url


@pytest.fixture
def walk(
    app: FastAPI, client: TestClient, session: Session, walk_starts: Starts[WalkStart]
) -> WalkStart:
    """The walk's start, its owner signed in on `client`."""
    engine = app.state.runtime.engine
    start = walk_starts.get(engine, lambda: make_walk_start(app, client, session))
    client.cookies.update(start.owner_cookies)
    return start


@pytest.fixture
def walk_intruder(app: FastAPI, walk: WalkStart) -> Iterator[TestClient]:
    """The other organisation's owner, in the session they signed in with."""
    with closing(TestClient(app, follow_redirects=False, cookies=walk.intruder_cookies)) as test:
        yield test


def make_walk_start(app: FastAPI, client: TestClient, session: Session) -> WalkStart:
    world = make_world(session, name="Harbour Café")
    other_world = make_world(session, name="Rival Bakery")
    card = make_world_card(session, world)
    template = make_world_template(session, world)
    make_world_device(session, world)
    invitation = make_intruder_invitation(session, other_world)
    intruder_key, _ = create_api_key(
        session=session, organisation=other_world.organisation, name="Rival"
    )
    with closing(TestClient(app, follow_redirects=False)) as intruder:
        log_in(intruder, other_world.owner_email, other_world.password)
        intruder_cookies = dict(intruder.cookies)
    log_in(client, world.owner_email, world.password)
    _, world_key = create_api_key(session=session, organisation=world.organisation, name="Till")
    own_key, _ = create_api_key(session=session, organisation=world.organisation, name="Own")
    ids = route_ids(
        session,
        world,
        card,
        key_id=world_key.id,
        template_id=template.id,
        invitation_token=invitation,
    )
    return WalkStart(
        world=world,
        card=card,
        ids=ids,
        invitation=invitation,
        intruder_key=intruder_key,
        own_key=own_key,
        intruder_cookies=intruder_cookies,
        owner_cookies=dict(client.cookies),
    )


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_another_organisation_gets_nothing_from(
    method: str,
    path: str,
    session: Session,
    walk: WalkStart,
    walk_intruder: TestClient,
    client: TestClient,
) -> None:
    world, world_card, intruder = walk.world, walk.card, walk_intruder
    assert intruder.get("/inbox").status_code == 200, "the intruder is really signed in"
    request = {
        "token": world.counter_code.token,
        "csrf": csrf_token(intruder),
        "api_key": walk.intruder_key,
    }
    world_ids = walk.ids
    missing_ids: dict[str, Any] = dict.fromkeys(world_ids, MISSING_ID)
    missing_ids["invitation_token"] = walk.invitation
    before = (
        stored_state(session, world_card),
        set_up_state(session, world),
        alert_state(session, world),
    )
    theirs = send(intruder, method, path, ids=world_ids, **request)
    kind = ROUTES[(method, path)]

    if kind is Kind.TENANT_ID:
        missing = send(intruder, method, path, ids=missing_ids, **request)
        assert theirs.status_code == 404, theirs.text
        assert normalised(theirs) == normalised(missing)
    elif kind is Kind.STAFF_ID:
        # A manager is no staff member: sent to the staff sign-in, whichever id it names (the
        # staff walk below tries another organisation's staff).
        missing = send(intruder, method, path, ids=missing_ids, **request)
        assert theirs.headers["location"].startswith("/staff/sign-in"), theirs.text
        assert normalised(theirs) == normalised(missing)
    elif kind is Kind.PUBLIC:
        assert theirs.status_code < 400, theirs.text
    else:
        assert theirs.status_code < 500, theirs.text
    for text in private_text(world):
        assert text not in theirs.text
    assert (
        stored_state(session, world_card),
        set_up_state(session, world),
        alert_state(session, world),
    ) == before

    if kind is Kind.TENANT_ID:
        # The 404 above is tenancy, not a malformed request: the card's own organisation gets in.
        own_request = request | {"csrf": csrf_token(client), "api_key": walk.own_key}
        if path.startswith("/inbox/certificates/"):
            pass_on_wordless_compliment(session, world)  # a certificate needs one
        own = send(client, method, path, ids=world_ids, **own_request)
        assert own.status_code in (200, 201, 204, 303), own.text


def pass_on_wordless_compliment(session: Session, world: World) -> None:
    card = make_card(session, code=world.maya_code, rating=5, comment="")
    tenant = Tenant(organisation_id=world.organisation.id or 0, role=Role.owner)
    pass_on_compliment(session=session, tenant=tenant, card_id=id_of(card), note="Thank you")


def test_lists_show_another_organisation_none_of_its_cards(
    session: Session,
    world: World,
    other_world: World,
    world_card: Card,
    intruder: TestClient,
    intruder_key: str,
) -> None:
    own_card = make_card(session, code=other_world.counter_code, comment="Rival Bakery card")
    bearer = {"Authorization": f"Bearer {intruder_key}"}

    for url in ("/inbox", f"/inbox?location={world.counter.id}", f"/inbox/{id_of(world_card)}"):
        assert PRIVATE_COMMENT not in intruder.get(url).text
    inbox = intruder.get("/inbox")
    assert inbox.status_code == 200
    comments = [row.get_text(strip=True) for row in soup(inbox).select(".card-row .row-comment")]
    assert comments == ["Rival Bakery card"]

    listed = intruder.get("/api/v1/cards", headers=bearer).json()
    assert [card["id"] for card in listed["cards"]] == [own_card.id]
    filtered = intruder.get(f"/api/v1/cards?location={world.counter.id}", headers=bearer).json()
    assert filtered["cards"] == []


def test_manager_limited_to_one_location_sees_only_its_cards(
    client: TestClient, session: Session, world: World
) -> None:
    counter_card = make_card(session, code=world.counter_code, comment="Counter was quick")
    terrace_card = make_card(session, code=world.terrace_code, comment="Terrace was cold")
    email = "counter.manager@example.com"
    assert world.counter.id is not None
    make_manager(session, world=world, email=email, location_ids=frozenset({world.counter.id}))
    log_in(client, email, world.password)

    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    comments = [row.get_text(strip=True) for row in soup(inbox).select(".card-row .row-comment")]
    assert comments == ["Counter was quick"]
    assert client.get(f"/inbox/{counter_card.id}").status_code == 200

    before = stored_state(session, terrace_card)
    hidden = client.get(f"/inbox/{terrace_card.id}")
    missing = client.get(f"/inbox/{MISSING_ID}")
    assert hidden.status_code == 404
    assert normalised(hidden) == normalised(missing)
    assert "Terrace was cold" not in hidden.text

    token = csrf_token(client)
    refused = client.post(f"/inbox/{terrace_card.id}/resolve", data={"csrf_token": token})
    assert refused.status_code == 404
    assert stored_state(session, terrace_card) == before


WORLD_PRAISE = "Maya at the world's counter was wonderful; only Maya there may read this"


def test_another_organisations_staff_gets_nothing_from_any_route(
    app: FastAPI,
    session: Session,
    world: World,
    other_world: World,
    world_card: Card,
    world_template: ReplyTemplate,
    intruder_invitation: str,
) -> None:
    """A staff member of the other organisation, signed in by their link, walks every route with
    the world's ids: nothing of the world's comes back and nothing of it changes."""
    praised = make_card(
        session, code=world.counter_code, rating=5, comment=WORLD_PRAISE, employee_id=world.maya.id
    )
    owner = Tenant(organisation_id=praised.organisation_id, role=Role.owner, user_id=world.owner.id)
    pass_on_compliment(session=session, tenant=owner, card_id=id_of(praised), note=PRIVATE_NOTE)
    membership = make_staff_member(session, other_world, "rival.staff@example.com")
    link = new_staff_link(session=session, membership=membership)
    session.commit()
    world_ids = route_ids(
        session,
        world,
        world_card,
        key_id=MISSING_ID,
        template_id=world_template.id,
        invitation_token=intruder_invitation,
    )
    missing_ids = world_ids | {"certificate_id": MISSING_ID}
    request = {"token": world.counter_code.token, "api_key": ""}
    staff_routes = [route for route, kind in ROUTES.items() if kind is Kind.STAFF_ID]
    before = (set_up_state(session, world), alert_state(session, world))
    with TestClient(app, follow_redirects=False) as rival:
        assert rival.post(f"/staff/link/{link}").headers["location"] == "/staff"
        csrf = csrf_token(rival, "/staff")
        for method, path in sorted(ROUTES):
            if path == "/logout":
                continue  # it would end the walk's session
            answer = send(rival, method, path, **request, ids=world_ids, csrf=csrf)
            assert answer.status_code < 500, (method, path)
            for text in (*private_text(world), WORLD_PRAISE):
                assert text not in answer.text, (method, path)
            if (method, path) in staff_routes:
                missing = send(rival, method, path, **request, ids=missing_ids, csrf=csrf)
                assert answer.status_code == 404, (method, path)
                assert normalised(answer) == normalised(missing)
    assert (set_up_state(session, world), alert_state(session, world)) == before
    # The 404s above are tenancy: the world's own staff member (Maya) gets in.
    own = make_staff_member(session, world, "world.staff@example.com")
    own_link = new_staff_link(session=session, membership=own)
    session.commit()
    with TestClient(app, follow_redirects=False) as maya:
        assert maya.post(f"/staff/link/{own_link}").headers["location"] == "/staff"
        for method, path in staff_routes:
            answer = send(maya, method, path, **request, ids=world_ids, csrf="")
            assert answer.status_code == 200, (method, path)


def make_staff_member(session: Session, world: World, email: str) -> Membership:
    """A staff account for the world's Maya."""
    user = create_user(session=session, email=email, password=NEW_PASSWORD)
    return add_membership(
        session=session,
        user=user,
        organisation=world.organisation,
        role=Role.staff,
        employee_id=world.maya.id,
    )
