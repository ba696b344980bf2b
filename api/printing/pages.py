"""The owner's Print page: choose a layout, paper and codes, see the first page, get the PDF.

The form is a GET, so its choices stay in the URL: the page, its preview (a PNG, since the CSP
forbids embedding a PDF) and the download share one query. FastAPI runs these plain `def` routes
in its thread pool, so drawing a sheet never blocks the event loop.
"""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import QueryParams
from starlette.responses import Response

from api.accounts.service import SignedIn
from api.errors import AppError, Unprocessable
from api.printing.schemas import SheetChoice
from api.printing.service import SheetOrder, prepare_sheet
from api.setup.codes import development_address
from api.setup.employees import list_employees
from api.setup.locations import list_locations
from api.templating import templates
from api.web.deps import OWNER_ONLY, CurrentManager, SessionDep, SettingsDep
from api.web.forms import form_errors
from qr.layouts import PER_PAGE
from qr.preview import PreviewUnavailable, first_page_png
from qr.sheets import Layout, Paper

router = APIRouter(prefix="/admin/print", include_in_schema=False, dependencies=[OWNER_ONLY])


def read_choice(query: QueryParams) -> SheetChoice:
    """The sheet a query asks for (`layout`, `paper`, `location` and `employee` repeated)."""
    return SheetChoice.model_validate(
        {
            "layout": query.get("layout"),
            "paper": query.get("paper") or Paper.a4,
            "location_ids": query.getlist("location"),
            "employee_ids": query.getlist("employee"),
        }
    )


def order_for(request: Request, manager: SignedIn, session: Session, base_url: str) -> SheetOrder:
    """The sheet the query asks for, or a 422 naming what is wrong with the query."""
    try:
        choice = read_choice(request.query_params)
    except ValidationError as error:
        raise Unprocessable(" ".join(form_errors(error, request).values())) from None
    return prepare_sheet(session=session, tenant=manager.tenant, choice=choice, base_url=base_url)


def sheet_query(choice: SheetChoice) -> str:
    pairs = [("layout", choice.layout.value), ("paper", choice.paper.value)]
    pairs += [("location", str(id_)) for id_ in choice.location_ids]
    pairs += [("employee", str(id_)) for id_ in choice.employee_ids]
    return urlencode(pairs)


@router.get("")
def print_page(
    request: Request, manager: CurrentManager, session: SessionDep, settings: SettingsDep
) -> Response:
    """The choices; once a layout is chosen, the first page's preview and the PDF's link."""
    tenant = manager.tenant
    context: dict[str, Any] = {
        "manager": manager,
        "layouts": list(Layout),
        "papers": list(Paper),
        "locations": list_locations(session=session, tenant=tenant),
        "employees": [e for e in list_employees(session=session, tenant=tenant) if e.active],
        "chosen": request.query_params,
        "order": None,
        "error": "",
        "base_url": settings.base_url,
        "development_address": development_address(settings.base_url),
    }
    status_code = 200
    if "layout" in request.query_params:
        try:
            order = order_for(request, manager, session, settings.base_url)
        except AppError as error:
            session.rollback()
            context["error"], status_code = error.shown(request), error.status_code
            if status_code == 404:
                raise
        else:
            count = len(order.items)
            context.update(
                order=order,
                query=sheet_query(order.choice),
                count=count,
                pages=-(-count // PER_PAGE[order.choice.layout]),
            )
    return templates.TemplateResponse(
        request, "printing/print.html", context, status_code=status_code
    )


@router.get("/sheet.pdf")
def sheet_pdf(
    request: Request, manager: CurrentManager, session: SessionDep, settings: SettingsDep
) -> Response:
    """The whole sheet as a PDF download."""
    order = order_for(request, manager, session, settings.base_url)
    name = f"tellus-{order.choice.layout.value}-{order.choice.paper.value}.pdf"
    return Response(
        order.render(),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/preview.png")
def sheet_preview(
    request: Request, manager: CurrentManager, session: SessionDep, settings: SettingsDep
) -> Response:
    """The sheet's first page as a PNG."""
    order = order_for(request, manager, session, settings.base_url)
    try:
        png = first_page_png(order.render(first_page_only=True))
    except PreviewUnavailable as error:
        raise AppError(str(error), status_code=503) from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-cache"})
