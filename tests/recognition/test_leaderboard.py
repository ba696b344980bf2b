"""The leaderboard against a hand-built week: only passed-on compliments count, the minimum
hides the quiet ones, ties share a rank, negatives never show, and a manager limited to one
location counts only its cards."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from api.customer.codes import NO_CACHE
from api.models import Card, Code, Organisation, PassOn, Role
from api.recognition.leaderboard import leaderboard, staff_leaderboard
from api.recognition.periods import BadPeriod, Period, parse_period, service_week
from api.recognition.service import pass_on_compliment
from api.setup.employees import save_employee
from api.setup.schemas import EmployeeIn
from api.tenancy import Tenant
from tests.client import TestClient
from tests.factories import PASSWORD, World, make_card, make_manager
from tests.helpers import csrf_token, log_in, soup

# Customer Service Week 2026 in Auckland (UTC+13 in October): Monday 5 October starts at
# 11:00 UTC on the 4th, and Sunday the 11th ends at 11:00 UTC on the 11th.
WEEK = Period(date(2026, 10, 5), date(2026, 10, 11))
INSIDE = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)
JUST_INSIDE = datetime(2026, 10, 4, 11, 30, tzinfo=UTC)  # 00:30 on Monday, local
JUST_BEFORE = datetime(2026, 10, 4, 10, 30, tzinfo=UTC)  # 23:30 on Sunday the 4th, local
JUST_AFTER = datetime(2026, 10, 11, 11, 30, tzinfo=UTC)  # 00:30 on Monday the 12th, local


def owner_of(world: World) -> Tenant:
    return Tenant(organisation_id=world.organisation.id or 0, role=Role.owner, user_id=None)


def thanked(session: Session, world: World, code: Code, employee_id: int, at: datetime) -> Card:
    """A compliment for the employee, sent at `at` and passed on by the owner."""
    card = make_card(session, code=code, rating=5, employee_id=employee_id, created_at=at)
    pass_on_compliment(session=session, tenant=owner_of(world), card_id=card.id or 0, note="Hi")
    return card


@pytest.fixture
def week(session: Session, world: World) -> dict[str, int]:
    """The hand-built week (counts by hand: Maya 4, Sam 4, Ana 3, Ben 2, Cleo 0)."""
    organisation = session.get_one(Organisation, world.organisation.id)
    organisation.time_zone = "Pacific/Auckland"
    session.add(organisation)
    session.commit()
    people = {"Maya": world.maya.id or 0, "Sam": world.sam.id or 0}
    for name in ("Ana", "Ben", "Cleo"):
        people[name] = (
            save_employee(
                session=session,
                tenant=owner_of(world),
                code_cache=NO_CACHE,
                data=EmployeeIn(display_name=name, location_ids=[world.counter.id]),
            ).id
            or 0
        )
    counter, terrace = world.counter_code, world.terrace_code
    # Maya: 4 at the counter, the first at 00:30 on Monday; one more after the week.
    for at in (JUST_INSIDE, INSIDE, INSIDE, INSIDE):
        thanked(session, world, counter, people["Maya"], at)
    thanked(session, world, counter, people["Maya"], JUST_AFTER)
    # ...and two compliments nobody passed on (her own badge, say): they do not count.
    for _ in range(2):
        make_card(session, code=counter, rating=5, employee_id=people["Maya"], created_at=INSIDE)
    # Sam: 4 on the terrace; one late on the Sunday before does not count.
    for _ in range(4):
        thanked(session, world, terrace, people["Sam"], INSIDE)
    thanked(session, world, terrace, people["Sam"], JUST_BEFORE)
    # Ana: 2 at the counter and 1 on the terrace. Ben: 2 at the counter.
    for code in (counter, counter, terrace):
        thanked(session, world, code, people["Ana"], INSIDE)
    for _ in range(2):
        thanked(session, world, counter, people["Ben"], INSIDE)
    # Cleo: three complaints that a bad row says were passed on: a negative never ranks.
    for _ in range(3):
        card = make_card(session, code=counter, rating=2, employee_id=people["Cleo"])
        card.created_at = INSIDE
        session.add(card)
        session.add(
            PassOn(
                organisation_id=world.organisation.id or 0,
                card_id=card.id or 0,
                employee_id=people["Cleo"],
                note="should never exist",
            )
        )
        session.commit()
    return people


def table(standings: list) -> list[tuple[int, str, int]]:  # type: ignore[type-arg]
    return [(row.rank, row.name, row.compliments) for row in standings]


def set_minimum(session: Session, world: World, minimum: int, *, for_staff: bool = False) -> None:
    organisation = session.get_one(Organisation, world.organisation.id)
    organisation.leaderboard_minimum = minimum
    organisation.leaderboard_for_staff = for_staff
    session.add(organisation)
    session.commit()


def test_counts_minimum_and_ties_as_counted_by_hand(
    session: Session, world: World, week: dict[str, int]
) -> None:
    tenant = owner_of(world)
    # Minimum 3 (the default): Ben's 2 are hidden; Maya and Sam tie for first, Ana is third.
    assert table(leaderboard(session=session, tenant=tenant, period=WEEK)) == [
        (1, "Maya", 4),
        (1, "Sam", 4),
        (3, "Ana", 3),
    ]
    set_minimum(session, world, 1)
    assert table(leaderboard(session=session, tenant=tenant, period=WEEK)) == [
        (1, "Maya", 4),
        (1, "Sam", 4),
        (3, "Ana", 3),
        (4, "Ben", 2),
    ]
    # The week after holds only Maya's late compliment.
    next_week = Period(date(2026, 10, 12), date(2026, 10, 18))
    assert table(leaderboard(session=session, tenant=tenant, period=next_week)) == [(1, "Maya", 1)]
    # A manager of the counter only: Maya's 4 and Ana's 2 counter cards, Ben's 2 (a tie).
    limited = Tenant(
        organisation_id=tenant.organisation_id,
        role=Role.manager,
        location_ids=frozenset({world.counter.id or 0}),
    )
    assert table(leaderboard(session=session, tenant=limited, period=WEEK)) == [
        (1, "Maya", 4),
        (2, "Ana", 2),
        (2, "Ben", 2),
    ]


def test_staff_see_it_only_when_an_owner_turns_it_on(
    session: Session, world: World, week: dict[str, int]
) -> None:
    organisation_id = world.organisation.id or 0
    assert staff_leaderboard(session=session, organisation_id=organisation_id, period=WEEK) is None
    set_minimum(session, world, 4, for_staff=True)
    shown = staff_leaderboard(session=session, organisation_id=organisation_id, period=WEEK)
    assert shown is not None
    assert table(shown) == [(1, "Maya", 4), (1, "Sam", 4)]


def test_the_page_shows_the_period_and_a_limited_manager_sees_their_location(
    client: TestClient, session: Session, world: World, week: dict[str, int]
) -> None:
    make_manager(
        session,
        world=world,
        email="counter@example.com",
        location_ids=frozenset({world.counter.id or 0}),
    )
    log_in(client, "counter@example.com", PASSWORD)
    page = soup(client.get(f"/inbox/leaderboard?{WEEK.query}"))
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td, th")]
        for row in page.select("table.standings tbody tr")
    ]
    assert [row[:3] for row in rows] == [["1", "Maya", "4"]]
    assert page.select_one("#settings") is None, "only owners change the settings"
    assert "Oct 5\u2009–\u200911, 2026" in page.get_text()
    refused = client.post(
        "/admin/leaderboard", data={"csrf_token": csrf_token(client), "minimum": "1"}
    )
    assert refused.status_code == 403


def test_an_owner_changes_the_minimum_and_a_bad_one_is_refused(
    manager_client: TestClient, session: Session, world: World, week: dict[str, int]
) -> None:
    token = csrf_token(manager_client)
    bad = manager_client.post("/admin/leaderboard", data={"csrf_token": token, "minimum": "0"})
    assert bad.status_code == 422
    assert "from 1 to 100" in bad.text
    assert 'value="0"' in bad.text, "what was typed is kept"
    done = manager_client.post(
        "/admin/leaderboard", data={"csrf_token": token, "minimum": "2", "for_staff": "on"}
    )
    assert done.status_code == 303
    session.expire_all()
    organisation = session.get_one(Organisation, world.organisation.id)
    assert (organisation.leaderboard_minimum, organisation.leaderboard_for_staff) == (2, True)
    page = soup(manager_client.get(f"/inbox/leaderboard?{WEEK.query}"))
    names = [cell.get_text(strip=True) for cell in page.select("table.standings th[scope=row]")]
    assert names == ["Maya", "Sam", "Ana", "Ben"]
    backwards = manager_client.get("/inbox/leaderboard?from=2026-10-11&to=2026-10-05")
    assert backwards.status_code == 422
    assert "on or after the first" in backwards.text


def test_customer_service_week_is_the_first_full_week_of_october() -> None:
    assert service_week(2026) == WEEK
    assert service_week(2024) == Period(date(2024, 10, 7), date(2024, 10, 13))
    assert service_week(2023) == Period(date(2023, 10, 2), date(2023, 10, 8))  # 1st: a Sunday
    assert parse_period(None, None, WEEK) == WEEK
    with pytest.raises(BadPeriod):
        parse_period("2025-01-01", "2026-01-02", WEEK)  # 367 days
