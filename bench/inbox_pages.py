"""Inbox pages over a million cards: first page, a deep page, filters and search, on each engine.

    .venv/bin/python bench/inbox_pages.py                      # SQLite file in a temporary folder
    .venv/bin/python bench/inbox_pages.py --engine postgresql  # database tellus_bench_inbox

It migrates an empty database, adds one organisation through the services, then bulk-loads the
cards (executemany in one transaction on SQLite, COPY on PostgreSQL; the search triggers and
indexes are live, as in production), and times each page through `list_cards`, the service the
inbox and the API call. Each query's plan is printed (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE).
"""

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.accounts.service import create_user
from api.customer.codes import NO_CACHE
from api.db import create_db_engine, migrate
from api.inbox.card_query import InboxFilter, day_bounds, filtered_cards
from api.inbox.service import list_cards
from api.models import Role
from api.setup.codes import create_code
from api.setup.employees import save_employee
from api.setup.locations import save_location
from api.setup.organisations import add_owner, create_organisation
from api.setup.schemas import CodeIn, EmployeeIn, LocationIn
from api.tenancy import Tenant

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
WORDS = (
    "coffee cold warm friendly slow quick table terrace music loud price bread cake staff "
    "smile wait queue clean dirty sticky tasty bitter sweet milk tea seat window door toilet "
    "parking card chair noise lovely great awful fine busy quiet order wrong late early"
).split()
STATUSES = ("resolved",) * 14 + ("dismissed", "acknowledged", "seen", "new", "new")
START = datetime(2025, 11, 1, tzinfo=UTC)


def database(engine_name: str) -> str:
    if engine_name == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='tellus-inbox-bench-')}/bench.db"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "tellus_bench_inbox" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "tellus_bench_inbox"'))
    admin.dispose()
    return make_url(POSTGRES_ADMIN).set(database="tellus_bench_inbox").render_as_string(False)


def set_up(engine: Engine) -> dict[str, Any]:
    """One organisation with three locations, three employees, an owner and a code."""
    with Session(engine) as session:
        organisation = create_organisation(session=session, name="Bench Café")
        owner = create_user(session=session, email="owner@bench.example", password="x" * 12)
        tenant = add_owner(session=session, organisation=organisation, user=owner)
        locations = [
            save_location(
                session=session, tenant=tenant, code_cache=NO_CACHE, data=LocationIn(name=name)
            )
            for name in ("Counter", "Terrace", "Table 4")
        ]
        employees = [
            save_employee(
                session=session,
                tenant=tenant,
                code_cache=NO_CACHE,
                data=EmployeeIn(display_name=name),
            )
            for name in ("Maya", "Sam", "Ana")
        ]
        code = create_code(
            session=session,
            tenant=tenant,
            code_cache=NO_CACHE,
            data=CodeIn(label="Counter", location_id=locations[0].id),
        )
        return {
            "organisation_id": organisation.id,
            "location_ids": [location.id for location in locations],
            "employee_ids": [employee.id for employee in employees],
            "code_id": code.id,
            "owner_id": owner.id,
            "time_zone": organisation.time_zone,
        }


def read_world(engine: Engine) -> dict[str, Any]:
    """What `set_up` made, read back from a database an earlier run filled."""
    with engine.connect() as connection:
        one = connection.execute(text("SELECT id, time_zone FROM organisation")).one()
        return {
            "organisation_id": one[0],
            "time_zone": one[1],
            "owner_id": connection.execute(text("SELECT min(id) FROM user_account")).scalar(),
            "location_ids": list(
                connection.execute(text("SELECT id FROM location ORDER BY id")).scalars()
            ),
        }


