"""Benchmark: another organisation's negative alert while one organisation floods the worker.

Migrates a fresh database (a SQLite file, or with --engine postgresql the database
tellus_bench_fairness, recreated), makes two organisations through the services, and runs one
alert worker in a thread (as `tellus serve` does) against a real SMTP server (aiosmtpd) and a
webhook server that reads each request and never answers. Then it times organisation B's
negative cards, one at a time with a short random pause, from the card's commit (through the
customer's service, `submit_card`) until its email is at the SMTP server:

1. quiet: nothing else is queued;
2. flood: organisation A's cards were stored first, in bulk (--flood cards, one in ten negative,
   each card to two all-cards webhooks on the hanging server, each negative one also emailed).

It also times the claim's ranking of every due row (`fair_due_ids`) with the flood due.
Usage: python bench/alert_fairness.py [--engine postgresql] [--flood 3000] [--alerts 20]
       [--concurrency 8] [--slots 4]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.accounts.service import create_user  # noqa: E402
from api.alerts.worker import Worker, default_channels  # noqa: E402
from api.app_settings import load_secret_key  # noqa: E402
from api.config import Settings  # noqa: E402
from api.customer.cards import submit_card  # noqa: E402
from api.customer.codes import NO_CACHE, load_code_context  # noqa: E402
from api.customer.schemas import CardIn  # noqa: E402
from api.db import create_db_engine, migrate  # noqa: E402
from api.models import AlertDelivery, Card, Webhook, utcnow  # noqa: E402
from api.security import new_secret  # noqa: E402
from api.setup.codes import create_code  # noqa: E402
from api.setup.locations import save_location  # noqa: E402
from api.setup.organisations import add_owner, create_organisation  # noqa: E402
from api.setup.schemas import CodeIn, LocationIn  # noqa: E402
from tests.alerts.receiver import Receiver  # noqa: E402
from tests.smtp import SmtpServer  # noqa: E402

try:
    from api.alerts.outbox import fair_due_ids
except ImportError:  # the worker before fair claims, for a comparison
    fair_due_ids = None  # type: ignore[assignment]

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "tellus_bench_fairness"
NEGATIVE_EVERY = 10
# In the comment of each of B's timed cards.
MARK = "Timed card"


def database(engine_name: str) -> str:
    if engine_name == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='tellus-fairness-bench-')}/bench.db"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
    admin.dispose()
    return make_url(POSTGRES_ADMIN).set(database=BENCH_DATABASE).render_as_string(False)


def organisation(engine: Engine, name: str, secret: str) -> dict[str, Any]:
    """An organisation with its owner, a location and a code, made through the services."""
    with Session(engine) as session:
        made = create_organisation(session=session, name=name)
        email = f"owner@{made.slug}.example"
        owner = create_user(session=session, email=email, password="x" * 16)
        tenant = add_owner(session=session, organisation=made, user=owner)
        counter = save_location(
            session=session, tenant=tenant, code_cache=NO_CACHE, data=LocationIn(name="Counter")
        )
        code = create_code(
            session=session,
            tenant=tenant,
            code_cache=NO_CACHE,
            data=CodeIn(label="Counter", location_id=counter.id),
        )
        return {
            "id": made.id,
            "email": email,
            "location_id": counter.id,
            "code_id": code.id,
            "token": code.token,
            "secret": secret,
        }


def flood(engine: Engine, world: dict[str, Any], cards: int, webhook_url: str) -> int:
    """A's cards, stored at once; the negative ones through the customer's service (their
    alerts through the routing), the rest with the webhook deliveries routing makes for them, in
    one insert each. How many deliveries that made."""
    with Session(engine) as session:
        hooks = [
            Webhook(
                organisation_id=world["id"],
                name=name,
                url=f"{webhook_url}/{name}",
                secret="whsec_bench",
                all_cards=True,
            )
            for name in ("ops", "archive")
        ]
        session.add_all(hooks)
        session.commit()
        hook_ids = [hook.id for hook in hooks]
    for number in range(cards // NEGATIVE_EVERY):
        send(engine, world, f"Flood {number}")
    now = utcnow()
    with Session(engine) as session:
        ids = session.scalars(
            insert(Card).returning(Card.id, sort_by_parameter_order=True),  # type: ignore[arg-type]
            [
                {
                    "organisation_id": world["id"],
                    "code_id": world["code_id"],
                    "location_id": world["location_id"],
                    "rating": 5,
                    "comment": f"Flood {number}",
                    "idempotency_key": new_secret(12),
                    "request_hash": "0" * 64,
                    "created_at": now,
                    "status": "new",
                    "language": "en",
                    "wants_reply": False,
                    "contact_name": "",
                    "contact_email": "",
                    "contact_phone": "",
                }
                for number in range(cards - cards // NEGATIVE_EVERY)
            ],
        ).all()
        rows = [
            {
                "organisation_id": world["id"],
                "card_id": card_id,
                "kind": "card",
                "channel": "webhook",
                "webhook_id": hook_id,
                "address": "",
                "language": "en",
                "idempotency_key": f"tellus-card-{card_id}-webhook-{hook_id}",
                "payload": {},
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
            for card_id in ids
            for hook_id in hook_ids
        ]
        session.execute(insert(AlertDelivery), rows)
        session.commit()
        return len(rows) + 3 * (cards // NEGATIVE_EVERY)


def send(engine: Engine, world: dict[str, Any], comment: str) -> None:
    """A negative card through the customer's service, as the card page stores one."""
    context = load_code_context(engine=engine, raw_token=world["token"])
    assert context is not None
    submit_card(
        engine=engine,
        context=context,
        data=CardIn(rating=1, comment=comment),
        idempotency_key=new_secret(12),
        language="en",
        secret=world["secret"],
    )


