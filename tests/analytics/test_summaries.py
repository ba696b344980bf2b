"""The summary tables agree with the cards, whatever happens to them, and outlive their deletion."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from api.analytics.summaries import rebuild_summaries, response_bin
from api.inbox.replies.service import add_reply
from api.inbox.service import move_card
from api.models import AnalyticsBucket, AnalyticsResponse, Card, CardStatus, Role
from api.recognition.service import AlreadyPassedOn, pass_on_compliment
from api.tenancy import Tenant
from tests.factories import World, make_card, make_world

NOW = datetime.now(UTC)


def test_response_bins_are_minutes_then_quarters_then_hours_then_days() -> None:
    assert [response_bin(s) for s in (0, 1, 60, 61, 119 * 60 + 1)] == [1, 1, 1, 2, 120]
    assert [response_bin(s) for s in (120 * 60 + 1, 136 * 60, 1440 * 60)] == [135, 150, 1440]
    assert [response_bin(s) for s in (1441 * 60, 20160 * 60 + 1)] == [1500, 21600]


def summary_rows(session: Session, organisation_id: int) -> Counter[tuple[Any, ...]]:
    """Every non-zero count of the organisation's summaries, keyed like the test's own tally."""
    session.expire_all()
    counted: Counter[tuple[Any, ...]] = Counter()
    names = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "replies", "passed_on")
    for row in session.exec(
        select(AnalyticsBucket).where(AnalyticsBucket.organisation_id == organisation_id)
    ):
        keys = (row.quarter, row.location_id, row.employee_id, row.code_id)
        for name in names:
            if getattr(row, name):
                counted[(*keys, name)] += getattr(row, name)
    for response in session.exec(
        select(AnalyticsResponse).where(AnalyticsResponse.organisation_id == organisation_id)
    ):
        keys = (response.quarter, response.location_id, response.employee_id, response.code_id)
        counted[(*keys, response.step, response.minutes)] += response.cards
    return counted


def quarter(moment: datetime) -> int:
    return int(moment.timestamp()) // 900


operations = st.lists(
    st.one_of(
        # A card: which code, its rating, how many minutes ago it was sent.
        st.tuples(st.just("card"), st.integers(0, 2), st.integers(1, 5), st.integers(0, 5000)),
        # A step, a reply, a pass-on or a deletion, on the n-th card made so far.
        st.tuples(
            st.just("step"),
            st.integers(0, 30),
            st.sampled_from(["seen", "acknowledged", "resolved", "dismissed"]),
        ),
        st.tuples(st.just("reply"), st.integers(0, 30)),
        st.tuples(st.just("pass_on"), st.integers(0, 30)),
        st.tuples(st.just("delete"), st.integers(0, 30)),
    ),
    max_size=14,
)

ORDER = {"new": 0, "seen": 1, "acknowledged": 2, "resolved": 3, "dismissed": 3}


class Tally:
    """What the summaries should say, counted here from what the test did (deleted cards too)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[Any, ...]] = Counter()

    def card(self, card: Card) -> None:
        self.counts[(*self.keys(card, card.created_at), f"rating_{card.rating}")] += 1

    def step(self, card: Card, before: str) -> None:
        if card.rating > 2:
            return
        moment = getattr(card, f"{card.status}_at")
        minutes = response_bin((moment - card.created_at).total_seconds())
        keys = self.keys(card, card.created_at)
        if ORDER[before] < 2 <= ORDER[card.status]:
            self.counts[(*keys, "acknowledged", minutes)] += 1
        if card.status == "resolved":
            self.counts[(*keys, "resolved", minutes)] += 1

    def event(self, card: Card, moment: datetime, name: str) -> None:
        self.counts[(*self.keys(card, moment), name)] += 1

    @staticmethod
    def keys(card: Card, moment: datetime) -> tuple[int, ...]:
        return (quarter(moment), card.location_id or 0, card.employee_id or 0, card.code_id)


def apply(session: Session, world: World, tenant: Tenant, steps: list[Any], tally: Tally) -> bool:
    """Run the operations through the services; returns whether a card was deleted."""
    cards: list[Card] = []
    deleted = False
    codes = [world.counter_code, world.terrace_code, world.maya_code]
    for operation in steps:
        if operation[0] == "card":
            _, code, rating, minutes = operation
            created = NOW - timedelta(minutes=minutes, seconds=minutes % 7)
            card = make_card(session, code=codes[code], rating=rating, created_at=created)
            cards.append(card)
            tally.card(card)
            continue
        alive = [card for card in cards if card.id is not None]
        if not alive:
            continue
        card = alive[operation[1] % len(alive)]
        if operation[0] == "step":
            before = str(card.status)
            if ORDER[operation[2]] <= ORDER[before]:
                continue
            move_card(session=session, tenant=tenant, card=card, target=CardStatus(operation[2]))
            session.commit()
            tally.step(card, before)
        elif operation[0] == "reply":
            reply = add_reply(session=session, tenant=tenant, card_id=card.id, body="Thank you")
            tally.event(card, reply.created_at, "replies")
        elif operation[0] == "pass_on" and card.rating >= 4 and card.employee_id:
            try:
                pass_on = pass_on_compliment(
                    session=session, tenant=tenant, card_id=card.id, note="Well done"
                )
            except AlreadyPassedOn:  # refused: nothing is counted
                session.rollback()
                continue
            tally.event(card, pass_on.created_at, "passed_on")
        elif operation[0] == "delete":
            # As the retention of old cards does: the row goes, the figures stay.
            session.delete(card)
            session.commit()
            card.id = None
            deleted = True
    return deleted


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_summaries_agree_with_every_card_ever_written(session: Session, steps: list[Any]) -> None:
    world = make_world(session, name="Property Café")
    tenant = Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)
    tally = Tally()
    deleted = apply(session, world, tenant, steps, tally)
    assert summary_rows(session, world.organisation.id) == +tally.counts
    if not deleted:
        # Counted again from the cards, the summaries are the same.
        rebuild_summaries(session=session, organisation_id=world.organisation.id)
        assert summary_rows(session, world.organisation.id) == +tally.counts


def test_a_rebuild_keeps_the_figures_of_deleted_older_cards(session: Session, world: World) -> None:
    old = make_card(
        session, code=world.counter_code, rating=1, created_at=NOW - timedelta(days=400)
    )
    make_card(session, code=world.counter_code, rating=5, created_at=NOW - timedelta(days=2))
    before = summary_rows(session, world.organisation.id)
    session.delete(old)
    session.commit()
    assert rebuild_summaries(session=session, organisation_id=world.organisation.id) == 1
    assert summary_rows(session, world.organisation.id) == before
    assert (
        before[(quarter(old.created_at), world.counter.id, 0, world.counter_code.id, "rating_1")]
        == 1
    )
