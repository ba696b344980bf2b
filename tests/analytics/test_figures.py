"""Every figure against a small data set whose answers are worked out by hand here."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from api.analytics.figures import FigureFilter, read_figures
from api.analytics.period import Period
from api.analytics.query import FigureQuery
from api.analytics.service import dashboard_figures
from api.errors import NotFound
from api.inbox.replies.service import add_reply
from api.models import CardStatus, Role
from api.recognition.service import pass_on_compliment
from api.tenancy import Tenant
from tests.factories import World, make_card, step_card

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")


def owner(world: World) -> Tenant:
    return Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def figures(
    session: Session,
    world: World,
    first: date,
    last: date,
    zone: ZoneInfo = UTC_ZONE,
    tenant: Tenant | None = None,
    **filters: int,
):
    return read_figures(
        session=session,
        tenant=tenant or owner(world),
        period=Period(first, last, zone),
        filters=FigureFilter(**filters),
    )


def test_an_empty_period_has_no_figures(session: Session, world: World) -> None:
    result = figures(session, world, date(2026, 5, 1), date(2026, 5, 7))

    assert (result.previous_start, result.previous_end) == (date(2026, 4, 24), date(2026, 4, 30))
    totals = result.current
    assert (totals.cards, totals.ratings, totals.replies, totals.passed_on) == (0, [0] * 5, 0, 0)
    assert (totals.average, totals.satisfaction, totals.negative_share) == (None, None, None)
    assert (totals.acknowledged_median, totals.resolved_p90, totals.within_escalation) == (
        None,
        None,
        None,
    )
    assert [(p.start.day, p.cards, p.average) for p in result.series] == [
        (day, 0, None) for day in range(1, 8)
    ]
    assert result.trend is None
    assert sum(map(sum, result.heatmap)) == 0
    assert (result.locations, result.employees) == ([], [])


def test_one_negative_card_acknowledged_then_resolved(session: Session, world: World) -> None:
    card = make_card(
        session, code=world.counter_code, rating=2, created_at=at("2026-05-04 09:10:00")
    )
    # 3 min 20 s: the bin of 4 minutes. 61 minutes: the bin of 61.
    step_card(session, card, CardStatus.acknowledged, at("2026-05-04 09:13:20"))
    step_card(session, card, CardStatus.resolved, at("2026-05-04 10:11:00"))

    result = figures(session, world, date(2026, 5, 1), date(2026, 5, 7))

    totals = result.current
    assert (totals.cards, totals.ratings, totals.average) == (1, [0, 1, 0, 0, 0], 2.0)
    assert (totals.satisfaction, totals.negative_share) == (0.0, 1.0)
    assert (totals.acknowledged_median, totals.acknowledged_p90) == (4, 4)
    assert (totals.resolved_median, totals.resolved_p90) == (61, 61)
    assert totals.within_escalation == 1.0  # 4 minutes, within the default 10
    assert result.previous.cards == 0
    # 2026-05-04 is a Monday; 09:10 UTC is 09:00's hour.
    assert result.heatmap[0][9] == 1
    assert result.heatmap_negative[0][9] == 1
    assert [
        (row.name, row.cards, row.concerns, row.acknowledged_median) for row in result.locations
    ] == [("Counter", 1, 1, 4)]


def test_a_day_boundary_and_a_daylight_saving_change_in_berlin(
    session: Session, world: World
) -> None:
    # Clocks in Berlin go from 02:00 to 03:00 on Sunday 2026-03-29 (UTC+1 to UTC+2).
    make_card(session, code=world.counter_code, rating=5, created_at=at("2026-03-27 12:00"))
    make_card(session, code=world.counter_code, rating=4, created_at=at("2026-03-28 22:59"))
    make_card(session, code=world.counter_code, rating=1, created_at=at("2026-03-28 23:00"))
    make_card(session, code=world.terrace_code, rating=3, created_at=at("2026-03-29 01:30"))
    make_card(session, code=world.counter_code, rating=2, created_at=at("2026-03-29 21:59"))
    make_card(session, code=world.counter_code, rating=5, created_at=at("2026-03-29 22:00"))

    result = figures(session, world, date(2026, 3, 28), date(2026, 3, 29), BERLIN)

    # 22:59 UTC is 23:59 on the 28th; 23:00 UTC is midnight, the 29th; 01:30 UTC is 03:30
    # summer time; 21:59 UTC is 23:59 summer time; 22:00 UTC is already the 30th.
    assert [(p.start, p.cards, p.average) for p in result.series] == [
        (date(2026, 3, 28), 1, 4.0),
        (date(2026, 3, 29), 3, 2.0),
    ]
    assert result.trend == [4.0, 2.0]
    assert result.current.cards == 4
    assert result.current.ratings == [1, 1, 1, 1, 0]
    assert result.current.satisfaction == 0.25
    assert result.current.negative_share == 0.5
    saturday, sunday = result.heatmap[5], result.heatmap[6]
    assert (saturday[23], sunday[0], sunday[3], sunday[23]) == (1, 1, 1, 1)
    assert sum(map(sum, result.heatmap)) == 4
    assert result.heatmap_negative[6][0] == 1
    assert result.heatmap_negative[6][23] == 1
    # The previous two days, the 26th and 27th: the one card at 13:00 on the 27th.
    assert (result.previous.cards, result.previous.average) == (1, 5.0)
    terrace_only = figures(
        session, world, date(2026, 3, 28), date(2026, 3, 29), BERLIN, location_id=world.terrace.id
    )
    assert (terrace_only.current.cards, terrace_only.current.ratings) == (1, [0, 0, 1, 0, 0])


def test_a_half_hour_zone_cuts_the_utc_hours_in_two(session: Session, world: World) -> None:
    # Kolkata is UTC+05:30 all year: each of its hours holds halves of two UTC hours.
    for moment in ("2026-05-04 10:25", "2026-05-04 10:35", "2026-05-04 11:10", "2026-05-04 11:35"):
        make_card(session, code=world.counter_code, rating=4, created_at=at(moment))

    result = figures(session, world, date(2026, 5, 1), date(2026, 5, 7), ZoneInfo("Asia/Kolkata"))

    # 15:55, then 16:05 and 16:40, then 17:05 on Monday 4 May, local time.
    monday = result.heatmap[0]
    assert (monday[15], monday[16], monday[17]) == (1, 2, 1)
    assert sum(map(sum, result.heatmap)) == 4


def test_replies_and_compliments_count_in_the_period_they_were_sent(
    session: Session, world: World
) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=400)
    concern = make_card(session, code=world.counter_code, rating=1, created_at=long_ago)
    compliment = make_card(session, code=world.maya_code, rating=5, created_at=long_ago)
    add_reply(session=session, tenant=owner(world), card_id=concern.id, body="We are sorry.")
    pass_on_compliment(session=session, tenant=owner(world), card_id=compliment.id, note="Bravo")
    today = datetime.now(UTC).date()

    now = figures(session, world, today, today)
    then = figures(session, world, long_ago.date(), long_ago.date())

    assert (now.current.cards, now.current.replies, now.current.passed_on) == (0, 1, 1)
    assert (then.current.cards, then.current.replies, then.current.passed_on) == (2, 0, 0)


def test_a_limited_manager_sees_only_their_locations(session: Session, world: World) -> None:
    for rating in (1, 5, 5):
        make_card(
            session, code=world.counter_code, rating=rating, created_at=at("2026-06-01 10:00")
        )
    make_card(session, code=world.terrace_code, rating=2, created_at=at("2026-06-01 11:00"))
    terrace_manager = Tenant(
        organisation_id=world.organisation.id,
        role=Role.manager,
        user_id=world.owner.id,
        location_ids=frozenset({world.terrace.id}),
    )

    result = figures(session, world, date(2026, 6, 1), date(2026, 6, 1), tenant=terrace_manager)

    assert (result.current.cards, result.current.average) == (1, 2.0)
    assert [row.name for row in result.locations] == ["Terrace"]
    assert figures(session, world, date(2026, 6, 1), date(2026, 6, 1)).current.cards == 4
    with pytest.raises(NotFound):
        figures(
            session,
            world,
            date(2026, 6, 1),
            date(2026, 6, 1),
            tenant=terrace_manager,
            location_id=world.counter.id,
        )


def test_an_employee_below_the_minimum_shows_no_figures(
    session: Session, world: World, other_world: World
) -> None:
    for minute in range(4):
        make_card(
            session, code=world.maya_code, rating=2, created_at=at(f"2026-06-02 10:0{minute}")
        )
    for minute in range(5):
        make_card(
            session,
            code=world.counter_code,
            rating=4,
            created_at=at(f"2026-06-02 11:0{minute}"),
            employee_id=world.sam.id,
        )
    day = date(2026, 6, 2)

    result = figures(session, world, day, day)

    rows = {row.name: row for row in result.employees}
    assert (rows["Maya"].hidden, rows["Maya"].average, rows["Maya"].concerns) == (True, None, None)
    assert (rows["Sam"].hidden, rows["Sam"].cards, rows["Sam"].average) == (False, 5, 4.0)
    # Maya's badge has no place: its row among the locations keeps the same minimum.
    places = {row.id: row for row in result.locations}
    assert (places[0].name, places[0].hidden, places[0].concerns) == ("", True, None)
    assert (places[world.counter.id].cards, places[world.counter.id].average) == (5, 4.0)
    # However the filters narrow, Maya's 4 cards stay hidden; Sam's 5 show.
    only_maya = figures(session, world, day, day, employee_id=world.maya.id)
    assert only_maya.hidden
    assert (only_maya.current.cards, only_maya.current.average, only_maya.employees) == (
        0,
        None,
        [],
    )
    assert sum(map(sum, only_maya.heatmap)) == 0
    assert only_maya.series == []
    only_sam = figures(session, world, day, day, employee_id=world.sam.id)
    assert (only_sam.hidden, only_sam.current.cards) == (False, 5)
    with pytest.raises(NotFound):
        figures(session, world, day, day, employee_id=other_world.maya.id)


def test_the_cards_of_no_place_have_a_row_among_the_locations(
    session: Session, world: World
) -> None:
    for minute, rating in enumerate((5, 5, 4, 2, 1)):
        make_card(
            session, code=world.maya_code, rating=rating, created_at=at(f"2026-06-04 10:0{minute}")
        )
    make_card(session, code=world.terrace_code, rating=3, created_at=at("2026-06-04 11:00"))

    result = figures(session, world, date(2026, 6, 4), date(2026, 6, 4))

    assert [
        (row.id, row.name, row.cards, row.compliments, row.concerns) for row in result.locations
    ] == [
        (0, "", 5, 3, 2),
        (world.terrace.id, "Terrace", 1, 0, 0),
    ]
    assert sum(row.cards for row in result.locations) == result.current.cards


def test_topics_are_the_terms_that_stand_out_in_concerns(session: Session, world: World) -> None:
    moment = at("2026-06-03 10:00")
    for comment in ("The coffee was cold", "The coffee was cold", "Cold coffee again"):
        make_card(session, code=world.counter_code, rating=1, comment=comment, created_at=moment)
    for comment in ("Great coffee", "Great coffee", "Great coffee", "Café frío"):
        make_card(session, code=world.counter_code, rating=5, comment=comment, created_at=moment)
    make_card(
        session,
        code=world.counter_code,
        rating=2,
        comment="Café frío, café frío",
        language="es",
        created_at=moment,
    )
    make_card(
        session,
        code=world.counter_code,
        rating=2,
        comment="El café estaba frío",
        language="es",
        created_at=moment,
    )
    query = FigureQuery("custom", date(2026, 6, 3), date(2026, 6, 3), FigureFilter())

    topics = dashboard_figures(session=session, tenant=owner(world), query=query).topics

    # 5 concerns, 4 compliments; a term's score is log((a+1)/6) - log((b+1)/5).
    # "cold": a=3, b=0: log(4/6) - log(1/5) = 1.204. "frío": a=2, b=1: log(3/6) - log(2/5) =
    # 0.223; "café": a=2, b=1, the same. "coffee": a=3, b=3: log(4/6) - log(4/5) < 0: left out.
    # "café frío" (a=1), "cold coffee" (a=1) and "coffee cold" (never neighbours) are too rare;
    # "the", "was", "again", "el", "estaba" are stop words.
    assert [(t.term, t.concerns, t.compliments, t.score) for t in topics] == [
        ("cold", 3, 0, 1.204),
        ("café", 2, 1, 0.223),
        ("frío", 2, 1, 0.223),
    ]
