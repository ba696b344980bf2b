"""The customer erases their own card from its follow-up page: a button, a confirmation, done.

Plain forms, no JavaScript: the link's token is the credential, as for the page itself, and the
Origin check refuses a POST from another site.
"""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.responses import Response

from api.customer.follow_up.service import (
    PRIVATE_HEADERS,
    FollowUp,
    find_card,
    read_follow_up,
)
from api.customer.rendering import render_page
from api.db import writer
from api.i18n import set_page_language
from api.lifecycle.rights import erase_cards
from api.web.deps import EngineDep

router = APIRouter(include_in_schema=False)


@router.get("/f/{token}/erase")
async def confirm_erase(request: Request, token: str, engine: EngineDep) -> Response:
    """Ask the customer to confirm that their card should be erased."""
    follow = await run_in_threadpool(read_follow_up, engine=engine, token=token)
    return _page(request, follow, token=token, erased=False)


@router.post("/f/{token}/erase")
async def erase_own_card(request: Request, token: str, engine: EngineDep) -> Response:
    """Erase the card and everything about it; the audit trail keeps only that it happened."""
    follow = await run_in_threadpool(read_follow_up, engine=engine, token=token)
    await run_in_threadpool(_erase, engine, token)
    return _page(request, follow, token=token, erased=True)


def _erase(engine: Engine, token: str) -> None:
    with Session(writer(engine)) as session:
        card = find_card(session=session, token=token)
        erase_cards(
            session=session,
            organisation_id=card.organisation_id,
            actor_id=None,
            cards=[card],
            by="customer",
        )


def _page(request: Request, follow: FollowUp, *, token: str, erased: bool) -> Response:
    set_page_language(request, default=follow.language, chosen=follow.language)
    response = render_page(
        request,
        "customer/follow_up/erase.html",
        {"follow": follow, "token": token, "erased": erased},
    )
    # Same-origin, not no-referrer: the confirmation's POST must carry this site's Origin.
    response.headers.update(PRIVATE_HEADERS | {"Referrer-Policy": "same-origin"})
    return response
