"""One action on a selection of cards: all of them in one transaction, or none."""

from enum import StrEnum

from sqlmodel import Session, col

from api.errors import NotFound, Unprocessable
from api.i18n import N_
from api.inbox.card_work import assign_cards, tag_cards
from api.inbox.service import STEP, move_card
from api.models import Card, CardStatus
from api.tenancy import Tenant, scoped

MAX_SELECTION = 500


class BulkAction(StrEnum):
    acknowledge = "acknowledge"
    resolve = "resolve"
    dismiss = "dismiss"
    assign = "assign"
    tag = "tag"


TARGETS = {
    BulkAction.acknowledge: CardStatus.acknowledged,
    BulkAction.resolve: CardStatus.resolved,
    BulkAction.dismiss: CardStatus.dismissed,
}


def apply_bulk(
    *,
    session: Session,
    tenant: Tenant,
    card_ids: list[int],
    action: BulkAction,
    assignee_id: int | None = None,
    tag: str = "",
) -> int:
    """Do `action` to every selected card, or to none; returns how many were selected."""
    wanted = set(card_ids)
    if not wanted:
        raise Unprocessable(N_("Select at least one card."))
    if len(wanted) > MAX_SELECTION:
        raise Unprocessable(N_("Select at most 500 cards at a time."))
    cards = list(
        session.exec(
            scoped(tenant, Card)
            .where(col(Card.id).in_(wanted))
            .order_by(col(Card.id))
            .with_for_update()
        ).all()
    )
    if len(cards) != len(wanted):
        # One card the manager cannot see is the same answer as a missing one: nothing changes.
        raise NotFound()
    if action in TARGETS:
        target = TARGETS[action]
        for card in cards:
            # A card already at or past the step needs nothing (closed stays closed).
            if STEP[target] > STEP[CardStatus(card.status)]:
                move_card(session=session, tenant=tenant, card=card, target=target)
    elif action == BulkAction.assign:
        assign_cards(session=session, tenant=tenant, cards=cards, assignee_id=assignee_id)
    else:
        tag_cards(session=session, tenant=tenant, cards=cards, name=tag)
    session.commit()
    return len(cards)