def card_rows(world: dict[str, Any], count: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(7)
    for number in range(count):
        created = START + timedelta(seconds=30 * number)
        yield (
            world["organisation_id"],
            world["code_id"],
            rng.choice(world["location_ids"]),
            rng.choice([*world["employee_ids"], None]),
            rng.randint(1, 5),
            " ".join(rng.choices(WORDS, k=rng.randint(4, 18))),
            rng.choice(STATUSES),
            created.replace(tzinfo=None),
            world["owner_id"] if number % 10 == 0 else None,
            f"bench-{number}",
            "0" * 64,
        )


COLUMNS = (
    "organisation_id, code_id, location_id, employee_id, rating, comment, status, created_at, "
    "assignee_id, idempotency_key, request_hash, contact_name, contact_email, contact_phone, "
    "wants_reply, language"
)


def fill(engine: Engine, world: dict[str, Any], count: int) -> float:
    """Bulk-load `count` cards and tag one in twenty "urgent"; returns the seconds it took."""
    began = time.perf_counter()
    rows = ((*row, "", "", "", False, "en") for row in card_rows(world, count))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN")
            cursor.executemany(
                f"INSERT INTO card ({COLUMNS}) VALUES ({', '.join('?' * 16)})",
                ((*row[:7], row[7].isoformat(" "), *row[8:]) for row in rows),
            )
        else:
            with cursor.copy(f"COPY card ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        cursor.execute(
            "INSERT INTO tag (organisation_id, name, created_at) VALUES (%s, 'urgent', %s)"
            if engine.dialect.name != "sqlite"
            else "INSERT INTO tag (organisation_id, name, created_at) VALUES (?, 'urgent', ?)",
            (world["organisation_id"], START.replace(tzinfo=None).isoformat(" ")),
        )
        cursor.execute(
            "INSERT INTO card_tag (card_id, tag_id) SELECT card.id, tag.id FROM card, tag "
            "WHERE card.id % 20 = 1"
        )
        raw.commit()
        if engine.dialect.name == "sqlite":
            cursor.execute("ANALYZE")
            raw.commit()
        else:
            # A million cards in one COPY leave work that years of cards would not (no
            # visibility map, pages to write out): done before the timing, not during it.
            driver = raw.driver_connection
            assert driver is not None
            driver.autocommit = True
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("CHECKPOINT")
    finally:
        raw.close()
    return time.perf_counter() - began


class Plans:
    """Runs EXPLAIN on the next query the engine sends, on the same connection."""

    def __init__(self, engine: Engine) -> None:
        self.prefix: str | None = None
        self.rows: list[Any] = []
        event.listen(engine, "before_cursor_execute", self.capture)

    def capture(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.prefix and statement.lstrip().upper().startswith("SELECT CARD."):
            explain = conn.connection.cursor()
            explain.execute(self.prefix + statement, parameters)
            self.rows = explain.fetchall()
            self.prefix = None


def plan_text(engine: Engine, rows: list[Any]) -> str:
    if engine.dialect.name == "sqlite":
        return "\n".join(f"    {row[-1]}" for row in rows)
    return "\n".join(f"    {row[0]}" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reuse", metavar="URL", help="time a database an earlier run filled")
    args = parser.parse_args()
    measure(args.engine, cards=args.cards, runs=args.runs, reuse=args.reuse)


def measure(engine_name: str, *, cards: int, runs: int, reuse: str | None = None) -> dict:
    """Load `cards` into a new database (or time `reuse`), print each page's times and plan, and
    return each page's p50 and p95 in ms, by label."""
    if reuse:
        engine = create_db_engine(reuse)
        world = read_world(engine)
    else:
        url = database(engine_name)
        migrate(url)
        engine = create_db_engine(url)
        world = set_up(engine)
        seconds = fill(engine, world, cards)
        print(
            f"{engine_name}: {cards:,} cards loaded in {seconds:.0f} s; reuse it with --reuse {url}"
        )

    tenant = Tenant(
        organisation_id=world["organisation_id"], role=Role.owner, user_id=world["owner_id"]
    )
    with Session(engine) as session:
        newest = max(
            card.id
            for card in list_cards(session=session, tenant=tenant, filters=InboxFilter()).cards
        )
    week = day_bounds(
        (START + timedelta(days=30)).date(), (START + timedelta(days=36)).date(), world["time_zone"]
    )
    cases = {
        "first page": InboxFilter(),
        "deep page (900,000 cards in)": InboxFilter(before_id=newest - 900_000),
        "filtered: new, rating 1, Terrace": InboxFilter(
            status="new",
            rating=1,
            location_id=world["location_ids"][1],  # type: ignore[arg-type]
        ),
        "filtered: tag urgent": InboxFilter(tag="urgent"),
        "filtered: tag urgent, assigned": InboxFilter(tag="urgent", assignee_id=world["owner_id"]),
        "filtered: one week, a year ago": InboxFilter(created_from=week[0], created_before=week[1]),
        "search: one common word (coffee)": InboxFilter(words="coffee"),
        "search: two words, deep (cold toilet)": InboxFilter(
            words="cold toilet", before_id=newest - 500_000
        ),
        "search + filter (sticky, rating 1)": InboxFilter(words="sticky", rating=1),
    }
    plans = Plans(engine)
    prefix = "EXPLAIN QUERY PLAN " if engine_name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    print(f"\n| {engine_name} | cards | p50 | p95 |\n|---|---|---|---|")
    explained, figures = [], {}
    for label, filters in cases.items():
        timings = []
        for _ in range(runs):
            with Session(engine) as session:
                began = time.perf_counter()
                page = list_cards(session=session, tenant=tenant, filters=filters)
                timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        p95 = timings[max(0, round(len(timings) * 0.95) - 1)]
        median = statistics.median(timings)
        print(f"| {label} | {len(page.cards)} | {median:.1f} ms | {p95:.1f} ms |")
        figures[label] = {50: median, 95: p95}
        with Session(engine) as session:
            plans.prefix = prefix
            list(
                session.exec(
                    filtered_cards(session=session, tenant=tenant, filters=filters).limit(51)
                )
            )
        explained.append(f"{label}:\n{plan_text(engine, plans.rows)}")
    print("\nPlans:\n" + "\n".join(explained))
    engine.dispose()
    return figures


if __name__ == "__main__":
    main()
