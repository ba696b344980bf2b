"""Every text, JSON and binary column of every table, and whether it is personal: the one place.

The retention job, a rights request and an organisation's deletion walk the schema
(api.lifecycle.walk) and act on what this table says. A column missing here fails
tests/lifecycle/test_classification.py, which names the table and column to add. How a row relates
to a card, an organisation or an account is not written here: the walk reads it from the foreign
keys (see api.lifecycle.walk.owner_keys).
"""

from enum import StrEnum


class Data(StrEnum):
    # A customer's contact details on or about their card: wiped after the policy's contact
    # days, and erased with the card.
    CONTACT = "contact"
    # Personal (a customer's words, or about a person): deleted with the row's owner, the card,
    # the organisation or the account it belongs to.
    PERSONAL = "personal"
    # Personal but tied to no organisation (a client's address in a limit's key): short-lived,
    # removed by its own expiry.
    EXPIRING = "expiring"
    # Nothing about a person: states, languages, hashes of random tokens, settings.
    NOT_PERSONAL = "not personal"


CONTACT, PERSONAL, EXPIRING, NOT_PERSONAL = Data

COLUMNS: dict[str, dict[str, Data]] = {
    "app_setting": {"key": NOT_PERSONAL, "value": NOT_PERSONAL},
    # "account:<hash of an email>" or "client:<address>".
    "login_throttle": {"key": EXPIRING},
    "rate_limit_counter": {"key": EXPIRING},
    "rate_limit_entry": {"key": EXPIRING},
    "organisation": {
        "slug": NOT_PERSONAL,
        "name": NOT_PERSONAL,
        "accent_colour": NOT_PERSONAL,
        "logo": NOT_PERSONAL,
        "default_language": NOT_PERSONAL,
        "time_zone": NOT_PERSONAL,
        "review_links": NOT_PERSONAL,
    },
    "user_account": {
        "email": PERSONAL,
        "display_name": PERSONAL,
        "password_hash": PERSONAL,
        "language": NOT_PERSONAL,
    },
    "alert_preference": {
        "quiet_start": NOT_PERSONAL,
        "quiet_end": NOT_PERSONAL,
        "language": NOT_PERSONAL,
    },
    "api_key": {"name": NOT_PERSONAL, "prefix": NOT_PERSONAL, "key_hash": NOT_PERSONAL},
    "card_text": {
        "language": NOT_PERSONAL,
        "question": NOT_PERSONAL,
        "thanks": NOT_PERSONAL,
        "data_use": NOT_PERSONAL,
    },
    "email_change": {"new_email": PERSONAL, "token_hash": NOT_PERSONAL},
    "employee": {
        "display_name": PERSONAL,
        "role_title": PERSONAL,
        "email": PERSONAL,
        "language": NOT_PERSONAL,
    },
    "invitation": {
        "email": PERSONAL,
        "role": NOT_PERSONAL,
        "location_ids": NOT_PERSONAL,
        "token_hash": NOT_PERSONAL,
        "language": NOT_PERSONAL,
    },
    "location": {"name": NOT_PERSONAL, "kind": NOT_PERSONAL},
    "membership": {"role": NOT_PERSONAL},
    "organisation_mail_server": {
        "host": NOT_PERSONAL,
        "security": NOT_PERSONAL,
        "username": PERSONAL,
        "password_encrypted": PERSONAL,
        "from_address": PERSONAL,
    },
    "password_reset": {"token_hash": NOT_PERSONAL},
    "pending_login": {"id": NOT_PERSONAL, "next_path": NOT_PERSONAL},
    "push_subscription": {
        "endpoint": PERSONAL,
        "p256dh": PERSONAL,
        "auth": PERSONAL,
        "language": NOT_PERSONAL,
        "session_id": NOT_PERSONAL,
        "last_failure_reason": NOT_PERSONAL,
    },
    "recovery_code": {"code_hash": NOT_PERSONAL},
    "reply_template": {"title": NOT_PERSONAL, "body": NOT_PERSONAL},
    "tag": {"name": NOT_PERSONAL},
    "two_factor": {"secret": PERSONAL},
    "user_session": {"id": NOT_PERSONAL, "csrf_token": NOT_PERSONAL},
    "code": {"token": NOT_PERSONAL, "label": NOT_PERSONAL},
    "webhook": {
        "name": NOT_PERSONAL,
        "url": NOT_PERSONAL,
        "style": NOT_PERSONAL,
        "secret": NOT_PERSONAL,
        "language": NOT_PERSONAL,
    },
    "card": {
        "comment": PERSONAL,
        "contact_name": CONTACT,
        "contact_email": CONTACT,
        "contact_phone": CONTACT,
        "language": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "idempotency_key": NOT_PERSONAL,
        # A hash of the whole submission, contact details included: only a retry needs it.
        "request_hash": CONTACT,
        "follow_up_hash": NOT_PERSONAL,
        "form_nonce": NOT_PERSONAL,
        # The name the customer chose to show with a shared compliment: a name, so it goes with
        # the contact details.
        "share_name": CONTACT,
    },
    "alert_delivery": {
        "kind": NOT_PERSONAL,
        "channel": NOT_PERSONAL,
        "address": PERSONAL,
        "language": NOT_PERSONAL,
        "idempotency_key": NOT_PERSONAL,
        "payload": PERSONAL,
        "status": NOT_PERSONAL,
        "claim_token": NOT_PERSONAL,
        "last_error": PERSONAL,
    },
    "card_note": {"body": PERSONAL},
    "event": {"kind": NOT_PERSONAL, "data": PERSONAL},
    "pass_on": {
        "note": PERSONAL,
        "copy_to": PERSONAL,
        "email_status": NOT_PERSONAL,
        "email_to": PERSONAL,
        "email_error": PERSONAL,
        "customer_email_status": NOT_PERSONAL,
    },
    "certificate": {"quote_card_ids": NOT_PERSONAL, "signed_by_name": PERSONAL},
    "kudos_screen": {"token_hash": NOT_PERSONAL},
    # Counts per quarter-hour; "acknowledged" or "resolved".
    "analytics_response": {"step": NOT_PERSONAL},
    "analytics_span_response": {"step": NOT_PERSONAL},
    "kiosk": {"name": NOT_PERSONAL, "token_hash": NOT_PERSONAL},
    "staff_sign_in": {"token_hash": NOT_PERSONAL},
    "reply": {
        "body": PERSONAL,
        "email_status": NOT_PERSONAL,
        # The customer's address, and a mail server's refusal, which often quotes it.
        "email_to": CONTACT,
        "email_error": CONTACT,
        "message_id": NOT_PERSONAL,
    },
}


def classification(table: str, column: str) -> Data | None:
    """What COLUMNS says of a column, or None when it is not classified."""
    return COLUMNS.get(table, {}).get(column)
