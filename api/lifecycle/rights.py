"""A customer's rights: find every card they left, export them, erase them everywhere."""

import re
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.errors import Unprocessable
from api.i18n import N_
from api.inbox.events import record_erasure
from api.lifecycle.walk import CARD, delete_owned
from api.lifecycle.wiping import clear_deleted_text
from api.models import Card, CardNote, Employee, Location, Reply
from api.tenancy import Tenant, scoped

NOTHING_TO_FIND = N_("Type the customer's email address or phone number.")
# A phone number matches on its last 9 digits, so that "+44 20 7946 0958" finds "020 7946 0958";
# the owner sees every card found before erasing anything.
PHONE_DIGITS_MINIMUM = 6
PHONE_DIGITS_COMPARED = 9


def phone_digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-PHONE_DIGITS_COMPARED:]


def find_cards(*, session: Session, tenant: Tenant, email: str, phone: str) -> list[Card]:
    """Every card of the organisation that gave this email address or phone number."""
    email, digits = email.strip().lower(), phone_digits(phone)
    if not email and len(digits) < PHONE_DIGITS_MINIMUM:
        raise Unprocessable(NOTHING_TO_FIND)
    query = select(Card).where(Card.organisation_id == tenant.organisation_id)
    found: dict[int, Card] = {}
    if email:
        for card in session.exec(query.where(func.lower(Card.contact_email) == email)):
            found[card.id or 0] = card
    if len(digits) >= PHONE_DIGITS_MINIMUM:
        for card in session.exec(query.where(col(Card.contact_phone) != "")):
            if phone_digits(card.contact_phone) == digits:
                found[card.id or 0] = card
    return sorted(found.values(), key=lambda card: card.created_at)


def export_cards(*, session: Session, tenant: Tenant, cards: list[Card]) -> list[dict[str, Any]]:
    """What the organisation holds on each card: the card, the replies sent, the notes kept."""
    ids = [card.id for card in cards]
    places = {row.id: row.name for row in session.exec(scoped(tenant, Location))}
    people = {row.id: row.display_name for row in session.exec(scoped(tenant, Employee))}
    replies = session.exec(select(Reply).where(col(Reply.card_id).in_(ids))).all()
    notes = session.exec(select(CardNote).where(col(CardNote.card_id).in_(ids))).all()
    return [
        {
            "id": card.id,
            "created_at": card.created_at.isoformat(),
            "location": places.get(card.location_id),
            "employee": people.get(card.employee_id),
            "rating": card.rating,
            "comment": card.comment,
            "contact_name": card.contact_name,
            "contact_email": card.contact_email,
            "contact_phone": card.contact_phone,
            "wants_reply": card.wants_reply,
            "language": card.language,
            "status": card.status,
            "replies": [
                {"created_at": reply.created_at.isoformat(), "body": reply.body}
                for reply in replies
                if reply.card_id == card.id
            ],
            "notes": [
                {"created_at": note.created_at.isoformat(), "body": note.body}
                for note in notes
                if note.card_id == card.id
            ],
        }
        for card in cards
    ]


def erase_cards(
    *, session: Session, organisation_id: int, actor_id: int | None, cards: list[Card], by: str
) -> int:
    """Delete the cards and all they own, record the act in the audit trail, commit; `by` is
    "owner" or "customer"."""
    ids = [card.id for card in cards if card.id is not None]
    erased = delete_owned(session=session, target=CARD, ids=ids)
    record_erasure(
        session=session, organisation_id=organisation_id, actor_id=actor_id, by=by, cards=erased
    )
    session.commit()
    clear_deleted_text(session.get_bind().engine)
    return erased
