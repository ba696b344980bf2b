"""Staff sign in by a one-time link (asked for by email, or scanned from a manager's screen) and
see their own page."""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from api.accounts.gate import SignInPaused, check_not_paused, pass_first_factor, sign_in_attempt
from api.accounts.service import normalize_email
from api.accounts.staff_links import (
    claim_staff_link,
    open_staff_link,
    request_staff_links,
    send_staff_link,
)
from api.accounts.throttle import link_attempt, record_failure, staff_link_keys, take_request
from api.customer.schemas import EMAIL
from api.errors import AppError, Gone, NotFound
from api.i18n import N_, page_language, translate
from api.models import utcnow
from api.recognition.documents import employee_certificate_pdf
from api.staff.recognition import own_certificates, own_leaderboard
from api.staff.service import own_employee, staff_page
from api.templating import templates
from api.text import ManagerText
from api.web.deps import SecretKeyDep, SessionDep, SettingsDep, StaffMember, WriteSessionDep
from qr.sheets import Paper

router = APIRouter(include_in_schema=False)
NOT_AN_EMAIL = N_("This email address does not look right.")
TOO_MANY = N_("Too many requests for a sign-in link. Please wait an hour and try again.")


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    error = context.pop("error", "")
    context["error"] = translate(request, error) if error else ""
    return templates.TemplateResponse(request, f"staff/{name}", context, status_code=status_code)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/staff/sign-in")
def sign_in_form(request: Request) -> Response:
    """The form asking for a one-time sign-in link."""
    return render(request, "sign_in.html", email="")


@router.post("/staff/sign-in")
def ask_for_link(
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    email: Annotated[ManagerText, Form(max_length=254)] = "",
) -> Response:
    """Email a link to a staff member with this address; answer the same either way
    (throttled)."""
    address = normalize_email(email)
    if not EMAIL.match(address):
        return render(request, "sign_in.html", 422, email=email, error=NOT_AN_EMAIL)
    keys = staff_link_keys(email=address, client=client_of(request))
    again_at = take_request(session=session, keys=keys)
    if again_at is not None:
        response = render(request, "sign_in.html", 429, email=email, error=TOO_MANY)
        response.headers["Retry-After"] = str(int((again_at - utcnow()).total_seconds()) + 1)
        return response
    for link in request_staff_links(session=session, email=address):
        # After the response, so the answer takes as long whether or not an email goes out.
        background.add_task(send_staff_link, settings=settings, link=link)
    return RedirectResponse("/staff/sign-in/sent", status_code=303)


@router.get("/staff/sign-in/sent")
def link_sent(request: Request) -> Response:
    """What happens next, the same words whoever asked."""
    return render(request, "sign_in_sent.html")


@router.get("/staff/link/{token}")
def link_page(request: Request, token: str, session: SessionDep) -> Response:
    """A button that signs in: opening the link (a mail scanner may) changes nothing."""
    try:
        _, user, organisation = open_staff_link(session=session, token=token)
    except (NotFound, Gone) as error:
        return render(request, "link.html", error.status_code, error=error.message)
    return render(request, "link.html", email=user.email, organisation=organisation.name)


@router.post("/staff/link/{token}")
def use_link(
    request: Request,
    token: str,
    session: WriteSessionDep,
    settings: SettingsDep,
    secret_key: SecretKeyDep,
) -> Response:
    """Use the link once, then the sign-in gate (which asks for a second factor if the person
    has one) opens a staff session on the link's organisation."""
    guess = link_attempt(client=client_of(request))
    try:
        check_not_paused(session=session, attempt=guess)
        link, user, organisation = open_staff_link(session=session, token=token)
        claim_staff_link(session=session, link=link)
    except SignInPaused as error:
        response = render(request, "link.html", 429, error=error.message)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except (NotFound, Gone) as error:
        session.rollback()
        record_failure(session=session, attempt=guess)
        return render(request, "link.html", error.status_code, error=error.message)
    attempt = sign_in_attempt(request, settings, user.email, secret_key=secret_key)
    try:
        return pass_first_factor(
            request,
            session,
            settings,
            user=user,
            attempt=attempt,
            secret_key=secret_key,
            next_path="/staff",
            organisation_id=organisation.id,
        )
    except AppError as error:
        session.rollback()
        return render(request, "link.html", error.status_code, error=error.message)


@router.get("/staff")
def own_page(request: Request, staff: StaffMember, session: SessionDep) -> Response:
    """The compliments passed on to this staff member, their months, their certificates, the
    leaderboard if the owners share it, and their badge."""
    organisation = staff.organisation
    assert organisation.id is not None
    employee = own_employee(
        session=session, organisation_id=organisation.id, employee_id=staff.employee_id
    )
    if employee is None:
        return render(request, "page.html", manager=staff, page=None)
    language_tag = page_language(request).tag
    page = staff_page(
        session=session,
        organisation_id=organisation.id,
        employee=employee,
        time_zone=organisation.time_zone,
    )
    return render(
        request,
        "page.html",
        manager=staff,
        page=page,
        certificates=own_certificates(
            session=session, employee=employee, language_tag=language_tag
        ),
        board=own_leaderboard(
            session=session, organisation=organisation, language_tag=language_tag
        ),
    )


@router.get("/staff/certificates/{certificate_id:id}.pdf")
def own_certificate_pdf(
    certificate_id: int,
    staff: StaffMember,
    session: SessionDep,
    paper: Annotated[Paper, Query()] = Paper.a4,
) -> Response:
    """One of this staff member's own certificates as a PDF (A4 or Letter); anyone else's is
    the same 404 as a missing one."""
    organisation_id = staff.organisation.id or 0
    employee = own_employee(
        session=session, organisation_id=organisation_id, employee_id=staff.employee_id
    )
    if employee is None or employee.id is None:
        raise NotFound()
    pdf = employee_certificate_pdf(
        session=session, employee_id=employee.id, certificate_id=certificate_id, paper=paper
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-{certificate_id}-'
            f'{paper.value}.pdf"'
        },
    )
