"""The summary tables agree with the cards, whatever happens to them, and outlive their deletion."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from api.analytics.figures import pieces
from api.analytics.period import Period
from api.analytics.summaries import SPANS_OF, rebuild_summaries, response_bin
from api.customer.cards import insert_cards
from api.inbox.replies.service import add_reply
from api.inbox.service import move_card
from api.models import (
    AnalyticsBucket,
    AnalyticsResponse,
    AnalyticsSpan,
    AnalyticsSpanResponse,
    Card,
    CardStatus,
    Role,
)
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


def span_rows(session: Session, organisation_id: int) -> Counter[tuple[Any, ...]]:
    """Every non-zero count of the organisation's blocks, keyed (span, *summary_rows' key)."""
    counted: Counter[tuple[Any, ...]] = Counter()
    names = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "replies", "passed_on")
    for row in session.exec(
        select(AnalyticsSpan).where(AnalyticsSpan.organisation_id == organisation_id)
    ):
        keys = (row.span, row.quarter, row.location_id, row.employee_id, row.code_id)
        for name in names:
            if getattr(row, name):
                counted[(*keys, name)] += getattr(row, name)
    for response in session.exec(
        select(AnalyticsSpanResponse).where(
            AnalyticsSpanResponse.organisation_id == organisation_id
        )
    ):
        keys = (
            response.span,
            response.quarter,
            response.location_id,
            response.employee_id,
            response.code_id,
        )
        counted[(*keys, response.step, response.minutes)] += response.cards
    return counted


def blocks(counts: Counter[tuple[Any, ...]]) -> Counter[tuple[Any, ...]]:
    """Quarter-hour counts summed per block of each span, as the blocks should hold them: the
    cards' counts (keyed by a count's name) per hour too, the response times' (keyed by step
    and minutes) per day and longer."""
    summed: Counter[tuple[Any, ...]] = Counter()
    for (quarter_, *rest), count in counts.items():
        kind = AnalyticsBucket if isinstance(rest[-1], str) else AnalyticsResponse
        for span in SPANS_OF[kind]:
            summed[(span, quarter_ // span * span, *rest)] += count
    return +summed


def assert_agree(session: Session, organisation_id: int, counts: Counter[tuple[Any, ...]]) -> None:
    assert summary_rows(session, organisation_id) == +counts
    assert span_rows(session, organisation_id) == blocks(counts)


@settings(deadline=None)
@given(first=st.integers(0, 40000), length=st.integers(0, 40000))
def test_a_period_is_read_as_whole_blocks_and_quarter_hours_at_its_ends(
    first: int, length: int
) -> None:
    spans = SPANS_OF[AnalyticsBucket]
    found = pieces(first, first + length, spans)
    covered = [q for _, low, high in found for q in range(low, high)]
    assert covered == list(range(first, first + length))
    for span, low, high in found:
        assert low % span == 0
        assert high % span == 0
    # The longest blocks are used: shorter ones only at the ends, fewer than two longer ones.
    for shorter, longer in zip((1, *spans), spans, strict=False):
        used = sum((high - low) // shorter for span, low, high in found if span == shorter)
        assert used < 2 * longer // shorter


# Around the changes of 2026 in Berlin (29 March, 25 October): 2026-01-01 to 2027-01-01.
BERLIN_2026 = (1767225600 // 900, 1798761600 // 900)


@settings(deadline=None)
@given(
    zone=st.sampled_from(["Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "UTC"]),
    first=st.integers(*BERLIN_2026),
    length=st.integers(1, 40000),
)
def test_a_period_is_cut_where_the_zone_changes_its_offset(
    zone: str, first: int, length: int
) -> None:
    period = Period(date(2026, 1, 1), date(2026, 1, 1), ZoneInfo(zone))
    found = period.clocks(first, first + length)
    assert [found[0][0], found[-1][1]] == [first, first + length]
    for (_, end, offset), (start, _, next_offset) in zip(found, found[1:], strict=False):
        assert end == start
        assert offset != next_offset
    for start, end, offset in found:
        for probe in {start, (start + end) // 2, end - 1}:
            assert period.offset(probe) == offset


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
            # As the retention of old cards does: the row goes, the figures stay. The database
            # deletes its replies and pass-ons; the session must forget them too, or a new reply
            # that SQLite gives the same id would meet the old one in the identity map.
            for row in [row for row in session.identity_map.values() if row is not card]:
                if getattr(row, "card_id", None) == card.id:
                    session.expunge(row)
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
    assert_agree(session, world.organisation.id, tally.counts)
    if not deleted:
        # Counted again from the cards, the summaries are the same.
        rebuild_summaries(session=session, organisation_id=world.organisation.id)
        assert_agree(session, world.organisation.id, tally.counts)


def test_a_rebuild_keeps_the_figures_of_deleted_older_cards(session: Session, world: World) -> None:
    old = make_card(
        session, code=world.counter_code, rating=1, created_at=NOW - timedelta(days=400)
    )
    make_card(session, code=world.counter_code, rating=5, created_at=NOW - timedelta(days=2))
    before = summary_rows(session, world.organisation.id)
    assert span_rows(session, world.organisation.id) == blocks(before)
    session.delete(old)
    session.commit()
    assert rebuild_summaries(session=session, organisation_id=world.organisation.id) == 1
    assert summary_rows(session, world.organisation.id) == before
    assert span_rows(session, world.organisation.id) == blocks(before)
    assert (
        before[(quarter(old.created_at), world.counter.id, 0, world.counter_code.id, "rating_1")]
        == 1
    )


def test_a_group_of_cards_counts_as_its_cards_would_one_by_one(
    session: Session, world: World
) -> None:
    """Cards stored together (api.customer.card_writer) are counted in two statements: every
    quarter-hour, place, code and rating among them, and blocks that several quarter-hours
    share, get the sums that cards stored one at a time would give."""
    day = datetime(2026, 11, 2, 9, tzinfo=UTC)
    sent = [
        (code, rating, day + timedelta(minutes=minutes))
        for code in (world.counter_code, world.maya_code)
        for rating, minutes in ((1, 0), (1, 5), (5, 7), (3, 20), (5, 50), (2, 60 * 26))
    ]
    cards = [
        Card(
            organisation_id=world.organisation.id,
            code_id=code.id,
            location_id=code.location_id,
            employee_id=code.employee_id,
            rating=rating,
            created_at=moment,
            idempotency_key=f"group-{index}",
            request_hash=f"group-{index}",
        )
        for index, (code, rating, moment) in enumerate(sent)
    ]
    assert all(insert_cards(engine=session.get_bind(), cards=cards))
    expected: Counter[tuple[Any, ...]] = Counter()
    for code, rating, moment in sent:
        place = code.location_id or 0
        expected[(quarter(moment), place, code.employee_id or 0, code.id, f"rating_{rating}")] += 1
    assert summary_rows(session, world.organisation.id) == expected
    assert span_rows(session, world.organisation.id) == blocks(expected)
    # The same figures as counting the cards again from scratch.
    rebuild_summaries(session=session, organisation_id=world.organisation.id)
    assert_agree(session, world.organisation.id, expected)
