"""The card limits: a burst per (client, code) answered with 429 and Retry-After, the code-wide
alert ceiling, the owners' count of refused cards, real customers behind one NAT, and a store
that fails (the card goes in)."""

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from bs4 import BeautifulSoup
from limits.storage import Storage
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.requests import Request

from api.alerts.schedule import schedule_escalations
from api.config import Settings
from api.models import AlertDelivery, Card, utcnow
from api.protection.clients import client_network
from api.protection.limiter import CardLimiter, Verdict, redis_store, take_card, utc_day
from api.protection.memory_store import SweptMemoryStorage
from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import (
    REDIS_URL,
    card_form,
    in_own_loop,
    log_in,
    require_redis,
    send_card,
    send_card_by_api,
)
from tests.sockets import refused_port

# The first three cards from a client to a code go in; the fourth waits.
BURST = "3/minute"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"card_limit": BURST})


def cards_of(session: Session) -> list[Card]:
    reread(session)
    return list(session.exec(select(Card).order_by(col(Card.id))).all())


def test_a_flood_of_the_card_form_is_refused_with_the_card_kept(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}?lang=fr"
    for number in range(3):
        send_card(client, world.counter_code.token, comment=f"Card {number}")
    fields = card_form(client, path, rating="2", comment="Le café était froid")
    response = client.post(path, data=fields)

    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    page = BeautifulSoup(response.text, "html.parser")
    # In the customer's language, with what they wrote, on the form they sent (same token).
    assert page.html["lang"] == "fr"
    assert "Votre carte est toujours là" in page.select_one(".error-summary").text
    assert page.select_one("#comment").text == "Le café était froid"
    assert page.select_one("#rating-2").has_attr("checked")
    assert page.select_one("input[name=form_token]")["value"] == fields["form_token"]
    assert page.select_one("input[name=idempotency_key]")["value"] == fields["idempotency_key"]
    assert [card.comment for card in cards_of(session)] == ["Card 0", "Card 1", "Card 2"]


def test_a_flood_of_the_api_is_refused_with_retry_after(
    client: TestClient, world: World, session: Session
) -> None:
    for _ in range(3):
        send_card_by_api(client, world.counter_code.token)
    response = client.post(
        f"/api/v1/codes/{world.counter_code.token}/cards",
        json={"rating": 1, "comment": "One too many"},
        headers={"Idempotency-Key": "too-many"},
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "again" in response.json()["detail"]
    # Another code is another budget: the limit is per (client, code).
    send_card_by_api(client, world.terrace_code.token)
    assert len(cards_of(session)) == 4


def test_owners_see_the_refused_cards_per_code(
    client: TestClient, world: World, session: Session
) -> None:
    for _ in range(5):
        client.post(
            f"/api/v1/codes/{world.maya_code.token}/cards",
            json={"rating": 4},
            headers={"Idempotency-Key": f"key-{_}"},
        )
    log_in(client, world.owner_email, world.password)
    page = BeautifulSoup(client.get("/admin/codes").text, "html.parser")
    row = page.find("a", string=world.maya_code.token).find_parent("tr")
    assert row.select("td")[-1].text == "2"
    detail = client.get(f"/admin/codes/{world.maya_code.id}").text
    assert "since midnight UTC): <strong>2</strong>" in detail


def test_the_api_lists_each_codes_refused_cards(
    client: TestClient, world: World, session: Session
) -> None:
    for number in range(4):
        client.post(
            f"/api/v1/codes/{world.counter_code.token}/cards",
            json={"rating": 4},
            headers={"Idempotency-Key": f"key-{number}"},
        )
    key, _ = create_api_key(session=session, organisation=world.organisation, name="script")
    codes = client.get("/api/v1/codes", headers={"Authorization": f"Bearer {key}"}).json()
    refused = {code["token"]: code["refused_today"] for code in codes}
    assert refused[world.counter_code.token] == 1
    assert refused[world.terrace_code.token] == 0


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
    ],
)
def test_a_client_is_counted_by_its_address_or_its_ipv6_64(address: str, network: str) -> None:
    assert client_network(address) == network


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), "1970-01-01"),
        (datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "2026-12-31"),
        (datetime(2027, 1, 1, tzinfo=UTC), "2027-01-01"),
        (datetime(2028, 2, 29, 12, tzinfo=UTC), "2028-02-29"),
    ],
)
def test_refusals_are_counted_per_utc_day(
    monkeypatch: pytest.MonkeyPatch, moment: datetime, day: str
) -> None:
    monkeypatch.setattr(time, "time", moment.timestamp)
    assert utc_day() == day


