"""The leaderboard and the Customer Service Week pages, their PDFs, and the owner's settings.

The period is in the query (`from`, `to`), so a page, its links and its PDFs share it.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.alerts.routing import organisation_zone
from api.errors import AppError
from api.i18n import page_language, translate
from api.recognition.certificates import find_certificate, unsaved_certificate
from api.recognition.documents import certificates_pdf, poster_pdf
from api.recognition.leaderboard import (
    NobodyToThank,
    Standing,
    leaderboard,
    save_leaderboard_settings,
)
from api.recognition.periods import (
    Period,
    last_days,
    latest_service_week,
    parse_period,
    service_week,
    upcoming_service_week,
)
from api.templating import templates
from api.web.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
)
from qr.sheets import Paper

router = APIRouter(include_in_schema=False)
settings_router = APIRouter(include_in_schema=False, dependencies=[OWNER_ONLY])


def today_for(manager: SignedIn) -> date:
    """Today on the organisation's wall clock."""
    return datetime.now(UTC).astimezone(organisation_zone(manager.organisation)).date()


def period_of(request: Request, default: Period) -> Period:
    query = request.query_params
    return parse_period(query.get("from"), query.get("to"), default)


def paper_of(request: Request) -> Paper:
    return Paper.letter if request.query_params.get("paper") == "letter" else Paper.a4


def signer_of(manager: SignedIn) -> str:
    return manager.user.display_name or manager.user.email


def render_board(
    request: Request,
    manager: SignedIn,
    session: Session,
    *,
    template: str,
    default: Period,
    extra: dict[str, Any] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    """A page of standings for the query's period (or `default`); a bad period is shown, not
    guessed at, with the default's standings."""
    try:
        period = period_of(request, default)
    except AppError as problem:
        period, error, status_code = default, translate(request, problem.message), 422
    context = {
        "manager": manager,
        "period": period,
        "period_text": period.describe(page_language(request).tag),
        "standings": leaderboard(session=session, tenant=manager.tenant, period=period),
        "minimum": manager.organisation.leaderboard_minimum,
        "for_staff": manager.organisation.leaderboard_for_staff,
        "error": error,
        **(extra or {}),
    }
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def board_periods(today: date) -> dict[str, Period]:
    """The quick choices above the leaderboard."""
    month_start = today.replace(day=1)
    return {
        "last_30_days": last_days(today),
        "this_month": Period(month_start, today),
        "service_week": latest_service_week(today),
    }


@router.get("/inbox/leaderboard")
def leaderboard_page(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Compliments passed on per person over a period (the last 30 days unless chosen)."""
    today = today_for(manager)
    return render_board(
        request,
        manager,
        session,
        template="recognition/leaderboard.html",
        default=last_days(today),
        extra={"quick": board_periods(today)},
    )


@settings_router.post("/admin/leaderboard")
def save_settings(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    minimum: Annotated[str, Form(max_length=10)] = "",
    for_staff: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """An owner's choice: staff see the leaderboard or not, and its minimum."""
    try:
        number = int(minimum.strip()) if minimum.strip().isdigit() else 0
        save_leaderboard_settings(
            session=session, tenant=manager.tenant, for_staff=bool(for_staff), minimum=number
        )
    except AppError as problem:
        session.rollback()
        today = today_for(manager)
        return render_board(
            request,
            manager,
            session,
            template="recognition/leaderboard.html",
            default=last_days(today),
            extra={"quick": board_periods(today), "typed_minimum": minimum},
            error=translate(request, problem.message),
            status_code=problem.status_code,
        )
    return RedirectResponse("/inbox/leaderboard?saved=1#settings", status_code=303)


@router.get("/inbox/service-week")
def service_week_page(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Customer Service Week: its leaderboard, everyone's certificates, the poster."""
    today = today_for(manager)
    # The default is the latest week that has begun; the coming one is offered in the week
    # before it, when the owners' digest reminds them.
    week = latest_service_week(today)
    newest = week.first_day.year + (1 if upcoming_service_week(today) else 0)
    years = [service_week(year) for year in range(newest, newest - 3, -1)]
    return render_board(
        request,
        manager,
        session,
        template="recognition/service_week.html",
        default=week,
        extra={"weeks": years},
    )


def week_standings(
    request: Request, manager: SignedIn, session: Session
) -> tuple[Period, list[Standing]]:
    period = period_of(request, latest_service_week(today_for(manager)))
    return period, leaderboard(session=session, tenant=manager.tenant, period=period)


@router.get("/inbox/service-week/certificates.pdf")
def week_certificates(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Everyone on the period's leaderboard, a certificate a page: the quotes a manager chose,
    or else each person's newest compliment."""
    period, standings = week_standings(request, manager, session)
    tenant, signer = manager.tenant, signer_of(manager)
    chosen = [
        find_certificate(
            session=session, tenant=tenant, employee_id=standing.employee_id, period=period
        )
        or unsaved_certificate(
            session=session,
            tenant=tenant,
            signer=signer,
            employee_id=standing.employee_id,
            period=period,
            count=standing.compliments,
        )
        for standing in standings
    ]
    if not chosen:
        raise NobodyToThank()
    paper = paper_of(request)
    pdf = certificates_pdf(
        session=session, organisation_id=tenant.organisation_id, certificates=chosen, paper=paper
    )
    return pdf_response(pdf, f"certificates-{period.first_day}-{paper.value}.pdf")


@router.get("/inbox/service-week/poster.pdf")
def week_poster(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The thank-you poster (A3, or Tabloid for Letter), naming the period's leaderboard."""
    period, standings = week_standings(request, manager, session)
    paper = paper_of(request)
    pdf = poster_pdf(
        session=session,
        organisation_id=manager.tenant.organisation_id,
        period=period,
        standings=standings,
        paper=paper,
    )
    return pdf_response(pdf, f"thank-you-{period.first_day}-{paper.value}.pdf")


def pdf_response(pdf: bytes, name: str) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
