"""The owner's Data page: retention, a customer's rights requests, deleting the organisation.

A customer's address never goes into a URL (it would reach the access log and the browser's
history): the search, the export and the erasure are POSTs.
"""

import json
from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.errors import AppError
from api.lifecycle.policy import get_policy, save_policy
from api.lifecycle.retention import MINIMUM_DAYS, PROPOSED_CARD_DAYS, PROPOSED_CONTACT_DAYS
from api.lifecycle.rights import erase_cards, export_cards, find_cards
from api.lifecycle.schemas import RetentionIn, RightsQuery
from api.models import Card
from api.templating import templates
from api.web.deps import (
    OWNER_ONLY,
    CodeCacheDep,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form

router = APIRouter(include_in_schema=False)


def data_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    policy = get_policy(session=session, tenant=manager.tenant)
    return {
        "policy": policy,
        "values": {
            "contact_days": policy.contact_days or "",
            "card_days": policy.card_days or "",
        },
        "minimum_days": MINIMUM_DAYS,
        "proposed": (PROPOSED_CONTACT_DAYS, PROPOSED_CARD_DAYS),
        "erased": request.query_params.get("erased"),
    }


DATA = FormPage("lifecycle/data.html", data_context)


@router.get("/admin/data", dependencies=[OWNER_ONLY])
def data_page(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Retention, rights requests and the organisation's deletion."""
    return DATA.render(request, manager, session)


@router.post("/admin/data/retention", dependencies=[OWNER_ONLY])
async def update_retention(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    code_cache: CodeCacheDep,
) -> Response:
    """Confirm the retention policy; the worker applies it from its next pass."""
    values = await read_form(request)

    def save() -> str:
        data = RetentionIn.model_validate(values)
        save_policy(session=session, tenant=manager.tenant, data=data, code_cache=code_cache)
        return "/admin/data"

    return submit_form(DATA, request, manager, session, save, values=values, form="retention")


async def _rights_query(request: Request) -> RightsQuery:
    values = await read_form(request)
    return RightsQuery.model_validate(
        {"email": values.get("email", ""), "phone": values.get("phone", "")}
    )


async def _customer_cards(request: Request, manager: SignedIn, session: Session) -> list[Card]:
    query = await _rights_query(request)
    return find_cards(session=session, tenant=manager.tenant, **query.model_dump())


@router.post("/admin/data/rights", dependencies=[OWNER_ONLY])
async def search_customer(
    request: Request, manager: CsrfCheckedManager, session: SessionDep
) -> Response:
    """Every card a customer left, as a page to read or print, with export and erase."""
    query = await _rights_query(request)
    try:
        cards = find_cards(session=session, tenant=manager.tenant, **query.model_dump())
    except AppError as error:
        return DATA.render(
            request,
            manager,
            session,
            values=query.model_dump(),
            form="rights",
            errors={"rights": error.message},
            status_code=error.status_code,
        )
    return _rights_page(request, manager, session, query, cards)


def _rights_page(
    request: Request,
    manager: SignedIn,
    session: Session,
    query: RightsQuery,
    cards: list[Card],
    *,
    unconfirmed: bool = False,
) -> Response:
    return templates.TemplateResponse(
        request,
        "lifecycle/rights.html",
        {
            "manager": manager,
            "query": query,
            "cards": export_cards(session=session, tenant=manager.tenant, cards=cards),
            "unconfirmed": unconfirmed,
        },
        status_code=422 if unconfirmed else 200,
    )


@router.post("/admin/data/rights/export.json", dependencies=[OWNER_ONLY])
async def export_customer(
    request: Request, manager: CsrfCheckedManager, session: SessionDep
) -> Response:
    """The customer's cards as a JSON file to hand them."""
    cards = await _customer_cards(request, manager, session)
    body = {
        "organisation": manager.organisation.name,
        "cards": export_cards(session=session, tenant=manager.tenant, cards=cards),
    }
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="cards.json"'},
    )


@router.post("/admin/data/rights/erase", dependencies=[OWNER_ONLY])
async def erase_customer(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Erase every card the customer left, everywhere; the audit trail keeps only the act."""
    values = await read_form(request)
    query = await _rights_query(request)
    cards = find_cards(session=session, tenant=manager.tenant, **query.model_dump())
    if values.get("checked") != "on":
        return _rights_page(request, manager, session, query, cards, unconfirmed=True)
    erased = erase_cards(
        session=session,
        organisation_id=manager.tenant.organisation_id,
        actor_id=manager.tenant.user_id,
        cards=cards,
        by="owner",
    )
    return RedirectResponse(f"/admin/data?erased={erased}", status_code=303)
