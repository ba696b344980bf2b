"""An organisation's own SMTP server: kept with its password encrypted, used before the
installation's, and tried with a test email."""

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import Session

from api.app_settings import stored_secret_key
from api.config import Settings
from api.errors import Unprocessable
from api.i18n import N_
from api.mail import MailError, MailServer, build_message, send_message, server_for
from api.models import OrganisationMailServer, utcnow
from api.outbound.destinations import ANSWER_SECONDS, check_destination
from api.people.schemas import MailServerIn
from api.setup.locations import require_owner
from api.tenancy import Tenant

logger = logging.getLogger(__name__)


def password_cipher(secret_key: str) -> Fernet:
    """A Fernet key of its own, derived from the app's secret key (kept on the server)."""
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"tellus smtp password"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def own_mail_server(*, session: Session, tenant: Tenant) -> OrganisationMailServer | None:
    """The organisation's own server settings (with the password still encrypted), if any."""
    require_owner(tenant)
    return session.get(OrganisationMailServer, tenant.organisation_id)


def save_mail_server(
    *, session: Session, tenant: Tenant, data: MailServerIn, settings: Settings
) -> OrganisationMailServer:
    """Store the organisation's server; the password is encrypted, a blank one left as it was.
    A server on the installation's own network is refused. Blocking (it looks the name up)."""
    require_owner(tenant)
    # Before the first query: on SQLite a writer's lock would be held through the lookup.
    check_destination(data.host, data.port, allowed=settings.outbound_allowed)
    row = session.get(OrganisationMailServer, tenant.organisation_id)
    if row is None:
        row = OrganisationMailServer(
            organisation_id=tenant.organisation_id,
            host=data.host,
            port=data.port,
            security=data.security,
            from_address=data.from_address,
        )
    row.host, row.port, row.security = data.host, data.port, data.security
    row.username, row.from_address = data.username, data.from_address
    if data.password:
        cipher = password_cipher(stored_secret_key(session=session, settings=settings))
        row.password_encrypted = cipher.encrypt(data.password.encode()).decode()
    elif not data.username:
        row.password_encrypted = ""
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    return row


def remove_mail_server(*, session: Session, tenant: Tenant) -> None:
    """Forget the organisation's server: its mail goes through the installation's again."""
    row = own_mail_server(session=session, tenant=tenant)
    if row is not None:
        session.delete(row)
        session.commit()


def organisation_server(
    *, session: Session, organisation_id: int, settings: Settings
) -> MailServer | None:
    """The organisation's own server ready to send, or None when it has none."""
    row = session.get(OrganisationMailServer, organisation_id)
    if row is None:
        return None
    password = ""
    if row.password_encrypted:
        cipher = password_cipher(stored_secret_key(session=session, settings=settings))
        try:
            password = cipher.decrypt(row.password_encrypted.encode()).decode()
        except InvalidToken:
            # The secret key changed since it was saved: sending fails at login, readably.
            logger.warning("The SMTP password of organisation %s cannot be read", organisation_id)
    return MailServer(
        host=row.host,
        port=row.port,
        security=row.security,  # type: ignore[arg-type]
        from_address=row.from_address,
        username=row.username,
        password=password,
        # Checked at every connection (a name may lead elsewhere since it was saved), and
        # never waited on for long.
        allowed=settings.outbound_allowed,
        timeout=ANSWER_SECONDS,
    )


def send_test_email(*, session: Session, tenant: Tenant, to: str, settings: Settings) -> str:
    """Send a real message through the organisation's server; Unprocessable says why it failed,
    in general terms. Blocking, for a few seconds at most: call it from a worker thread."""
    require_owner(tenant)
    server = server_for(session=session, organisation_id=tenant.organisation_id, settings=settings)
    if server is None:
        raise Unprocessable(N_("No mail server is set: set one first."))
    message = build_message(
        server=server,
        to=to,
        subject="Tellus test email",
        text=(
            "This is a test email from Tellus.\n\n"
            f"It came through {server.host}:{server.port}, so invitations and alerts will too.\n"
        ),
    )
    try:
        send_message(server, message)
    except MailError as error:
        raise Unprocessable(str(error)) from error
    return server.host