class TestCeiling:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"code_alert_ceiling": "2/hour"})

    def test_past_the_code_ceiling_cards_are_stored_without_alerts(
        self, client: TestClient, world: World, session: Session
    ) -> None:
        for number in range(3):
            send_card(client, world.counter_code.token, rating=1, comment=f"Bad {number}")
        cards = cards_of(session)
        assert [card.comment for card in cards] == ["Bad 0", "Bad 1", "Bad 2"]
        alerted = set(session.exec(select(AlertDelivery.card_id)).all())
        assert alerted == {cards[0].id, cards[1].id}
        # Nor does the quiet card escalate to the owners when nobody acknowledges it.
        later = utcnow() + timedelta(hours=1)
        assert schedule_escalations(engine=session.get_bind(), now=later) == 2
        assert set(session.exec(select(AlertDelivery.card_id)).all()) == alerted


class TestNat:
    """The defaults, as installed: a busy lunch behind a shop's one public address."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        defaults = Settings(_env_file=None)  # type: ignore[call-arg]
        return settings.model_copy(
            update={
                "card_limit": defaults.card_limit,
                "code_alert_ceiling": defaults.code_alert_ceiling,
            }
        )

    def test_thirty_customers_behind_one_address_all_get_through(
        self, client: TestClient, world: World, session: Session
    ) -> None:
        # The worst honest case: all of them at the counter's code, one after the other, as
        # fast as the test client goes (a real lunch spreads them over an hour or two).
        for number in range(30):
            send_card(client, world.counter_code.token, comment=f"Lunch {number}")
        cards = cards_of(session)
        assert len(cards) == 30
        assert all(card.alerts and not card.held for card in cards)


class TestStoreDown:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        with refused_port() as port:
            return settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})

    def test_a_limiter_whose_store_fails_accepts_cards_and_logs(
        self,
        client: TestClient,
        world: World,
        session: Session,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        with caplog.at_level(logging.ERROR, logger="tellus.protection"):
            for number in range(5):
                send_card(client, world.counter_code.token, comment=f"Card {number}")
            send_card_by_api(client, world.counter_code.token)
        assert len(cards_of(session)) == 6
        [record] = [r for r in caplog.records if r.name == "tellus.protection"]
        assert "accepted without limits" in record.getMessage()


class TestDatabaseStore:
    """Without a Redis, PostgreSQL's processes count in the database (SQLite can be told to)."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"card_limit": BURST, "card_limit_store": "database"})

    def test_every_process_counts_in_the_database(
        self, client: TestClient, world: World, session: Session, settings: Settings
    ) -> None:
        token = world.counter_code.token
        for _ in range(3):
            send_card_by_api(client, token)
        response = client.post(
            f"/api/v1/codes/{token}/cards",
            json={"rating": 4},
            headers={"Idempotency-Key": "one-too-many"},
        )
        assert response.status_code == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        # Another process on the same database sees the same window, and the same refusals.
        other_process = CardLimiter.from_settings(settings, session.get_bind())
        assert not other_process.take_card(code_token=token, client="testclient").allowed
        assert other_process.take_card(code_token=token, client="203.0.113.9").allowed
        assert other_process.refused_today([token]) == {token: 2}
        assert len(cards_of(session)) == 3

    def test_concurrent_processes_never_both_take_the_last_place(
        self, world: World, session: Session, settings: Settings
    ) -> None:
        processes = [CardLimiter.from_settings(settings, session.get_bind()) for _ in range(4)]
        token = world.terrace_code.token
        with ThreadPoolExecutor(max_workers=8) as pool:
            verdicts = list(
                pool.map(
                    lambda number: processes[number % 4].take_card(
                        code_token=token, client="198.51.100.1"
                    ),
                    range(12),
                )
            )
        assert sum(verdict.allowed for verdict in verdicts) == 3


