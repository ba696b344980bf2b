"""The JSON API's replies: read a card's replies, or answer it (emailed like a manager's reply)."""

from fastapi import APIRouter, Request

from api.inbox.replies.mail import deliver_reply
from api.inbox.replies.schemas import ReplyIn, ReplyOut
from api.inbox.replies.service import add_reply, describe_replies, list_replies
from api.web.deps import ApiTenant, SessionDep, WriteSessionDep

router = APIRouter(prefix="/api/v1", tags=["cards"])


@router.get("/cards/{card_id:id}/replies")
def read_replies(card_id: int, tenant: ApiTenant, session: SessionDep) -> list[ReplyOut]:
    """A card's replies, oldest first, with what became of each one's email."""
    return list_replies(session=session, tenant=tenant, card_id=card_id)


@router.post("/cards/{card_id:id}/replies", status_code=201)
def create_reply(
    request: Request, card_id: int, reply: ReplyIn, tenant: ApiTenant, session: WriteSessionDep
) -> ReplyOut:
    """Answer a card: the customer's follow-up page shows it, and it is emailed if possible."""
    stored = add_reply(session=session, tenant=tenant, card_id=card_id, body=reply.body)
    assert stored.id is not None
    delivered = deliver_reply(
        engine=request.app.state.engine,
        reply_id=stored.id,
        settings=request.app.state.settings,
        secret=request.app.state.secret_key,
    )
    return describe_replies(session=session, replies=[delivered])[0]
