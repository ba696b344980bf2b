"""The customer withdraws their compliment from the wall, on their private follow-up page."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.customer.follow_up.service import find_card
from api.db import writer
from api.errors import error_responses
from api.kudos.schemas import ShareWithdrawnOut
from api.kudos.service import withdraw_own_share
from api.web.deps import EngineDep

router = APIRouter()


def withdraw_by_token(engine: Engine, token: str) -> None:
    with Session(writer(engine), expire_on_commit=False) as session:
        card = find_card(session=session, token=token)
        withdraw_own_share(session=session, card=card)


@router.post("/f/{token}/share/withdraw", include_in_schema=False)
async def withdraw_page(token: str, engine: EngineDep) -> Response:
    """Take my compliment off the wall; back to the follow-up page, which says so."""
    await run_in_threadpool(withdraw_by_token, engine, token)
    return RedirectResponse(f"/f/{token}#share", status_code=303)


@router.post(
    "/api/v1/follow-up/{token}/share/withdraw",
    tags=["public"],
    responses=error_responses(404, 422, 503),
)
async def withdraw_json(token: str, engine: EngineDep) -> ShareWithdrawnOut:
    """Public, for whoever holds the follow-up token: the customer takes their compliment off
    the kudos wall for good (a `422` when they never shared it)."""
    await run_in_threadpool(withdraw_by_token, engine, token)
    return ShareWithdrawnOut()