def test_a_limit_that_cannot_be_read_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not a rate limit"):
        Settings(card_limit="forty a minute", _env_file=None)  # type: ignore[call-arg]


def test_a_shared_store_is_waited_on_by_a_few_threads_however_many_cards_wait() -> None:
    """Each count waits for Redis or the database in a thread: a thread per card in flight (one
    for each of 64 connections) made them take turns on the GIL with the event loop."""
    threads: set[int] = set()

    class SlowStore:
        in_memory = False
        counts_on_loop = False  # the database's limiter

        def resting(self) -> bool:
            return False

        def take_card(self, **_: object) -> Verdict:
            threads.add(threading.get_ident())
            time.sleep(0.005)  # a round trip to the store
            return Verdict(allowed=True)

    def request(number: int) -> Request:
        client = (f"198.18.0.{number}", 5000)
        return Request({"type": "http", "headers": [], "client": client})

    async def cards() -> list[Verdict]:
        store = cast(CardLimiter, SlowStore())
        waiting = [take_card(store, code_token="CODE", request=request(n)) for n in range(64)]
        return await asyncio.gather(*waiting)

    verdicts = in_own_loop(cards)
    assert all(verdict.allowed for verdict in verdicts)
    assert 1 <= len(threads) <= 8


def test_a_store_that_hangs_costs_no_card_and_is_left_alone_a_while(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A store that stops answering (Redis behind a dropped route) is waited for no longer than
    its timeout, and then not asked for a few seconds: the cards behind go in without waiting."""
    asked: list[str] = []

    class HangingStore(SweptMemoryStorage):
        def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
            asked.append(key)
            time.sleep(2)
            return True

    class FarLimiter(CardLimiter):
        in_memory = False  # type: ignore[assignment]  # as a network store's limiter is

    limiter = FarLimiter(store=HangingStore(), card_limit=BURST, code_alert_ceiling="100/hour")

    def request(number: int) -> Request:
        return Request({"type": "http", "headers": [], "client": (f"198.18.1.{number}", 5000)})

    async def cards() -> list[Verdict]:
        first = await take_card(limiter, code_token="CODE", request=request(0))
        rest = [take_card(limiter, code_token="CODE", request=request(n)) for n in range(1, 40)]
        return [first, *await asyncio.wait_for(asyncio.gather(*rest), 1)]

    with caplog.at_level(logging.ERROR, logger="tellus.protection"):
        verdicts = in_own_loop(cards)
    assert all(verdict.allowed for verdict in verdicts)
    assert len(asked) == 1  # the cards after the timeout did not ask the store
    assert "no answer within 0.5 s" in caplog.text


@pytest.fixture
def code_in_redis() -> Iterator[str]:
    """A code token whose counts a test keeps in the local Redis, removed afterwards."""
    client = require_redis()
    code = f"CODE{uuid.uuid4().hex}"
    yield code
    for key in client.scan_iter(match=f"tellus:*{code}*"):
        client.delete(key)
    client.close()


def redis_limiter(kind: type[CardLimiter], *, on_loop: bool) -> CardLimiter:
    store = redis_store(REDIS_URL)
    assert isinstance(store, Storage)
    return kind(
        store=store,
        card_limit=BURST,
        code_alert_ceiling="2/hour",
        redis_url=REDIS_URL if on_loop else None,
    )


class LoopOnlyLimiter(CardLimiter):
    def take_card(self, **_: object) -> Verdict:
        raise AssertionError("a card was counted from a thread")


def test_redis_counts_each_card_from_the_event_loop_in_the_windows_every_process_shares(
    code_in_redis: str,
) -> None:
    """No thread hop per card, allowed or refused (a few threads taking turns with the event
    loop on the GIL cost a PostgreSQL worker a third of a card's time); the windows and the
    refusals' counts are the same Redis keys."""
    code = code_in_redis
    limiter = redis_limiter(LoopOnlyLimiter, on_loop=True)

    def request(address: str) -> Request:
        return Request({"type": "http", "headers": [], "client": (address, 5000)})

    async def cards(*addresses: str) -> list[Verdict]:
        sent = [take_card(limiter, code_token=code, request=request(one)) for one in addresses]
        verdicts = list(await asyncio.gather(*sent))
        await limiter.close_on_loop()  # as the app does when it stops
        return verdicts

    verdicts = in_own_loop(lambda: cards(*["198.18.2.1"] * 4))
    allowed = [verdict for verdict in verdicts if verdict.allowed]
    [refused] = [verdict for verdict in verdicts if not verdict.allowed]
    assert len(allowed) == 3
    assert 1 <= refused.retry_after <= 60
    # The code-wide ceiling (2 an hour) counted the allowed ones: the third raises no alert.
    assert sorted(verdict.alerts for verdict in allowed) == [False, True, True]
    # Another event loop (a test client's, a server's next start) gets a client of its own.
    assert [verdict.allowed for verdict in in_own_loop(lambda: cards("198.18.2.1"))] == [False]
    # A crowd at once, each card on a connection of the loop's.
    crowd = [f"198.18.3.{number}" for number in range(64)]
    assert all(verdict.allowed for verdict in in_own_loop(lambda: cards(*crowd)))
    # A limiter counting from threads, as another process's may, shares the same windows.
    elsewhere = redis_limiter(CardLimiter, on_loop=False)
    assert not elsewhere.take_card(code_token=code, client="198.18.2.1").allowed
    assert elsewhere.refused_today([code]) == {code: 3}
    assert not elsewhere.take_card(code_token=code, client=crowd[0]).alerts  # far past 2 an hour


def test_only_a_plain_redis_address_is_asked_from_the_event_loop(settings: Settings) -> None:
    """A Sentinel, a cluster or a Unix socket goes through limits' own clients for them, from
    threads: the asyncio pool takes only a plain address."""
    for address, on_loop in [
        ("redis://127.0.0.1:6379/0", True),
        ("rediss://127.0.0.1:6379/0", True),
        ("redis+unix:///run/redis.sock?db=0", False),
    ]:
        limiter = CardLimiter.from_settings(
            settings.model_copy(update={"redis_url": address}), cast(Engine, None)
        )
        assert limiter.counts_on_loop is on_loop, address


def test_a_redis_the_loop_cannot_open_costs_no_card(caplog: pytest.LogCaptureFixture) -> None:
    class FarLimiter(CardLimiter):
        in_memory = False  # type: ignore[assignment]  # as a network store's limiter is

    limiter = FarLimiter(
        store=SweptMemoryStorage(),
        card_limit=BURST,
        code_alert_ceiling="100/hour",
        redis_url="redis+sentinel://127.0.0.1:1/primary",  # not an address its pool can open
    )
    request = Request({"type": "http", "headers": [], "client": ("198.18.4.1", 5000)})
    with caplog.at_level(logging.ERROR, logger="tellus.protection"):
        verdict = in_own_loop(lambda: take_card(limiter, code_token="CODE", request=request))
    assert verdict.allowed
    assert "accepted without limits" in caplog.text
