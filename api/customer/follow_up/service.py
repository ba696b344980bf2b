"""The customer's private follow-up link: /f/{token}, where they see what became of their card.

The token is an HMAC of the card's idempotency key (its public identity: a replayed submission
carries the same key) under the installation's secret, so the thank-you page of a replay shows
the same link without storing the token. Only its SHA-256 is stored, for the lookup.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from api.customer.codes import logo_url
from api.errors import NotFound
from api.kudos.service import share_state
from api.models import Card, CardStatus, Employee, Event, Organisation, PassOn, Reply
from api.recognition.service import first_name

# 24 bytes: 192 bits, 32 characters of base64url.
TOKEN_BYTES = 24
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")


# The follow-up pages' address holds the token: no Referer carries it away, no search engine
# keeps the page.
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


def follow_up_token(secret: str, idempotency_key: str) -> str:
    """The card's follow-up token: the same key under the same secret gives the same token."""
    mac = hmac.new(secret.encode(), b"follow-up\0" + idempotency_key.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:TOKEN_BYTES]).decode()


def follow_up_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ReplyView:
    """A reply as the customer sees it: the words and when, never who or which address."""

    body: str
    created_at: datetime


@dataclass(frozen=True)
class FollowUp:
    card_id: int
    organisation_id: int
    language: str
    rating: int
    status: str
    created_at: datetime
    seen_at: datetime | None
    closed_at: datetime | None
    replies: list[ReplyView]
    # A compliment passed on to the employee it named: their first name (as on the card), when.
    passed_on_to: str | None
    passed_on_at: datetime | None
    organisation_name: str
    accent_colour: str
    time_zone: str
    logo_url: str | None
    # The newest event of the card when this was read: where the page's stream starts.
    last_event_id: int
    # The kudos wall (api.kudos): none, waiting, shown or withdrawn, and the name chosen for it.
    share: str = "none"
    share_name: str = ""
    slug: str = ""


def find_card(*, session: Session, token: str) -> Card:
    """The card behind a follow-up token, or the same 404 as for a token never issued."""
    if not TOKEN_PATTERN.match(token):
        raise NotFound()
    card = session.exec(select(Card).where(Card.follow_up_hash == follow_up_hash(token))).first()
    if card is None:
        raise NotFound()
    return card


def read_follow_up(*, engine: Engine, token: str) -> FollowUp:
    """What the customer may see of their card: its state, the replies and whether a compliment
    reached the person it named (by first name), nothing internal."""
    with Session(engine, expire_on_commit=False) as session:
        card = find_card(session=session, token=token)
        # Read before the state: an event in between is then both shown and streamed.
        last_event_id = session.exec(
            select(func.max(Event.id)).where(Event.card_id == card.id)
        ).one()
        session.refresh(card)
        replies = session.exec(
            select(Reply).where(Reply.card_id == card.id).order_by(col(Reply.id))
        ).all()
        organisation = session.get_one(Organisation, card.organisation_id)
        passed = session.exec(
            select(PassOn.created_at, Employee.display_name)
            .join(Employee, col(Employee.id) == PassOn.employee_id)
            .where(PassOn.card_id == card.id)
        ).first()
    assert card.id is not None
    return FollowUp(
        card_id=card.id,
        organisation_id=card.organisation_id,
        language=card.language,
        rating=card.rating,
        status=str(card.status),
        created_at=card.created_at,
        seen_at=card.seen_at,
        closed_at=card.resolved_at if card.status == CardStatus.resolved else card.dismissed_at,
        replies=[ReplyView(body=reply.body, created_at=reply.created_at) for reply in replies],
        passed_on_to=first_name(passed[1]) if passed else None,
        passed_on_at=passed[0] if passed else None,
        organisation_name=organisation.name,
        accent_colour=organisation.accent_colour,
        time_zone=organisation.time_zone,
        logo_url=logo_url(organisation),
        last_event_id=int(last_event_id or 0),
        share=share_state(card).value,
        share_name=card.share_name,
        slug=organisation.slug,
    )


def card_events_after(*, engine: Engine, card_id: int, after_id: int) -> int | None:
    """The newest event about this one card after `after_id`, or None when nothing happened."""
    with Session(engine) as session:
        newest = session.exec(
            select(Event.id)
            .where(Event.card_id == card_id, col(Event.id) > after_id)
            .order_by(col(Event.id).desc())
            .limit(1)
        ).first()
    return newest


def follow_up_url(*, base_url: str, token: str) -> str:
    """The customer's private link, in full: they may copy it or bookmark it."""
    return f"{base_url.rstrip('/')}/f/{token}"
