"""The customer path's speed targets on one engine, measured in one run and printed as one table.

    .venv/bin/python bench/targets.py                      # SQLite, one worker
    .venv/bin/python bench/targets.py --engine postgresql  # PostgreSQL and Redis

Runs the card page (card_page.py), the submissions (submissions.py), card to inbox across two
processes (inbox_latency.py) and the inbox's first page over a million cards (inbox_pages.py),
each printing its own lines, then one table: each target, what was measured, the reference
measured in the same run, and whether the target is met on this machine.

SQLite runs as the README runs it: one uvicorn worker, the alerts sent from a thread of its own.
PostgreSQL runs the card page on one worker (as its bare reference has), and the submissions as
the Procfile does: two workers beside a `tellus worker`, the card limits in Redis
(TELLUS_REDIS_URL, redis://127.0.0.1:6379/0 by default). Database `tellus_bench` is recreated
before each part that needs an empty one.
Usage: python bench/targets.py [--engine sqlite|postgresql] [--seconds 10] [--rounds 2]
       [--inbox-cards 1000000] [--inbox-reuse URL]
"""

import argparse
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import card_page
import inbox_latency
import inbox_pages
import submissions
from demo_server import demo_server
from sqlalchemy import create_engine, text

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
CONNECTIONS = 64


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    reference: str
    met: bool


def fresh_database(engine: str) -> str:
    """An empty database for the next part: a new SQLite file (demo_server's own), or
    `tellus_bench` dropped and created again."""
    if engine == "sqlite":
        os.environ.pop("TELLUS_DATABASE_URL", None)
        return ""
    admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "tellus_bench" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "tellus_bench"'))
    admin.dispose()
    os.environ["TELLUS_DATABASE_URL"] = f"{POSTGRES}/tellus_bench"
    return os.environ["TELLUS_DATABASE_URL"]


def part(title: str, measure: Callable[[], dict]) -> dict:
    print(f"\n## {title} (load average {os.getloadavg()[0]:.2f})\n", flush=True)
    return measure()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=card_page.positive_count, default=2)
    parser.add_argument("--inbox-cards", type=int, default=1_000_000)
    parser.add_argument("--inbox-reuse", metavar="URL", help="an inbox database filled before")
    args = parser.parse_args()
    engine = args.engine
    if engine == "postgresql":
        os.environ.setdefault("TELLUS_REDIS_URL", "redis://127.0.0.1:6379/0")
    else:  # as the README runs SQLite: the limits in the process's memory
        os.environ.pop("TELLUS_REDIS_URL", None)
    timing = {"seconds": args.seconds, "rounds": args.rounds, "connections": CONNECTIONS}

    fresh_database(engine)
    with demo_server() as server:
        page = part("The card page", lambda: card_page.measure(server, **timing))
    fresh_database(engine)
    workers, apart = (1, False) if engine == "sqlite" else (2, True)
    layout = f"{workers} worker(s), the alerts from {'a process' if apart else 'a thread'}"
    with demo_server(workers=workers, worker_apart=apart) as server:
        cards = part(
            f"Submissions: {layout}",
            lambda: submissions.measure(server, **timing),
        )
    cards["raw"] = submissions.raw_inserts(5)  # with the servers stopped
    database = fresh_database(engine) or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    latency = part(
        "Card to inbox, two processes", lambda: inbox_latency.measure(database, cards=200)
    )
    inbox = part(
        "The inbox over a million cards",
        lambda: inbox_pages.measure(
            engine, cards=args.inbox_cards, runs=15, reuse=args.inbox_reuse
        ),
    )

    inbox_size = "the database reused" if args.inbox_reuse else f"{args.inbox_cards:,} cards"
    targets = table(engine, page=page, cards=cards, latency=latency, inbox=(inbox, inbox_size))
    print(f"\n## Targets, {engine} (load average after: {os.getloadavg()[0]:.2f})\n")
    print("| target | measured | reference, same run | met |\n|---|---|---|---|")
    for target in targets:
        met = "yes" if target.met else "**no**"
        print(f"| {target.name} | {target.measured} | {target.reference} | {met} |")
    missed = [target.name for target in targets if not target.met]
    print(f"\n{len(targets) - len(missed)} of {len(targets)} targets met on this machine.")


