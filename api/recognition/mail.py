"""The emails of a pass-on: the compliment and the note to the employee (in their language),
and, when the customer asked to hear back, word that it reached them (in the card's).

Both are composed from stored rows and sent outside any transaction, as a reply's email is.
Neither carries the customer's contact details nor anything of another card.
"""

from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from sqlalchemy import Engine
from sqlmodel import Session

from api.accounts.languages import employee_language
from api.config import Settings
from api.customer.follow_up.service import follow_up_token, follow_up_url
from api.db import writer
from api.i18n import ENGLISH, Language, find_language
from api.mail import MailError, MailServer, build_message, new_message_id, send_message, server_for
from api.models import Card, Employee, Location, Organisation, PassOn, ReplyEmail, User
from api.recognition.service import first_name
from api.templating import written_moment

ERROR_MAX = 300


def employee_message(
    *,
    server: MailServer,
    pass_on: PassOn,
    card: Card,
    employee: Employee,
    organisation: Organisation,
    manager: User | None,
    place: str | None,
    settings: Settings,
    language: Language,
) -> EmailMessage:
    """The compliment, where and when, and the manager's note: nothing about the customer."""
    _ = language.gettext
    when = written_moment(card.created_at, organisation.time_zone, language.tag)
    thanked_by = manager.display_name or manager.email if manager else organisation.name
    lines = [
        _("Hello %(name)s,") % {"name": first_name(employee.display_name)},
        "",
        _("A customer gave your service %(rating)s of 5 and wrote:") % {"rating": card.rating}
        if card.comment
        else _("A customer gave your service %(rating)s of 5.") % {"rating": card.rating},
    ]
    if card.comment:
        lines += ["", *(f"> {line}" for line in card.comment.splitlines())]
    lines += [
        "",
        (_("At %(place)s, %(time)s") % {"place": place, "time": when})
        if place
        else _("On %(time)s") % {"time": when},
        "",
        _("%(manager)s passed it on to you with this note:") % {"manager": thanked_by},
        "",
        pass_on.note,
        "",
        f"— {organisation.name}",
    ]
    reply_to = formataddr((thanked_by, manager.email)) if manager else None
    headers = {"Cc": pass_on.copy_to} if pass_on.copy_to else None
    message = build_message(
        server=server,
        to=pass_on.email_to,
        subject=_("A customer's compliment for you, from %(org)s") % {"org": organisation.name},
        text="\n".join(lines),
        message_id=new_message_id(f"pass-on-{pass_on.id}", settings),
        reply_to=reply_to,
        headers=headers,
    )
    message.replace_header(
        "From", formataddr((organisation.name, parseaddr(server.from_address)[1]))
    )
    return message


def customer_message(
    *,
    server: MailServer,
    pass_on: PassOn,
    card: Card,
    employee_name: str,
    organisation: Organisation,
    settings: Settings,
    secret: str,
) -> EmailMessage:
    """Word to the customer that their compliment reached the person, by the first name only."""
    language = find_language(card.language) or ENGLISH
    _ = language.gettext
    token = follow_up_token(secret, card.idempotency_key)
    link = follow_up_url(base_url=settings.base_url, token=token)
    name = first_name(employee_name)
    text = "\n\n".join(
        [
            _("Thank you for your kind words.")
            + " "
            + _("Your compliment was passed on to %(name)s, with their manager's thanks.")
            % {"name": name},
            f"— {organisation.name}",
            _("Your card and every answer to it: %(url)s") % {"url": link},
        ]
    )
    message = build_message(
        server=server,
        to=card.contact_email,
        subject=_("Your compliment reached %(name)s") % {"name": name},
        text=text,
        message_id=new_message_id(f"pass-on-customer-{pass_on.id}", settings),
    )
    message.replace_header(
        "From", formataddr((organisation.name, parseaddr(server.from_address)[1]))
    )
    return message


def deliver_pass_on(*, engine: Engine, pass_on_id: int, settings: Settings, secret: str) -> PassOn:
    """Send what a pass-on still owes (the employee's email, the customer's word), then record
    what became of each; never raises MailError."""
    with Session(engine, expire_on_commit=False) as session:
        pass_on = session.get_one(PassOn, pass_on_id)
        card = session.get_one(Card, pass_on.card_id)
        organisation = session.get_one(Organisation, pass_on.organisation_id)
        employee = session.get(Employee, pass_on.employee_id) if pass_on.employee_id else None
        manager = session.get(User, pass_on.passed_on_by_id) if pass_on.passed_on_by_id else None
        location = session.get(Location, card.location_id) if card.location_id else None
        language = (
            employee_language(session=session, employee=employee, organisation=organisation)
            if employee is not None
            else ENGLISH
        )
        server = server_for(
            session=session, organisation_id=pass_on.organisation_id, settings=settings
        )
    messages: dict[str, EmailMessage | None] = {"employee": None, "customer": None}
    if server is not None and employee is not None:
        if pass_on.email_status == ReplyEmail.pending:
            messages["employee"] = employee_message(
                server=server,
                pass_on=pass_on,
                card=card,
                employee=employee,
                organisation=organisation,
                manager=manager,
                place=location.name if location else None,
                settings=settings,
                language=language,
            )
        if pass_on.customer_email_status == ReplyEmail.pending:
            messages["customer"] = customer_message(
                server=server,
                pass_on=pass_on,
                card=card,
                employee_name=employee.display_name,
                organisation=organisation,
                settings=settings,
                secret=secret,
            )
    # The read session is closed: the SMTP conversations never hold a transaction open.
    outcome = {who: _send(server, message) for who, message in messages.items()}
    with Session(writer(engine), expire_on_commit=False) as session:
        stored = session.get_one(PassOn, pass_on_id)
        if stored.email_status == ReplyEmail.pending:
            stored.email_status, stored.email_error = outcome["employee"]
        if stored.customer_email_status == ReplyEmail.pending:
            stored.customer_email_status = outcome["customer"][0]
        session.add(stored)
        session.commit()
        return stored


def _send(server: MailServer | None, message: EmailMessage | None) -> tuple[ReplyEmail, str]:
    if server is None or message is None:
        return ReplyEmail.no_server, ""
    try:
        send_message(server, message)
    except MailError as failure:
        return ReplyEmail.failed, str(failure)[:ERROR_MAX]
    return ReplyEmail.sent, ""