def time_ranking(engine: Engine, world: dict[str, Any], share: int) -> list[float]:
    """The claim's ranking of every due row, with A's share taken (so nothing is claimed)."""
    seconds = []
    for _ in range(5):
        with Session(engine) as session:
            began = time.perf_counter()
            session.exec(
                fair_due_ids(
                    now=utcnow(), limit=8, per_organisation=share, in_flight={world["id"]: share}
                )
            ).all()
            seconds.append(time.perf_counter() - began)
    return seconds


class Arrivals:
    """The comments of the messages the SMTP server received, each message read once (A's
    flood sends thousands, and this runs in the worker's process)."""

    def __init__(self, mail: SmtpServer) -> None:
        self.mail = mail
        self.read = 0
        self.bodies: list[str] = []

    def wait_for(self, comment: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.mail.messages[self.read :]
            self.read += len(messages)
            for message in messages:
                body = message.get_body(("plain",))
                if body is not None and MARK in (text := body.get_content()):
                    self.bodies.append(text)
            if any(comment in body for body in self.bodies):
                return True
            time.sleep(0.005)
        return False


def time_alerts(
    engine: Engine,
    world: dict[str, Any],
    arrivals: Arrivals,
    *,
    count: int,
    label: str,
    give_up: float,
) -> list[float]:
    """Seconds from each of B's cards to its email; one that never came counts as `give_up`."""
    waits = []
    for number in range(count):
        comment = f"{MARK} {label} {number} {new_secret(6)}"
        send(engine, world, comment)
        began = time.perf_counter()
        arrivals.wait_for(comment, timeout=give_up)
        waits.append(time.perf_counter() - began)
        time.sleep(random.uniform(0.2, 1.0))  # noqa: S311
    return waits


def report(label: str, waits: list[float]) -> str:
    cuts = statistics.quantiles(waits, n=20, method="inclusive") if len(waits) > 1 else waits * 19
    return (
        f"| {label} | {len(waits)} | {statistics.median(waits) * 1000:.0f} ms"
        f" | {cuts[18] * 1000:.0f} ms | {max(waits) * 1000:.0f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--flood", type=int, default=3000, help="organisation A's cards")
    parser.add_argument("--alerts", type=int, default=20, help="B's timed alerts per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--slots", type=int, default=4, help="one organisation's share")
    parser.add_argument("--give-up", type=float, default=120, help="seconds to wait for one email")
    args = parser.parse_args()

    url = database(args.engine)
    migrate(url)
    engine = create_db_engine(url)
    mail = SmtpServer().start()
    hanging = Receiver(stalls=True).start()
    settings = Settings(
        database_url=url,
        smtp_url=mail.url,
        outbound_allow="127.0.0.1",
        worker_concurrency=args.concurrency,
        worker_organisation_slots=args.slots,
        _env_file=None,  # type: ignore[call-arg]
    )
    secret = load_secret_key(engine=engine, settings=settings)
    a, b = organisation(engine, "Flooded Bar", secret), organisation(engine, "Quiet Bakery", secret)
    worker = Worker(engine=engine, settings=settings, channels=default_channels())
    worker.start_thread()
    arrivals = Arrivals(mail)
    try:
        quiet = time_alerts(
            engine, b, arrivals, count=args.alerts, label="quiet", give_up=args.give_up
        )
        began = time.perf_counter()
        made = flood(engine, a, args.flood, hanging.url)
        stored = time.perf_counter() - began
        print(f"{args.engine}: flood of {made:,} deliveries stored in {stored:.1f} s")
        claims = time_ranking(engine, a, args.slots) if fair_due_ids else []
        flooded = time_alerts(
            engine, b, arrivals, count=args.alerts, label="flood", give_up=args.give_up
        )
        print(f"hanging webhook requests: {len(hanging.stalled)}")
    finally:
        hanging.stop()
        worker.stop()
        mail.stop()
    if claims:
        ranking = statistics.median(claims) * 1000
        print(f"ranking the due rows for a claim, {made:,} deliveries: {ranking:.0f} ms")
    title = f"{args.engine}, concurrency {args.concurrency}, share {args.slots}"
    print(f"\n| {title} | alerts | p50 | p95 | max |\n|---|---|---|---|---|")
    print(report("B's negative alert, quiet", quiet))
    print(report(f"B's negative alert, A flooding ({made:,} deliveries)", flooded))
    ratio = statistics.median(flooded) / statistics.median(quiet)
    print(f"\nflood / quiet: p50 x{ratio:.2f}, max x{max(flooded) / max(quiet):.2f}")
    engine.dispose()


if __name__ == "__main__":
    main()
