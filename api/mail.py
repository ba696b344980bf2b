"""Email through a real SMTP connection: the server to use, and messages that thread.

The installation's server comes from TELLUS_SMTP_URL; an organisation may keep its own
(see `server_for`). Sending is blocking (smtplib): call it from a worker thread or the outbox
worker, never from the event loop.
"""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from sqlmodel import Session

from api.config import Settings, get_settings

Security = Literal["none", "starttls", "tls"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


class MailError(Exception):
    """The mail server could not be reached or refused the message (the text says which)."""


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: Security
    from_address: str
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    @classmethod
    def from_url(cls, url: str, *, default_from: str) -> "MailServer":
        """smtp://[user:pass@]host[:port][?from=addr]; smtp+starttls:// and smtps:// add TLS."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError("TELLUS_SMTP_URL must look like smtp+starttls://user:pass@host:587")
        security, default_port = SCHEMES[parts.scheme]
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            security=security,
            from_address=query.get("from", [default_from])[0],
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


def default_from_address(settings: Settings) -> str:
    host = urlsplit(settings.base_url).hostname or "localhost"
    return formataddr(("Tellus", f"tellus@{host}"))


def instance_server(settings: Settings | None = None) -> MailServer | None:
    """The installation's mail server, or None when none is configured."""
    settings = settings or get_settings()
    if not settings.smtp_url:
        return None
    return MailServer.from_url(settings.smtp_url, default_from=default_from_address(settings))


def server_for(
    *, session: Session, organisation_id: int, settings: Settings | None = None
) -> MailServer | None:
    """The organisation's own server when it set one, else the installation's, else None."""
    # Imported here: mail_settings builds on this module's MailServer.
    from api.people.mail_server import organisation_server

    settings = settings or get_settings()
    own = organisation_server(session=session, organisation_id=organisation_id, settings=settings)
    return own or instance_server(settings)


def message_domain(settings: Settings | None = None) -> str:
    return urlsplit((settings or get_settings()).base_url).hostname or "localhost"


def new_message_id(idstring: str, settings: Settings | None = None) -> str:
    """A Message-ID under our own domain; a stable idstring gives a stable id (for repeats)."""
    if idstring:
        return f"<{idstring}@{message_domain(settings)}>"
    return make_msgid(domain=message_domain(settings))


def build_message(
    *,
    server: MailServer,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A plain-text message (with an optional HTML part) ready for `send_message`."""
    message = EmailMessage()
    message["From"] = server.from_address
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id or make_msgid(domain=server.host)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if reply_to:
        message["Reply-To"] = reply_to
    for header, value in (headers or {}).items():
        message[header] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_message(server: MailServer, message: EmailMessage) -> None:
    """Hand the message to the server; raises MailError with a reason a person can act on."""
    context = ssl.create_default_context()
    try:
        if server.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with smtp:
            if server.security == "starttls":
                smtp.starttls(context=context)
            if server.username:
                smtp.login(server.username, server.password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError("The mail server refused the user name or password.") from error
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError("The mail server refused the recipient's address.") from error
    except smtplib.SMTPException as error:
        raise MailError(f"The mail server refused the message: {error}") from error
    except (OSError, TimeoutError) as error:
        raise MailError(
            f"Could not reach the mail server at {server.host}:{server.port} ({error})."
        ) from error


def send_account_message(*, settings: Settings, to: str, subject: str, text: str) -> bool:
    """An email about a person's own account (a reset or confirmation link, a notice), through
    the installation's server only: an organisation's own server, and whoever runs it, never sees
    a link that opens an account. False when the installation has no server; MailError if sending
    fails."""
    server = instance_server(settings)
    if server is None:
        return False
    send_message(server, build_message(server=server, to=to, subject=subject, text=text))
    return True
