"""The JSON API's replies: read a card's replies, or answer it (emailed like a manager's reply)."""

from fastapi import APIRouter

from api.errors import error_responses
from api.inbox.replies.mail import deliver_reply
from api.inbox.replies.schemas import ReplyIn, ReplyOut
from api.inbox.replies.service import add_reply, describe_replies, list_replies
from api.web.deps import ApiTenant, PathId, RuntimeDep, SessionDep, WriteSessionDep

router = APIRouter(
    prefix="/api/v1", tags=["cards"], responses=error_responses(400, 401, 404, 409, 422, 503)
)


@router.get("/cards/{card_id:id}/replies")
def read_replies(card_id: PathId, tenant: ApiTenant, session: SessionDep) -> list[ReplyOut]:
    """A card's replies, oldest first, with what became of each one's email."""
    return list_replies(session=session, tenant=tenant, card_id=card_id)


@router.post("/cards/{card_id:id}/replies", status_code=201)
def create_reply(
    card_id: PathId,
    reply: ReplyIn,
    tenant: ApiTenant,
    session: WriteSessionDep,
    runtime: RuntimeDep,
) -> ReplyOut:
    """Answer a card: the customer's follow-up page shows it, and it is emailed if possible."""
    stored = add_reply(session=session, tenant=tenant, card_id=card_id, body=reply.body)
    assert stored.id is not None
    delivered = deliver_reply(
        engine=runtime.engine,
        reply_id=stored.id,
        settings=runtime.settings,
        secret=runtime.secret_key,
    )
    return describe_replies(session=session, replies=[delivered])[0]
