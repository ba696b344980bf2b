"""Approving a shared compliment for the wall, or withdrawing it, from the manager's card page."""

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from api.errors import AppError
from api.inbox.card_page import render_card_page
from api.kudos.service import approve_share, withdraw_share
from api.web.deps import CsrfCheckedManager, WriteSessionDep

router = APIRouter(include_in_schema=False)


@router.post("/inbox/{card_id:id}/share/approve")
def approve(
    request: Request, card_id: int, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Show a compliment the customer chose to share on the kudos wall."""
    return _act(request, card_id, manager, session, approve=True)


@router.post("/inbox/{card_id:id}/share/withdraw")
def withdraw(
    request: Request, card_id: int, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Take a compliment off the kudos wall, for good."""
    return _act(request, card_id, manager, session, approve=False)


def _act(
    request: Request,
    card_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    *,
    approve: bool,
) -> Response:
    change = approve_share if approve else withdraw_share
    try:
        change(session=session, tenant=manager.tenant, card_id=card_id)
    except AppError as error:
        if error.status_code == 404:
            raise
        session.rollback()
        return render_card_page(
            request,
            manager,
            session,
            card_id,
            error=error.message,
            status_code=error.status_code,
        )
    return RedirectResponse(f"/inbox/{card_id}#share", status_code=303)
