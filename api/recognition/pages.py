"""Thank & pass on, from the manager's card page."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.errors import AppError
from api.i18n import translate
from api.inbox.card_page import render_card_page
from api.recognition.mail import deliver_pass_on
from api.recognition.service import pass_on_compliment
from api.text import ManagerText
from api.web.deps import CsrfCheckedManager, RuntimeDep, WriteSessionDep
from api.web.ids import parse_id

router = APIRouter(include_in_schema=False)


@router.post("/inbox/{card_id:id}/pass-on")
def pass_on(
    request: Request,
    card_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    note: Annotated[ManagerText, Form(max_length=4000)] = "",
    copy_owner_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Pass a compliment on to the employee it names, with a note; then email it if possible."""
    try:
        stored = pass_on_compliment(
            session=session,
            tenant=manager.tenant,
            card_id=card_id,
            note=note,
            copy_owner_id=parse_id(copy_owner_id),
        )
    except AppError as error:
        if error.status_code == 404:
            raise
        session.rollback()
        return render_card_page(
            request,
            manager,
            session,
            card_id,
            note=note,
            pass_on_error=translate(request, error.message),
            status_code=error.status_code,
        )
    assert stored.id is not None
    deliver_pass_on(
        engine=runtime.engine,
        pass_on_id=stored.id,
        settings=runtime.settings,
        secret=runtime.secret_key,
    )
    return RedirectResponse(f"/inbox/{card_id}#passed-on", status_code=303)
