"""Bot traps on the card form. None of them ever loses a real customer's card:

- the honeypot: a field people never see or hear (web/static/css/card.css hides it; it is
  aria-hidden and out of the tab order), which form-filling bots fill in. A card that fills it
  gets a normal thank-you and is not stored;
- the minimum fill time: a card sent sooner after its page was opened than a person takes is
  not refused but asked to confirm with one tap (no script needed). A card the page's offline
  queue sends again (it marks them `queued=1`) is never asked: its customer has left. The mark
  gives a bot nothing that waiting those few seconds would not;
- the nonce: a second card on an already used form is stored, held for a manager's look, and
  raises no alert (see api.customer.cards).
"""

from collections.abc import Mapping
from typing import Any

from api.config import Settings
from api.protection.form_tokens import CardToken, check_confirmation

HONEYPOT_FIELD = "website"
QUEUED_FIELD = "queued"
CONFIRM_FIELD = "confirm_token"


def caught_by_honeypot(form: Mapping[str, Any]) -> bool:
    """Whether the field no person sees was filled in."""
    return bool(str(form.get(HONEYPOT_FIELD, "")).strip())


def needs_confirmation(
    *,
    form: Mapping[str, Any],
    token: CardToken,
    settings: Settings,
    secret: str,
    code_token: str,
    idempotency_key: str,
) -> bool:
    """A card sent faster than a person fills one, not replayed from the offline queue, and not
    yet confirmed with this server's confirmation token."""
    if token.age() >= settings.card_min_fill_seconds:
        return False
    if form.get(QUEUED_FIELD) == "1":
        return False
    return not check_confirmation(
        secret,
        code_token,
        idempotency_key,
        str(form.get(CONFIRM_FIELD, "")),
        max_age_seconds=settings.card_token_days * 86400,
    )
