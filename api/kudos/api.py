"""The kudos wall in the JSON API: approve a shared compliment, or withdraw it."""

from fastapi import APIRouter

from api.errors import error_responses
from api.inbox.schemas import CardOut
from api.inbox.service import get_card
from api.kudos.service import approve_share, withdraw_share
from api.web.deps import ApiTenant, PathId, WriteSessionDep

router = APIRouter(
    prefix="/api/v1", tags=["cards"], responses=error_responses(400, 401, 404, 409, 422, 503)
)


@router.post("/cards/{card_id:id}/share/approve")
def approve(card_id: PathId, tenant: ApiTenant, session: WriteSessionDep) -> CardOut:
    """Show a compliment the customer chose to share on the kudos wall (`422` if they did not;
    `409` once withdrawn)."""
    approve_share(session=session, tenant=tenant, card_id=card_id)
    return get_card(session=session, tenant=tenant, card_id=card_id)


@router.post("/cards/{card_id:id}/share/withdraw")
def withdraw(card_id: PathId, tenant: ApiTenant, session: WriteSessionDep) -> CardOut:
    """Take a shared compliment off the kudos wall, for good."""
    withdraw_share(session=session, tenant=tenant, card_id=card_id)
    return get_card(session=session, tenant=tenant, card_id=card_id)
