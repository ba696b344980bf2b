"""The analytics dashboard for a year over a million cards, topics included, on each engine.

    .venv/bin/python bench/analytics.py                      # SQLite file in a temporary folder
    .venv/bin/python bench/analytics.py --engine postgresql  # database tellus_bench_inbox

It loads the cards as bench/inbox_pages.py does (one every 30 seconds from 2025-11-01: 347 days),
gives the handled concerns response times, counts the summaries with `rebuild_summaries` (what
`tellus analytics rebuild` runs), then times the figures service and the whole page, signed in
as the owner through the sign-in form, for the year from 2025-11-01.
"""

import argparse
import os
import re
import statistics
import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from inbox_pages import database, fill, read_world, set_up
from sqlalchemy import Engine, text
from sqlmodel import Session

from api.analytics.figures import FigureFilter
from api.analytics.query import FigureQuery
from api.analytics.service import dashboard_figures
from api.analytics.summaries import rebuild_summaries
from api.config import Settings
from api.db import create_db_engine, migrate
from api.main import create_app
from api.models import Role
from api.tenancy import Tenant

YEAR = ("2025-11-01", "2026-10-31")


def add_response_times(engine: Engine) -> None:
    """Handled concerns get a time: acknowledged within 2 to 121 minutes, resolved later."""
    later = (
        "datetime(created_at, '+' || (2 + id % 120) || ' minutes')"
        if engine.dialect.name == "sqlite"
        else "created_at + (2 + id % 120) * interval '1 minute'"
    )
    resolved = (
        "datetime(created_at, '+' || (30 + id % 900) || ' minutes')"
        if engine.dialect.name == "sqlite"
        else "created_at + (30 + id % 900) * interval '1 minute'"
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                f"UPDATE card SET acknowledged_at = {later} WHERE rating <= 2 "
                "AND status IN ('acknowledged', 'resolved', 'dismissed')"
            )
        )
        connection.execute(
            text(
                f"UPDATE card SET resolved_at = {resolved} "
                "WHERE rating <= 2 AND status = 'resolved'"
            )
        )


def server_seconds(engine: Engine) -> float:
    """The CPU seconds PostgreSQL's backends for this database have used (read from /proc:
    the server runs on this machine); 0 for SQLite, whose work is the process's own."""
    if engine.dialect.name != "postgresql":
        return 0.0
    with engine.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime and stime
    return ticks / os.sysconf("SC_CLK_TCK")


def timed(runs: int, engine: Engine, action) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """Wall time's median and 95th percentile, and the median CPU time the run used in this
    process and in the database server: what a quiet machine would take, roughly, when other
    work on it makes the wall time wait for a core."""
    action()  # once first, as a running server would have: templates compiled, caches warm
    timings, cpu = [], []
    for _ in range(runs):
        server = server_seconds(engine)
        began, began_cpu = time.perf_counter(), time.process_time()
        action()
        timings.append((time.perf_counter() - began) * 1000)
        used = time.process_time() - began_cpu + server_seconds(engine) - server
        cpu.append(used * 1000)
    timings.sort()
    p95 = timings[max(0, round(len(timings) * 0.95) - 1)]
    return statistics.median(timings), p95, statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--reuse", metavar="URL", help="time a database an earlier run filled")
    args = parser.parse_args()

    if args.reuse:
        url = args.reuse
        engine = create_db_engine(url)
        world = read_world(engine)
    else:
        url = database(args.engine)
        migrate(url)
        engine = create_db_engine(url)
        world = set_up(engine)
        seconds = fill(engine, world, args.cards)
        add_response_times(engine)
        print(f"{args.engine}: {args.cards:,} cards loaded in {seconds:.0f} s")
        began = time.perf_counter()
        with Session(engine) as session:
            rebuild_summaries(session=session, organisation_id=world["organisation_id"])
        print(f"summaries counted in {time.perf_counter() - began:.0f} s")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM analytics_bucket")).scalar()
        responses = connection.execute(text("SELECT count(*) FROM analytics_response")).scalar()
    print(f"summary rows: {rows:,} buckets, {responses:,} response bins")

    tenant = Tenant(
        organisation_id=world["organisation_id"], role=Role.owner, user_id=world["owner_id"]
    )
    query = FigureQuery(
        "custom", date.fromisoformat(YEAR[0]), date.fromisoformat(YEAR[1]), FigureFilter()
    )

    def service() -> None:
        with Session(engine) as session:
            dashboard_figures(session=session, tenant=tenant, query=query)

    def figures_only() -> None:
        with Session(engine) as session:
            dashboard_figures(
                session=session,
                tenant=tenant,
                query=FigureQuery(
                    query.range_name,
                    query.first,
                    query.last,
                    FigureFilter(location_id=world["location_ids"][0]),
                ),
            )

    app = create_app(Settings(database_url=url, base_url="http://localhost:8000"))
    with TestClient(app) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
        signed_in = client.post(
            "/login",
            data=hidden | {"email": "owner@bench.example", "password": "x" * 12},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        path = f"/analytics?range=custom&from={YEAR[0]}&to={YEAR[1]}"

        def page() -> None:
            answer = client.get(path)
            assert answer.status_code == 200

        print(f"load average: {os.getloadavg()[0]:.1f} at the start")
        print(f"\n| {engine.dialect.name}, a year | p50 | p95 | CPU p50 |\n|---|---|---|---|")
        for label, action in (
            ("figures and topics (the service)", service),
            ("figures and topics, one location", figures_only),
            ("the whole page (HTTP, signed in)", page),
        ):
            median, p95, cpu = timed(args.runs, engine, action)
            print(f"| {label} | {median:.0f} ms | {p95:.0f} ms | {cpu:.0f} ms |")
    engine.dispose()


if __name__ == "__main__":
    main()
