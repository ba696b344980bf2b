"""The JSON API's print-ready sheets: the organisation's codes as a PDF to print."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.errors import error_responses
from api.printing.schemas import SheetChoice
from api.printing.service import prepare_sheet
from api.web.deps import ApiTenant, SessionDep, SettingsDep
from api.web.ids import RowId
from qr.sheets import Layout, Paper

router = APIRouter(
    prefix="/api/v1", tags=["printing"], responses=error_responses(401, 403, 404, 422, 503)
)

PDF: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The sheet, ready to print.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get("/sheets", response_class=Response, responses=PDF)
async def read_sheet(
    tenant: ApiTenant,
    session: SessionDep,
    settings: SettingsDep,
    layout: Annotated[Layout, Query(description="What to print")],
    paper: Annotated[Paper, Query()] = Paper.a4,
    location: Annotated[
        list[RowId] | None, Query(description="Only these locations' codes")
    ] = None,
    employee: Annotated[
        list[RowId] | None, Query(description="Only these employees' badges")
    ] = None,
) -> Response:
    """A print-ready PDF of the organisation's active codes: badges (employees' badge codes) or
    tents, counter cards and posters (places' codes), at most 500 codes a sheet."""
    choice = SheetChoice(
        layout=layout, paper=paper, location_ids=location or [], employee_ids=employee or []
    )
    order = await run_in_threadpool(
        prepare_sheet, session=session, tenant=tenant, choice=choice, base_url=settings.base_url
    )
    pdf = await run_in_threadpool(order.render)
    return Response(pdf, media_type="application/pdf")
