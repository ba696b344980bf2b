"""The card's HTML form: reading what a customer's browser posted, and saying what to fix."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from api.i18n import N_

FIELDS = (
    "rating",
    "comment",
    "employee_id",
    "contact_name",
    "contact_email",
    "contact_phone",
    "share_name",
)
CHECKBOXES = ("wants_reply", "share_publicly")
# As many fields as Starlette's form reading accepts.
FIELDS_MOST = 1000
# The fields a form sent, by name: a field sent twice has its last value, as in Starlette's.
Form = Mapping[str, str | UploadFile]


async def read_form(request: Request) -> Form:
    """The card's form as a browser sends it, urlencoded, read by the standard library's parser
    in a third of the time of Starlette's (a card's own time, bench/README.md) into a plain dict,
    with Starlette's limit on the number of fields; any other body goes Starlette's way."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        return await request.form()
    body = await request.body()
    try:
        # As Starlette reads it: each byte a character, then percent-decoded as UTF-8.
        fields = parse_qsl(
            body.decode("latin-1"), keep_blank_values=True, max_num_fields=FIELDS_MOST
        )
    except ValueError:  # more fields than any card has
        raise HTTPException(400, "Too many fields.") from None
    return dict(fields)


def form_values(form: Form) -> dict[str, Any]:
    """What the customer typed, kept to show again if something needs fixing."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in FIELDS}
    for name in CHECKBOXES:
        values[name] = form.get(name) in ("on", "1", "true")
    values["idempotency_key"] = str(form.get("idempotency_key", ""))[:100]
    return values


def card_fields(values: dict[str, Any]) -> dict[str, Any]:
    fields = {name: values[name] for name in FIELDS}
    fields |= {name: values[name] for name in CHECKBOXES}
    fields["employee_id"] = values["employee_id"] or None
    if not fields["rating"]:
        fields.pop("rating")
    return fields


FRIENDLY = {
    "rating": N_("Please choose a face from 1 to 5."),
    "employee_id": N_("Please pick someone from the list."),
    "comment": N_("Your comment is too long: please keep it under 4,000 characters."),
    "contact_name": N_("Please keep your name under 120 characters."),
    "contact_email": N_("This email address is too long."),
    "contact_phone": N_("This phone number is too long."),
    "share_name": N_("Please keep the name to show under 40 characters."),
}
CHECK_FIELD = N_("Please check what you entered here.")
EXPIRED = N_("This page was open too long. Your card is still here: please send it again.")
TOO_MANY = N_(
    "Lots of cards are arriving from your network just now. Your card is still here: "
    "please send it again in a minute."
)


def field_errors(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors as one plain sentence per field (messages to translate when shown)."""
    messages: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "form"
        if (
            item["type"] == "value_error"
        ):  # our own validators' sentences, in api/customer/schemas.py
            text = str(item["msg"]).removeprefix("Value error, ")
        else:
            text = FRIENDLY.get(field, CHECK_FIELD)
        messages.setdefault(field, text)
    return messages
