"""A person's certificate for a period: choose its quotes, sign it, download it."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.errors import AppError
from api.i18n import page_language, translate
from api.models import Employee
from api.recognition.certificates import (
    NoCompliments,
    find_certificate,
    quotable_compliments,
    save_certificate,
    unsaved_certificate,
)
from api.recognition.documents import certificates_pdf
from api.recognition.leaderboard import passed_on_counts
from api.recognition.pages_leaderboard import (
    paper_of,
    pdf_response,
    period_of,
    signer_of,
    today_for,
)
from api.recognition.periods import Period, last_days, parse_period
from api.templating import templates
from api.tenancy import get_scoped
from api.web.deps import CsrfCheckedManager, CurrentManager, SessionDep, WriteSessionDep
from api.web.ids import parse_id

router = APIRouter(include_in_schema=False)


def render_choice(
    request: Request,
    manager: SignedIn,
    session: Session,
    employee_id: int,
    period: Period,
    *,
    chosen: list[int] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    """The person's compliments to quote from, the saved choice ticked, and the downloads."""
    employee = get_scoped(session, manager.tenant, Employee, employee_id)
    tenant = manager.tenant
    count = passed_on_counts(
        session=session, tenant=tenant, period=period, employee_id=employee_id
    ).get(employee_id, 0)
    saved = find_certificate(session=session, tenant=tenant, employee_id=employee_id, period=period)
    quotes = quotable_compliments(
        session=session, tenant=tenant, employee_id=employee_id, period=period
    )
    if chosen is None:
        chosen = list(saved.quote_card_ids) if saved else [quote.card_id for quote in quotes[:1]]
    context = {
        "manager": manager,
        "employee": employee,
        "period": period,
        "period_text": period.describe(page_language(request).tag),
        "count": count,
        "quotes": quotes,
        "chosen": chosen,
        "saved": saved,
        "error": error,
    }
    return templates.TemplateResponse(
        request, "recognition/certificate.html", context, status_code=status_code
    )


@router.get("/inbox/certificates/{employee_id:id}")
def certificate_page(
    request: Request, employee_id: int, manager: CurrentManager, session: SessionDep
) -> Response:
    """Choose the quotes of a person's certificate for the query's period, and download it."""
    default = last_days(today_for(manager))
    try:
        period = period_of(request, default)
    except AppError as problem:
        return render_choice(
            request,
            manager,
            session,
            employee_id,
            default,
            error=translate(request, problem.message),
            status_code=problem.status_code,
        )
    return render_choice(request, manager, session, employee_id, period)


@router.post("/inbox/certificates/{employee_id:id}")
async def sign_certificate(
    request: Request,
    employee_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    first_day: Annotated[str, Form(alias="from", max_length=10)] = "",
    last_day: Annotated[str, Form(alias="to", max_length=10)] = "",
) -> Response:
    """Save the chosen quotes and sign with the manager's name; then back to the downloads."""
    form = await request.form()
    picked = [parse_id(str(value)) for value in form.getlist("quote")]
    chosen = [card_id for card_id in picked if card_id is not None]
    period = last_days(today_for(manager))
    try:
        period = parse_period(first_day, last_day, period)
        save_certificate(
            session=session,
            tenant=manager.tenant,
            signer=signer_of(manager),
            employee_id=employee_id,
            period=period,
            quote_card_ids=chosen,
        )
    except AppError as problem:
        if problem.status_code == 404:
            raise
        session.rollback()
        return render_choice(
            request,
            manager,
            session,
            employee_id,
            period,
            chosen=chosen,
            error=translate(request, problem.message),
            status_code=problem.status_code,
        )
    return RedirectResponse(
        f"/inbox/certificates/{employee_id}?{period.query}&saved=1#downloads", status_code=303
    )


@router.get("/inbox/certificates/{employee_id:id}/certificate.pdf")
def certificate_pdf(
    request: Request, employee_id: int, manager: CurrentManager, session: SessionDep
) -> Response:
    """The person's certificate for the period: as signed, or with their newest compliment."""
    tenant = manager.tenant
    employee = get_scoped(session, tenant, Employee, employee_id)
    period = period_of(request, last_days(today_for(manager)))
    certificate = find_certificate(
        session=session, tenant=tenant, employee_id=employee_id, period=period
    )
    if certificate is None:
        count = passed_on_counts(
            session=session, tenant=tenant, period=period, employee_id=employee_id
        ).get(employee_id, 0)
        if not count:
            raise NoCompliments()
        certificate = unsaved_certificate(
            session=session,
            tenant=tenant,
            signer=signer_of(manager),
            employee_id=employee_id,
            period=period,
            count=count,
        )
    paper = paper_of(request)
    pdf = certificates_pdf(
        session=session,
        organisation_id=tenant.organisation_id,
        certificates=[certificate],
        paper=paper,
    )
    # An ASCII file name (a header holds no other): the name's Latin letters, else the id.
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in employee.display_name)
    slug = slug.strip("-").lower() or str(employee.id)
    return pdf_response(pdf, f"certificate-{slug}-{period.first_day}-{paper.value}.pdf")
