"""The JSON API for the card's texts per language."""

from fastapi import APIRouter

from api.errors import error_responses
from api.setup.card_texts import CardWording, all_wordings, save_wording
from api.setup.schemas import CardTextsIn, CardTextsOut
from api.web.deps import ApiTenant, CodeCacheDep, SessionDep, WriteSessionDep

router = APIRouter(
    prefix="/api/v1/card-texts",
    tags=["set-up"],
    responses=error_responses(400, 401, 403, 404, 422, 503),
)


def text_out(wording: CardWording) -> CardTextsOut:
    return CardTextsOut(
        language=wording.language,
        question=wording.question,
        thanks=wording.thanks,
        data_use=wording.data_use,
    )


@router.get("")
def list_card_texts(tenant: ApiTenant, session: SessionDep) -> list[CardTextsOut]:
    """The card texts of every language the card speaks."""
    return [text_out(item) for item in all_wordings(session=session, tenant=tenant)]


@router.put("/{language}")
def put_card_texts(
    language: str,
    texts: CardTextsIn,
    tenant: ApiTenant,
    session: WriteSessionDep,
    code_cache: CodeCacheDep,
) -> CardTextsOut:
    """Set one language's texts; an unknown language is a 404."""
    wording = CardWording(language, **texts.model_dump())
    saved = save_wording(session=session, tenant=tenant, wording=wording, code_cache=code_cache)
    return text_out(saved)
