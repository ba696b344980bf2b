"""The signed-in person's own account: which organisation they are looking at."""

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.responses import RedirectResponse, Response

from api.accounts.service import switch_organisation
from api.web.deps import CsrfCheckedSettingUpManager, WriteSessionDep
from api.web.ids import require_id

router = APIRouter(include_in_schema=False)


@router.post("/organisation")
def switch(
    manager: CsrfCheckedSettingUpManager,
    session: WriteSessionDep,
    organisation_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Open another organisation this person manages; anything else is the same 404."""
    switch_organisation(
        session=session, session_id=manager.session_id, organisation_id=require_id(organisation_id)
    )
    return RedirectResponse("/inbox", status_code=303)
