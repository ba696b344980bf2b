"""The JSON API for working a card: assignee, internal notes, tags and the audit trail."""

from fastapi import APIRouter

from api.errors import error_responses
from api.inbox.card_history import card_history
from api.inbox.card_work import add_note, assign_card, list_notes, tag_card, untag_card
from api.inbox.schemas import AssigneeIn, CardOut, HistoryOut, NoteIn, NoteOut
from api.inbox.service import get_card
from api.web.deps import ApiTenant, PathId, SessionDep, WriteSessionDep

router = APIRouter(
    prefix="/api/v1", tags=["cards"], responses=error_responses(400, 401, 404, 409, 422, 503)
)


@router.put("/cards/{card_id:id}/assignee")
def put_assignee(
    card_id: PathId, change: AssigneeIn, tenant: ApiTenant, session: WriteSessionDep
) -> CardOut:
    """Assign the card to a manager who can see its location, or unassign it."""
    assign_card(session=session, tenant=tenant, card_id=card_id, assignee_id=change.assignee_id)
    return get_card(session=session, tenant=tenant, card_id=card_id)


@router.get("/cards/{card_id:id}/notes")
def read_notes(card_id: PathId, tenant: ApiTenant, session: SessionDep) -> list[NoteOut]:
    """The card's internal notes, oldest first."""
    notes = list_notes(session=session, tenant=tenant, card_id=card_id)
    return [
        NoteOut(id=note.id or 0, body=note.body, author=author or None, created_at=note.created_at)
        for note, author in notes
    ]


@router.post("/cards/{card_id:id}/notes", status_code=201)
def create_note(
    card_id: PathId, note: NoteIn, tenant: ApiTenant, session: WriteSessionDep
) -> NoteOut:
    """Add an internal note (never shown to the customer)."""
    stored = add_note(session=session, tenant=tenant, card_id=card_id, body=note.body)
    return NoteOut(id=stored.id or 0, body=stored.body, author=None, created_at=stored.created_at)


@router.put("/cards/{card_id:id}/tags/{tag}")
def put_tag(card_id: PathId, tag: str, tenant: ApiTenant, session: WriteSessionDep) -> CardOut:
    """Put a tag on the card (a new name makes a new tag)."""
    tag_card(session=session, tenant=tenant, card_id=card_id, name=tag)
    return get_card(session=session, tenant=tenant, card_id=card_id)


@router.delete("/cards/{card_id:id}/tags/{tag}")
def delete_tag(card_id: PathId, tag: str, tenant: ApiTenant, session: WriteSessionDep) -> CardOut:
    """Take a tag off the card."""
    untag_card(session=session, tenant=tenant, card_id=card_id, name=tag)
    return get_card(session=session, tenant=tenant, card_id=card_id)


@router.get("/cards/{card_id:id}/history")
def read_history(card_id: PathId, tenant: ApiTenant, session: SessionDep) -> list[HistoryOut]:
    """Every event of the card, oldest first: who, when, from and to."""
    entries = card_history(session=session, tenant=tenant, card_id=card_id)
    return [HistoryOut(**vars(entry)) for entry in entries]
