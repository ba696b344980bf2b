"""The words of certificates and of the thank-you poster, in the organisation's language, and
their PDFs (drawn by `qr.certificates`: plain Python, no database)."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from api.i18n import ENGLISH, Language, find_language
from api.models import Certificate, Employee, Organisation
from api.printing.service import PrintingUnavailable
from api.recognition.certificates import employee_certificate, quoted_texts
from api.recognition.leaderboard import Standing
from api.recognition.periods import Period
from api.templating import readable_on
from qr.certificates import CertificateText, PosterText, render_certificates, render_poster
from qr.fonts import FontMissing
from qr.sheets import Paper, SheetStyle


def organisation_language(organisation: Organisation) -> Language:
    return find_language(organisation.default_language) or ENGLISH


def sheet_style(organisation: Organisation, language: Language) -> SheetStyle:
    return SheetStyle(
        organisation=organisation.name,
        accent=readable_on(organisation.accent_colour, "#ffffff"),
        logo=organisation.logo,
        right_to_left=language.direction == "rtl",
    )


def certificate_text(
    *,
    session: Session,
    certificate: Certificate,
    name: str,
    organisation: Organisation,
    language: Language,
) -> CertificateText:
    """What one certificate says."""
    _ = language.gettext
    count = certificate.compliments
    period = Period(certificate.starts_on, certificate.ends_on)
    return CertificateText(
        title=_("Certificate of Appreciation"),
        presented_to=_("presented to"),
        name=name,
        reason=language.translations.ngettext(
            "for %(num)d compliment from our customers",
            "for %(num)d compliments from our customers",
            count,
        )
        % {"num": count},
        period=period.describe_long(language.tag),
        quotes=tuple(quoted_texts(session=session, certificate=certificate)),
        signer=certificate.signed_by_name,
        signer_caption=_("for %(organisation)s") % {"organisation": organisation.name},
        count=str(count),
        count_label=language.translations.ngettext("compliment", "compliments", count),
    )


def certificates_pdf(
    *, session: Session, organisation_id: int, certificates: Sequence[Certificate], paper: Paper
) -> bytes:
    """These certificates (one organisation's), a page each."""
    organisation = session.get_one(Organisation, organisation_id)
    language = organisation_language(organisation)
    ids = [certificate.employee_id for certificate in certificates]
    names = dict(
        session.exec(
            select(Employee.id, Employee.display_name).where(col(Employee.id).in_(ids))
        ).all()
    )
    texts = [
        certificate_text(
            session=session,
            certificate=certificate,
            name=names[certificate.employee_id],
            organisation=organisation,
            language=language,
        )
        for certificate in certificates
    ]
    try:
        return render_certificates(
            paper=paper, style=sheet_style(organisation, language), certificates=texts
        )
    except FontMissing as error:
        raise PrintingUnavailable(str(error)) from None


def poster_pdf(
    *,
    session: Session,
    organisation_id: int,
    period: Period,
    standings: Sequence[Standing],
    paper: Paper,
) -> bytes:
    """The thank-you poster for the period, naming everyone on its leaderboard."""
    organisation = session.get_one(Organisation, organisation_id)
    language = organisation_language(organisation)
    _ = language.gettext
    when = period.describe(language.tag)
    poster = PosterText(
        headline=_("Thank you!"),
        message=_("For every kind word our customers wrote about you, %(period)s.")
        % {"period": when},
        names=tuple(standing.name for standing in standings),
        footer=_("Customer Service Week") + " · " + when,
    )
    try:
        return render_poster(paper=paper, style=sheet_style(organisation, language), poster=poster)
    except FontMissing as error:
        raise PrintingUnavailable(str(error)) from None


def employee_certificate_pdf(
    *, session: Session, employee_id: int, certificate_id: int, paper: Paper
) -> bytes:
    """One of the person's own certificates as a PDF, for their staff page; another person's
    is NotFound."""
    certificate = employee_certificate(
        session=session, employee_id=employee_id, certificate_id=certificate_id
    )
    return certificates_pdf(
        session=session,
        organisation_id=certificate.organisation_id,
        certificates=[certificate],
        paper=paper,
    )
