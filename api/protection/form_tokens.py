"""The card form's signed token: which code it is for, when the page was opened, and a nonce.

`<issued>.<nonce>.<signature>`: the issue time gives the minimum fill time and the token's age
limit (TELLUS_CARD_TOKEN_DAYS); the nonce names this one opened page, so that a second card on
it (a scraped token reused) can be told from the first. A token of the older form
`<issued>.<signature>` (a card queued offline before this release) still sends; it has no nonce.
"""

import time
from dataclasses import dataclass

from api.security import check_form_token, form_mac, new_secret, same_secret, sign_form_token

CARD_PURPOSE = "card"
CONFIRM_PURPOSE = "card-confirm"
# A clock a little behind another host's is not a forgery.
CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class CardToken:
    issued_at: int
    nonce: str | None

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.issued_at


def sign_card_token(
    secret: str, code_token: str, *, issued_at: int | None = None, nonce: str | None = None
) -> str:
    """A new card form's token for the code, issued now with a fresh nonce."""
    issued = int(time.time()) if issued_at is None else issued_at
    nonce = nonce or new_secret(12)
    return f"{issued}.{nonce}.{form_mac(secret, CARD_PURPOSE, f'{code_token}.{issued}.{nonce}')}"


def read_card_token(
    secret: str, code_token: str, token: str, *, max_age_seconds: int
) -> CardToken | None:
    """The token's issue time and nonce if this server signed it for this code and it is not
    too old; None otherwise."""
    parts = token.split(".")
    if len(parts) == 2:
        if not check_form_token(
            secret, CARD_PURPOSE, code_token, token, max_age_seconds=max_age_seconds
        ):
            return None
        return CardToken(issued_at=int(parts[0]), nonce=None)
    if len(parts) != 3:
        return None
    issued_text, nonce, signature = parts
    if not (issued_text.isascii() and issued_text.isdigit()) or not nonce or len(nonce) > 32:
        return None
    card_token = CardToken(issued_at=int(issued_text), nonce=nonce)
    if not -CLOCK_SKEW_SECONDS <= card_token.age() <= max_age_seconds:
        return None
    expected = form_mac(secret, CARD_PURPOSE, f"{code_token}.{issued_text}.{nonce}")
    return card_token if same_secret(signature, expected) else None


def sign_confirmation(secret: str, code_token: str, idempotency_key: str) -> str:
    """The token of the "send my card" step: proof that this server asked about this card."""
    return sign_form_token(secret, CONFIRM_PURPOSE, f"{code_token}.{idempotency_key}")


def check_confirmation(
    secret: str, code_token: str, idempotency_key: str, token: str, *, max_age_seconds: int
) -> bool:
    return check_form_token(
        secret,
        CONFIRM_PURPOSE,
        f"{code_token}.{idempotency_key}",
        token,
        max_age_seconds=max_age_seconds,
    )
