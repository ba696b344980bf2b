"""A card sent to one app process reaches an inbox stream served by another, on either engine."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from bs4 import BeautifulSoup

from tests.factories import World, make_world
from tests.helpers import log_in, send_card
from tests.live.conftest import TwoServers
from tests.sse import cards, is_event, open_stream, read_until

# Generous: the bench holds the latency figure, a test only says the card arrives.
ARRIVAL_SECONDS = 10.0
TIMEOUT = httpx.Timeout(10.0, read=30.0)


@pytest.fixture
def world(two_servers: TwoServers) -> World:
    with two_servers.a.session() as session:
        return make_world(session, name=f"Harbour Café {uuid.uuid4().hex[:6]}")


@pytest.fixture
def manager_on_b(two_servers: TwoServers, world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=two_servers.b.base_url, timeout=TIMEOUT) as client:
        log_in(client, world.owner_email, world.password)
        yield client


def test_a_card_sent_to_one_process_appears_on_the_others_stream(
    two_servers: TwoServers, world: World, manager_on_b: httpx.Client
) -> None:
    with (
        httpx.Client(base_url=two_servers.a.base_url, timeout=TIMEOUT) as customer_on_a,
        open_stream(manager_on_b) as stream,
    ):
        read_until(stream, is_event("ready"))
        send_card(customer_on_a, world.counter_code.token, rating=2, comment="Sent to process A")
        seen = read_until(stream, is_event("card"), seconds=ARRIVAL_SECONDS)
    assert cards(seen) == ["Sent to process A"]


def test_a_reconnect_to_the_other_process_resumes_without_loss(
    two_servers: TwoServers, world: World, manager_on_b: httpx.Client
) -> None:
    with httpx.Client(base_url=two_servers.a.base_url, timeout=TIMEOUT) as on_a:
        with open_stream(manager_on_b) as stream:
            read_until(stream, is_event("ready"))
            send_card(on_a, world.counter_code.token, rating=2, comment="Before the drop")
            before = read_until(stream, is_event("card"), seconds=ARRIVAL_SECONDS)[-1]
        for comment in ("One", "Two", "Three"):
            send_card(on_a, world.terrace_code.token, rating=2, comment=comment)

        # The browser comes back through a load balancer that picks the other process.
        on_a.cookies = manager_on_b.cookies
        with open_stream(on_a, last_event_id=before.id) as stream:
            seen = read_until(stream, is_event("ready"), seconds=ARRIVAL_SECONDS)
    assert cards(seen) == ["One", "Two", "Three"]


def test_a_status_change_on_one_process_updates_the_others_stream(
    two_servers: TwoServers, world: World, manager_on_b: httpx.Client
) -> None:
    with httpx.Client(base_url=two_servers.a.base_url, timeout=TIMEOUT) as manager_on_a:
        log_in(manager_on_a, world.owner_email, world.password)
        with open_stream(manager_on_b) as stream:
            read_until(stream, is_event("ready"))
            send_card(manager_on_a, world.maya_code.token, rating=2, comment="Maya forgot my order")
            card = read_until(stream, is_event("card"), seconds=ARRIVAL_SECONDS)[-1]
            card_id = card.payload["card_id"]
            page = BeautifulSoup(manager_on_a.get(f"/inbox/{card_id}").text, "html.parser")
            csrf = page.select_one("input[name=csrf_token]")
            assert csrf is not None
            response = manager_on_a.post(
                f"/inbox/{card_id}/resolve", data={"csrf_token": str(csrf["value"])}
            )
            assert response.status_code == 303
            status = read_until(stream, is_event("status"), seconds=ARRIVAL_SECONDS)[-1]
    assert (status.payload["card_id"], status.payload["status"]) == (card_id, "resolved")
