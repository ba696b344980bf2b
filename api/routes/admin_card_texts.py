"""The owner's card texts page: the question, thank-you and data-use line in each language."""

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.deps import OWNER_ONLY, CsrfCheckedManager, CurrentManager, SessionDep, WriteSessionDep
from api.errors import AppError
from api.i18n import LANGUAGES
from api.routes.admin import read_form, render
from api.services.accounts import SignedIn
from api.services.card_texts import FIELDS, CardWording, all_wordings, save_wording
from api.services.locations import require_owner

router = APIRouter(prefix="/admin/card-texts", include_in_schema=False, dependencies=[OWNER_ONLY])
LIMITS = {"question": 200, "thanks": 300, "data_use": 400}


def texts_page(
    request: Request,
    manager: SignedIn,
    session: Session,
    *,
    typed: CardWording | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    wordings = all_wordings(session=session, tenant=manager.tenant)
    if typed is not None:
        wordings = [typed if item.language == typed.language else item for item in wordings]
    return render(
        request,
        "card_texts.html",
        manager,
        status_code=status_code,
        wordings=[(LANGUAGES[item.language.lower()].name, item) for item in wordings],
        limits=LIMITS,
        errors=errors or {},
        error_language=typed.language if typed else None,
    )


@router.get("")
def card_texts(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Each language's card texts, blank where the built-in text is used."""
    require_owner(manager.tenant)
    return texts_page(request, manager, session)


@router.post("")
async def update_card_texts(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Save one language's texts; the cards show them within the code cache's few seconds."""
    require_owner(manager.tenant)
    values: dict[str, Any] = await read_form(request)
    typed = CardWording(
        str(values.get("language", "")), **{field: str(values.get(field, "")) for field in FIELDS}
    )
    too_long = {
        field: f"Please keep this under {limit} characters."
        for field, limit in LIMITS.items()
        if len(getattr(typed, field)) > limit
    }
    if too_long:
        return texts_page(request, manager, session, typed=typed, errors=too_long, status_code=422)
    try:
        saved = save_wording(session=session, tenant=manager.tenant, wording=typed)
    except AppError as error:
        if error.status_code != 404:
            raise
        return texts_page(
            request, manager, session, errors={"form": "Pick a language."}, status_code=422
        )
    request.app.state.code_cache.invalidate_organisation(manager.tenant.organisation_id)
    return RedirectResponse(f"/admin/card-texts#lang-{saved.language}", status_code=303)