def table(
    engine: str, *, page: dict, cards: dict, latency: dict, inbox: tuple[dict, str]
) -> list[Target]:
    """Each target against what was measured; `inbox` is the inbox's pages and their size."""
    sqlite = engine == "sqlite"
    page_ratio = page["page"]["rate"] / page["bare"]["rate"]
    peak, bare = cards["cards"]["rate"], cards["bare"]["rate"]
    wanted = 2000 if sqlite else 1500
    form_ratio = cards["form"]["rate"] / peak
    errors = cards["errors"]
    first, inbox_size = inbox[0]["first page"], inbox[1]
    stream_limit = 150 if sqlite else 50
    layout = "1 worker" if sqlite else "2 workers + `tellus worker`"
    return [
        Target(
            "card page ≥ 0.8× the bare route",
            f"{page['page']['rate']:,.0f} req/s ({page_ratio:.2f}×),"
            f" {page['page']['cpu']:.2f} ms CPU a request; {page['errors']} errors",
            f"bare route {page['bare']['rate']:,.0f} req/s, {page['bare']['cpu']:.2f} ms CPU",
            page_ratio >= 0.8 and page["errors"] == 0,
        ),
        Target(
            "card page p99 ≤ 50 ms at 80 % of its peak",
            f"p99 {page['paced'][99]:.1f} ms ({page['paced']['rate']:,.0f} req/s,"
            f" {page['asked']:,.0f} asked)",
            "",
            page["paced"][99] <= 50,
        ),
        Target(
            f"≥ {wanted:,} durable cards/s, {layout}",
            f"{peak:,.0f} cards/s, {cards['cards']['cpu']:.2f} ms of the web server's CPU a card",
            f"bare route {bare:,.0f} req/s ({peak / bare:.2f}×); raw SQLite inserts"
            f" {cards['raw']:,.0f}/s ({peak / cards['raw']:.2f}×)",
            peak >= wanted,
        ),
        Target(
            "no errors (a 201 for every API card and a thank-you page for every form's, each"
            " form's card stored; no connection failed)",
            f"{errors} errors; the form: {cards['form_stored']:,} stored of"
            f" {cards['form_answered']:,} answered",
            "",
            errors == 0 and cards["form_stored"] >= cards["form_answered"],
        ),
        Target(
            "cards p99 ≤ 50 ms at 80 % of the peak",
            f"p99 {cards['paced'][99]:.1f} ms ({cards['paced']['rate']:,.0f} cards/s,"
            f" {cards['asked']:,.0f} asked)",
            "",
            cards["paced"][99] <= 50,
        ),
        Target(
            "HTML form within 20 % of the API",
            f"{cards['form']['rate']:,.0f} cards/s ({form_ratio:.2f}× the API's best round)",
            "",
            form_ratio >= 0.8,
        ),
        Target(
            f"inbox's first page ≤ 20 ms, {inbox_size}",
            f"p50 {first[50]:.1f} ms, p95 {first[95]:.1f} ms",
            "",
            first[95] <= 20,
        ),
        Target(
            f"card to inbox p95 ≤ {stream_limit} ms, two processes",
            f"p95 {latency['stream'][95]:.1f} ms (p50 {latency['stream'][50]:.1f},"
            f" p99 {latency['stream'][99]:.1f}); {latency['missing']} cards missing",
            f"A answered: p95 {latency['answered'][95]:.1f} ms",
            latency["stream"][95] <= stream_limit and latency["missing"] == 0,
        ),
    ]


if __name__ == "__main__":
    main()
