"""Email through a real SMTP connection: the server to use, and messages that thread.

The installation's server comes from TELLUS_SMTP_URL; an organisation may keep its own
(see `server_for`), which is reached only through the outbound guard (api.outbound). Sending
is blocking (smtplib): call it from a worker thread or the outbox worker, never from the event
loop.
"""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formataddr, formatdate, make_msgid
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from sqlmodel import Session

from api.config import Settings, get_settings
from api.i18n import N_
from api.outbound.destinations import AllowedHosts, OutboundError, host_key, resolve_destination
from api.outbound.smtp import CheckedSMTP, CheckedSMTPSSL
from api.outbound.tls import mail_tls

Security = Literal["none", "starttls", "tls"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


# The default policy, except that a header stored raw (List-Unsubscribe) is sent as it is, and
# that headers fold only past RFC 5322's hard limit: folding at 78 leaves a space before the
# line break when an encoded word follows plain words ("…de la part de Harbour Café"), and the
# reader sees two spaces.
MESSAGE_POLICY = default_policy.clone(refold_source="none", max_line_length=998)


class MailError(Exception):
    """The mail server could not be reached or refused the message (the text says which)."""


class MailTimedOut(MailError):
    """The mail server did not answer in time."""


MAIL_TIMED_OUT = N_("The mail server did not answer in time.")


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: Security
    from_address: str
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    # An organisation's own server is checked by the outbound guard at every connection, with
    # the hosts the installation allows; None: the installation's own server, trusted.
    allowed: AllowedHosts | None = None

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
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """A plain-text message (with an optional HTML part) ready for `send_message`;
    `unsubscribe_url` adds one-click unsubscribe (RFC 2369 and 8058)."""
    message = EmailMessage(policy=MESSAGE_POLICY)
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
    if unsubscribe_url:
        message.set_raw("List-Unsubscribe", list_unsubscribe(unsubscribe_url))
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def list_unsubscribe(url: str) -> str:
    """The header's value as providers read it: the URL in angle brackets, never RFC 2047-encoded
    (which the default folding does to a word longer than a line), on a line of its own when
    long. Stored raw, so that MESSAGE_POLICY leaves it as it is."""
    value = f"<{url}>"
    return value if len("List-Unsubscribe: ") + len(value) <= 78 else f"\n {value}"


def connect(server: MailServer, context: ssl.SSLContext) -> smtplib.SMTP:
    """An SMTP connection; an organisation's server only at an address the guard checked."""
    name = host_key(server.host)
    address = name
    if server.allowed is not None:
        address = resolve_destination(name, server.port, allowed=server.allowed).address
    if server.security == "tls":
        return CheckedSMTPSSL(
            name, server.port, address=address, timeout=server.timeout, context=context
        )
    return CheckedSMTP(name, server.port, address=address, timeout=server.timeout)


def send_message(server: MailServer, message: EmailMessage) -> None:
    """Hand the message to the server; raises MailError with a reason a person can act on, in
    general terms (never what the server said)."""
    context = mail_tls()
    try:
        with connect(server, context) as smtp:
            if server.security == "starttls":
                smtp.starttls(context=context)
            if server.username:
                smtp.login(server.username, server.password)
            smtp.send_message(message)
    except OutboundError as error:
        raise MailError(error.message) from error
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(N_("The mail server refused the user name or password.")) from error
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError(N_("The mail server refused the recipient's address.")) from error
    except smtplib.SMTPServerDisconnected as error:
        # smtplib turns a timeout while it waits for an answer into a disconnection.
        if isinstance(error.__context__, TimeoutError):
            raise MailTimedOut(MAIL_TIMED_OUT) from error
        raise MailError(N_("The mail server closed the connection.")) from error
    except smtplib.SMTPException as error:
        raise MailError(N_("The mail server refused the message.")) from error
    except TimeoutError as error:
        raise MailTimedOut(MAIL_TIMED_OUT) from error
    except ssl.SSLError as error:
        raise MailError(N_("No secure connection could be made to the mail server.")) from error
    except OSError as error:
        raise MailError(N_("Could not reach the mail server.")) from error


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
