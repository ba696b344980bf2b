"""A reply's email to the customer: composed from the stored reply, sent outside any transaction.

Every reply to one card carries `In-Reply-To` and `References` naming the card's thread id, so a
mail client keeps them together; each has its own stable `Message-ID`. The thread id is an HMAC of
the card's id under the installation's secret: stable, and it tells the customer nothing.
"""

import hashlib
import hmac
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from sqlalchemy import Engine
from sqlmodel import Session

from api.config import Settings
from api.customer.follow_up.service import follow_up_token
from api.db import writer
from api.i18n import ENGLISH, find_language
from api.mail import (
    MailError,
    MailServer,
    build_message,
    message_domain,
    send_message,
    server_for,
)
from api.models import Card, Organisation, Reply, ReplyEmail, User

ERROR_MAX = 300


def thread_id(*, secret: str, card_id: int, settings: Settings) -> str:
    """The Message-ID every reply to this card answers, e.g. <card.1f3a…@tellus.example>."""
    mac = hmac.new(secret.encode(), f"thread:{card_id}".encode(), hashlib.sha256).hexdigest()
    return f"<card.{mac[:24]}@{message_domain(settings)}>"


def reply_message_id(*, thread: str, reply_id: int) -> str:
    return thread.replace("<card.", f"<reply.{reply_id}.", 1)


def compose(
    *,
    server: MailServer,
    reply: Reply,
    card: Card,
    organisation: Organisation,
    author: User | None,
    settings: Settings,
    secret: str,
) -> EmailMessage:
    """The customer's email, in the card's language, with a link to their follow-up page."""
    language = find_language(card.language) or ENGLISH
    gettext = language.gettext
    link = f"{settings.base_url.rstrip('/')}/f/{follow_up_token(secret, card.idempotency_key)}"
    text = "\n\n".join(
        [
            reply.body,
            f"— {organisation.name}",
            gettext("Your card and every answer to it: %(url)s") % {"url": link},
        ]
    )
    thread = thread_id(secret=secret, card_id=card.id or 0, settings=settings)
    reply_to = None
    if author is not None:
        # Answering the email reaches the manager who wrote it, not an unread robot address.
        reply_to = formataddr((author.display_name or organisation.name, author.email))
    message = build_message(
        server=server,
        to=card.contact_email,
        subject=gettext("Re: your card to %(org)s") % {"org": organisation.name},
        text=text,
        message_id=reply_message_id(thread=thread, reply_id=reply.id or 0),
        in_reply_to=thread,
        reply_to=reply_to,
    )
    # The organisation's name on the installation's address: the customer knows who writes.
    message.replace_header(
        "From", formataddr((organisation.name, parseaddr(server.from_address)[1]))
    )
    return message


def deliver_reply(*, engine: Engine, reply_id: int, settings: Settings, secret: str) -> Reply:
    """Email a stored reply if it awaits one, then record what happened; never raises MailError."""
    with Session(engine, expire_on_commit=False) as session:
        reply = session.get_one(Reply, reply_id)
        if reply.email_status != ReplyEmail.pending:
            return reply
        card = session.get_one(Card, reply.card_id)
        organisation = session.get_one(Organisation, reply.organisation_id)
        author = session.get(User, reply.author_id) if reply.author_id else None
        server = server_for(
            session=session, organisation_id=reply.organisation_id, settings=settings
        )
        message = (
            compose(
                server=server,
                reply=reply,
                card=card,
                organisation=organisation,
                author=author,
                settings=settings,
                secret=secret,
            )
            if server
            else None
        )
    # The read session is closed: the SMTP conversation never holds a transaction open.
    status, error = ReplyEmail.no_server, ""
    if server is not None and message is not None:
        try:
            send_message(server, message)
            status = ReplyEmail.sent
        except MailError as failure:
            status, error = ReplyEmail.failed, str(failure)[:ERROR_MAX]
    with Session(writer(engine), expire_on_commit=False) as session:
        stored = session.get_one(Reply, reply_id)
        stored.email_status, stored.email_error = status, error
        stored.message_id = str(message["Message-ID"]) if message is not None else ""
        session.add(stored)
        session.commit()
        return stored
