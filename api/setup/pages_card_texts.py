"""The owner's card texts page: the question, thank-you and data-use line in each language."""

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import Response

from api.accounts.service import SignedIn
from api.errors import NotFound, Unprocessable
from api.i18n import LANGUAGES, N_
from api.setup.card_placeholders import fill_in_name
from api.setup.card_texts import (
    FIELDS,
    CardWording,
    all_wordings,
    example_names,
    save_wording,
)
from api.setup.schemas import CARD_TEXT_LIMITS, CardTextsIn
from api.web.deps import (
    OWNER_ONLY,
    CodeCacheDep,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form

router = APIRouter(prefix="/admin/card-texts", include_in_schema=False, dependencies=[OWNER_ONLY])


def texts_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    wordings = all_wordings(session=session, tenant=manager.tenant)
    return {
        "wordings": [(LANGUAGES[item.language.lower()].name, item) for item in wordings],
        "limits": CARD_TEXT_LIMITS,
        # Each form's preview: its texts as the organisation's cards would show them.
        "examples": example_names(session=session, tenant=manager.tenant),
        "fill_in_name": fill_in_name,
    }


TEXTS = FormPage("setup/card_texts.html", texts_context)


@router.get("")
def card_texts(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Each language's card texts, blank where the built-in text is used."""
    return TEXTS.render(request, manager, session)


@router.post("")
async def update_card_texts(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    code_cache: CodeCacheDep,
) -> Response:
    """Save one language's texts (the cards show them within the code cache's few seconds), or
    with action=preview, show them as the cards would without saving."""
    values = await read_form(request)
    language = str(values.get("language", ""))

    def preview() -> Response:
        CardTextsIn.model_validate({field: values.get(field) or "" for field in FIELDS})
        return TEXTS.render(request, manager, session, values=values, form=language)

    def save() -> str:
        texts = CardTextsIn.model_validate({field: values.get(field) or "" for field in FIELDS})
        try:
            saved = save_wording(
                session=session,
                tenant=manager.tenant,
                wording=CardWording(language, **texts.model_dump()),
                code_cache=code_cache,
            )
        except NotFound:
            raise Unprocessable(N_("Pick a language.")) from None
        return f"/admin/card-texts#lang-{saved.language}"

    action = preview if values.get("action") == "preview" else save
    return submit_form(TEXTS, request, manager, session, action, values=values, form=language)
