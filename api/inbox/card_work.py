"""Working a card: assignment, internal notes and tags, each change with its event.

Every change is one transaction holding the change and its `event` row, like a status change:
the live inbox and the card's audit trail read the same rows.
"""

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.errors import NotFound, Unprocessable
from api.i18n import N_
from api.inbox.events import record_event
from api.models import (
    Card,
    CardNote,
    CardTag,
    EventKind,
    Membership,
    MembershipLocation,
    Role,
    Tag,
    User,
)
from api.tenancy import Tenant, get_scoped, scoped

TAG_LENGTH = 40
NOTE_LENGTH = 2000


@dataclass(frozen=True)
class Assignee:
    id: int
    label: str


def lock_card(session: Session, tenant: Tenant, card_id: int) -> Card:
    """The tenant's card, locked for this transaction (PostgreSQL; SQLite's writer holds it)."""
    card = session.exec(scoped(tenant, Card).where(Card.id == card_id).with_for_update()).first()
    if card is None:
        raise NotFound()
    return card


def list_assignees(
    *, session: Session, tenant: Tenant, location_id: int | None = None, any_location: bool = False
) -> list[Assignee]:
    """Owners and managers who can see cards of `location_id` (every location: `any_location`)."""
    statement = (
        select(User.id, User.display_name, User.email)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(
            Membership.organisation_id == tenant.organisation_id,
            col(Membership.role).in_((Role.owner, Role.manager)),
        )
        .order_by(User.display_name, User.email)
    )
    if not any_location:
        # A manager limited to some locations sees only their cards (see accounts.load_session).
        limits = select(MembershipLocation.membership_id).where(
            MembershipLocation.membership_id == Membership.id
        )
        allowed = select(MembershipLocation.membership_id).where(
            MembershipLocation.membership_id == Membership.id,
            MembershipLocation.location_id == location_id,
        )
        statement = statement.where(
            or_(
                col(Membership.role) == Role.owner,
                ~limits.exists(),
                allowed.exists(),
            )
        )
    return [
        Assignee(id=user_id, label=display_name or email)
        for user_id, display_name, email in session.exec(statement).all()
        if user_id is not None
    ]


def assign_cards(
    *, session: Session, tenant: Tenant, cards: list[Card], assignee_id: int | None
) -> None:
    """Give cards to a manager who can see them (None: to nobody); the caller commits."""
    for card in cards:
        if assignee_id is not None:
            allowed = list_assignees(session=session, tenant=tenant, location_id=card.location_id)
            if assignee_id not in {assignee.id for assignee in allowed}:
                raise Unprocessable(N_("This manager cannot see that card's location."))
        if card.assignee_id == assignee_id:
            continue
        record_event(
            session=session,
            kind=EventKind.card_assigned,
            card=card,
            actor_id=tenant.user_id,
            data={"from": card.assignee_id, "to": assignee_id},
        )
        card.assignee_id = assignee_id
        session.add(card)


def assign_card(*, session: Session, tenant: Tenant, card_id: int, assignee_id: int | None) -> None:
    """Assign one card (or unassign it)."""
    card = lock_card(session, tenant, card_id)
    assign_cards(session=session, tenant=tenant, cards=[card], assignee_id=assignee_id)
    session.commit()


def add_note(*, session: Session, tenant: Tenant, card_id: int, body: str) -> CardNote:
    """An internal note on a card: for managers only, never on the customer's pages."""
    body = body.strip()
    if not body or len(body) > NOTE_LENGTH:
        raise Unprocessable(N_("Write a note of up to 2000 characters."))
    card = lock_card(session, tenant, card_id)
    note = CardNote(
        organisation_id=tenant.organisation_id, card_id=card_id, author_id=tenant.user_id, body=body
    )
    session.add(note)
    session.flush()
    # The event holds the note's id, not its words: the stream and the trail point at it.
    record_event(
        session=session,
        kind=EventKind.card_note,
        card=card,
        actor_id=tenant.user_id,
        data={"note_id": note.id},
    )
    session.commit()
    return note


def list_notes(*, session: Session, tenant: Tenant, card_id: int) -> list[tuple[CardNote, str]]:
    """A card's notes, oldest first, each with its author's name."""
    get_scoped(session, tenant, Card, card_id)
    rows = session.exec(
        select(CardNote, User)
        .join(User, col(User.id) == CardNote.author_id, isouter=True)
        .where(CardNote.card_id == card_id, CardNote.organisation_id == tenant.organisation_id)
        .order_by(col(CardNote.id))
    ).all()
    return [(note, (user.display_name or user.email) if user else "") for note, user in rows]


def clean_tag(name: str) -> str:
    tag = " ".join(name.split())
    if not tag or len(tag) > TAG_LENGTH:
        raise Unprocessable(N_("A tag is 1 to 40 characters."))
    return tag


def find_or_create_tag(*, session: Session, tenant: Tenant, name: str) -> Tag:
    """The organisation's tag of that name, made on first use."""
    tag = session.exec(scoped(tenant, Tag).where(Tag.name == name)).first()
    if tag is None:
        tag = Tag(organisation_id=tenant.organisation_id, name=name)
        session.add(tag)
        session.flush()
    return tag


def tag_cards(*, session: Session, tenant: Tenant, cards: list[Card], name: str) -> None:
    """Put a tag on cards that lack it; the caller commits."""
    tag = find_or_create_tag(session=session, tenant=tenant, name=clean_tag(name))
    tagged = set(
        session.exec(
            select(CardTag.card_id).where(
                CardTag.tag_id == tag.id, col(CardTag.card_id).in_([c.id for c in cards])
            )
        ).all()
    )
    for card in cards:
        if card.id in tagged:
            continue
        session.add(CardTag(card_id=card.id, tag_id=tag.id))  # type: ignore[arg-type]
        record_event(
            session=session,
            kind=EventKind.card_tagged,
            card=card,
            actor_id=tenant.user_id,
            data={"tag": tag.name},
        )


def tag_card(*, session: Session, tenant: Tenant, card_id: int, name: str) -> None:
    """Tag one card."""
    card = lock_card(session, tenant, card_id)
    tag_cards(session=session, tenant=tenant, cards=[card], name=name)
    session.commit()


def untag_card(*, session: Session, tenant: Tenant, card_id: int, name: str) -> None:
    """Take a tag off a card; one it does not carry needs nothing (a repeated click)."""
    card = lock_card(session, tenant, card_id)
    tag = session.exec(scoped(tenant, Tag).where(Tag.name == name)).first()
    link = session.get(CardTag, (card_id, tag.id)) if tag is not None else None
    if tag is None or link is None:
        return
    session.delete(link)
    record_event(
        session=session,
        kind=EventKind.card_untagged,
        card=card,
        actor_id=tenant.user_id,
        data={"tag": tag.name},
    )
    session.commit()


def list_tags(*, session: Session, tenant: Tenant) -> list[str]:
    """The organisation's tag names, for filters and suggestions."""
    statement = select(Tag.name).where(Tag.organisation_id == tenant.organisation_id)
    return list(session.exec(statement.order_by(Tag.name)).all())
