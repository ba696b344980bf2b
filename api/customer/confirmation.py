"""The answers of the card form's bot traps (api.protection.traps): the one-tap confirmation of
a card sent faster than a person fills one, and the thank-you a honeypot hit is shown."""

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.responses import Response

from api.customer.codes import CodeContext
from api.customer.rendering import render_page
from api.customer.schemas import CardIn
from api.protection.form_tokens import sign_confirmation
from api.protection.traps import CONFIRM_FIELD


def render_confirmation(
    request: Request,
    context: CodeContext,
    *,
    secret: str,
    values: dict[str, Any],
    data: CardIn,
    form_token: str,
) -> Response:
    """ "Send this card?": the card as sent, in hidden fields, with one button; nothing is stored
    until it is pressed (the same idempotency key stores it once however often it is)."""
    key = values["idempotency_key"]
    hidden = {
        name: str(value)
        for name, value in values.items()
        if not isinstance(value, bool) and name != "idempotency_key" and value not in ("", None)
    }
    # The checkboxes (wants_reply, share_publicly) travel as a browser sends a ticked one.
    hidden |= {name: "on" for name, value in values.items() if value is True}
    employee = context.staff_member(data.employee_id) if data.employee_id else None
    return render_page(
        request,
        "customer/confirm.html",
        {
            "code": context,
            "card": data,
            "employee_name": employee.name if employee else context.employee_name,
            "hidden": hidden,
            "form_token": form_token,
            "idempotency_key": key,
            "confirm_field": CONFIRM_FIELD,
            "confirm_token": sign_confirmation(secret, context.token, key),
        },
    )


@dataclass(frozen=True)
class DecoyCard:
    """What the thank-you page shows of a card that was not stored."""

    rating: int
    wants_reply: bool = False


def render_decoy_thanks(request: Request, context: CodeContext, values: dict[str, Any]) -> Response:
    """A thank-you like any other, for a card that filled the honeypot: nothing is stored, and
    nothing tells the bot so."""
    rating = str(values.get("rating", ""))
    card = DecoyCard(rating=int(rating) if rating in ("1", "2", "3", "4", "5") else 5)
    return render_page(
        request, "customer/thanks.html", {"code": context, "card": card, "follow_up_url": None}
    )
