"""Certificates of appreciation: a person's passed-on compliments over a period, with one to
three quotes a manager chose from them, signed with the manager's name.

A manager chooses and signs (`save_certificate`); the certificate is kept, so its person can
download it later (`employee_certificates`, `render_employee_certificate`, for the staff page).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from api.alerts.routing import organisation_zone
from api.errors import NotFound, Unprocessable
from api.i18n import N_
from api.models import Card, Certificate, Employee, Organisation, PassOn
from api.recognition.leaderboard import passed_on_counts
from api.recognition.periods import Period
from api.recognition.service import COMPLIMENT_MIN_RATING
from api.tenancy import Tenant, get_scoped, scoped

QUOTES_MAX = 3
# The compliments a manager may choose from: the newest first, enough for any period.
CHOICES_MAX = 100


class NoCompliments(Unprocessable):
    title = N_("This person has no compliments passed on in this period.")


class BadQuotes(Unprocessable):
    title = N_("Choose one to three quotes from this person's compliments.")


@dataclass(frozen=True)
class Quote:
    """A passed-on compliment with words: what a certificate may quote."""

    card_id: int
    text: str
    sent_at: datetime


def quotable_compliments(
    *, session: Session, tenant: Tenant, employee_id: int, period: Period
) -> list[Quote]:
    """The person's passed-on compliments with a comment over the period, newest first, as
    this tenant may see them (a limited manager: their locations')."""
    organisation = session.get_one(Organisation, tenant.organisation_id)
    start, end = period.bounds(organisation_zone(organisation))
    rows = session.exec(
        scoped(tenant, Card)
        .join(PassOn, col(PassOn.card_id) == Card.id)
        .where(PassOn.employee_id == employee_id)
        .where(col(Card.rating) >= COMPLIMENT_MIN_RATING)
        .where(col(Card.created_at) >= start)
        .where(col(Card.created_at) < end)
        .where(col(Card.comment) != "")
        .order_by(col(Card.created_at).desc(), col(Card.id).desc())
        .limit(CHOICES_MAX)
    ).all()
    return [Quote(row.id, row.comment.strip(), row.created_at) for row in rows if row.id]


def find_certificate(
    *, session: Session, tenant: Tenant, employee_id: int, period: Period
) -> Certificate | None:
    return session.exec(
        scoped(tenant, Certificate)
        .where(Certificate.employee_id == employee_id)
        .where(Certificate.starts_on == period.first_day)
        .where(Certificate.ends_on == period.last_day)
    ).first()


def save_certificate(
    *,
    session: Session,
    tenant: Tenant,
    signer: str,
    employee_id: int,
    period: Period,
    quote_card_ids: list[int],
) -> Certificate:
    """Sign (or sign again) the person's certificate for the period with the chosen quotes: one
    to three of their passed-on compliments (none only when none has words)."""
    employee = get_scoped(session, tenant, Employee, employee_id)
    counts = passed_on_counts(
        session=session, tenant=tenant, period=period, employee_id=employee_id
    )
    count = counts.get(employee_id, 0)
    if count == 0:
        raise NoCompliments()
    choices = {
        quote.card_id
        for quote in quotable_compliments(
            session=session, tenant=tenant, employee_id=employee_id, period=period
        )
    }
    chosen = list(dict.fromkeys(quote_card_ids))
    if len(chosen) > QUOTES_MAX or any(card_id not in choices for card_id in chosen):
        raise BadQuotes()
    if not chosen and choices:
        raise BadQuotes()
    certificate = find_certificate(
        session=session, tenant=tenant, employee_id=employee_id, period=period
    ) or Certificate(
        organisation_id=tenant.organisation_id,
        employee_id=employee.id or 0,
        starts_on=period.first_day,
        ends_on=period.last_day,
        compliments=count,
        signed_by_name=signer,
    )
    certificate.compliments = count
    certificate.quote_card_ids = chosen
    certificate.signed_by_id = tenant.user_id
    certificate.signed_by_name = signer[:120]
    session.add(certificate)
    session.commit()
    return certificate


def unsaved_certificate(
    *, session: Session, tenant: Tenant, signer: str, employee_id: int, period: Period, count: int
) -> Certificate:
    """The certificate a person gets when nobody chose its quotes: their newest compliment with
    words, signed by whoever prints it (not stored)."""
    newest = quotable_compliments(
        session=session, tenant=tenant, employee_id=employee_id, period=period
    )[:1]
    return Certificate(
        organisation_id=tenant.organisation_id,
        employee_id=employee_id,
        starts_on=period.first_day,
        ends_on=period.last_day,
        compliments=count,
        quote_card_ids=[quote.card_id for quote in newest],
        signed_by_id=tenant.user_id,
        signed_by_name=signer[:120],
    )


def quoted_texts(*, session: Session, certificate: Certificate) -> list[str]:
    """The words of the certificate's quotes, in the chosen order; an erased card drops out."""
    ids = list(certificate.quote_card_ids or [])
    if not ids:
        return []
    texts = dict(
        session.exec(
            select(Card.id, Card.comment)
            .where(col(Card.id).in_(ids))
            .where(Card.organisation_id == certificate.organisation_id)
        ).all()
    )
    return [texts[card_id].strip() for card_id in ids if texts.get(card_id, "").strip()]


def employee_certificates(*, session: Session, employee_id: int) -> list[Certificate]:
    """Every certificate a person was given, the latest period first: for their staff page."""
    return list(
        session.exec(
            select(Certificate)
            .where(Certificate.employee_id == employee_id)
            .order_by(col(Certificate.starts_on).desc(), col(Certificate.id).desc())
        ).all()
    )


def employee_certificate(*, session: Session, employee_id: int, certificate_id: int) -> Certificate:
    """One of the person's own certificates; another's is the same NotFound as a missing one."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None or certificate.employee_id != employee_id:
        raise NotFound()
    return certificate
