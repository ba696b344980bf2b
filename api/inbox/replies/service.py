"""Managers' replies to cards: stored with their event in one transaction, then emailed."""

from sqlmodel import Session, col, select

from api.errors import Unprocessable
from api.i18n import N_
from api.inbox.card_work import lock_card
from api.inbox.events import record_event
from api.inbox.reading import mark_read
from api.inbox.replies.schemas import ReplyOut
from api.models import Card, EventKind, Reply, ReplyEmail, User
from api.tenancy import Tenant, get_scoped

REPLY_MAX = 4000


class EmptyReply(Unprocessable):
    title = N_("Please write a reply first.")


class LongReply(Unprocessable):
    title = N_("Please keep a reply under 4,000 characters.")


def check_reply_body(body: str) -> str:
    """The reply's text, trimmed; an empty or too long one is refused with a sentence to show."""
    # Browsers send a textarea's line breaks as CRLF: stored once, as the API would send them.
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise EmptyReply()
    if len(text) > REPLY_MAX:
        raise LongReply()
    return text


def add_reply(*, session: Session, tenant: Tenant, card_id: int, body: str) -> Reply:
    """Store a reply and its event in one transaction; its email goes out after the commit."""
    text = check_reply_body(body)
    card = lock_card(session, tenant, card_id)
    # The address left under "Want us to get back to you?" is the customer's wish to hear back.
    reply = Reply(
        organisation_id=card.organisation_id,
        card_id=card_id,
        author_id=tenant.user_id,
        body=text,
        email_to=card.contact_email,
        email_status=ReplyEmail.pending if card.contact_email else ReplyEmail.none,
    )
    session.add(reply)
    session.flush()
    # Whoever answers a card has read it: the customer sees "seen" with the reply.
    mark_read(session=session, card=card, user_id=tenant.user_id)
    record_event(
        session=session,
        kind=EventKind.card_replied,
        card=card,
        actor_id=tenant.user_id,
        data={"reply_id": reply.id},
    )
    session.commit()
    return reply


def list_replies(*, session: Session, tenant: Tenant, card_id: int) -> list[ReplyOut]:
    """A card's replies, oldest first, with their authors' names and their email's fate."""
    get_scoped(session, tenant, Card, card_id)
    replies = session.exec(
        select(Reply)
        .where(Reply.card_id == card_id, Reply.organisation_id == tenant.organisation_id)
        .order_by(col(Reply.id))
    ).all()
    return describe_replies(session=session, replies=list(replies))


def describe_replies(*, session: Session, replies: list[Reply]) -> list[ReplyOut]:
    author_ids = {reply.author_id for reply in replies if reply.author_id is not None}
    users = session.exec(select(User).where(col(User.id).in_(author_ids))).all()
    names = {user.id: user.display_name or user.email for user in users}
    return [
        ReplyOut(
            id=reply.id or 0,
            card_id=reply.card_id,
            body=reply.body,
            created_at=reply.created_at,
            author=names.get(reply.author_id),
            email_status=str(reply.email_status),
            email_to=reply.email_to,
            email_error=reply.email_error,
        )
        for reply in replies
    ]
