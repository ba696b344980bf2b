"""The card limits across two app processes that share Redis, on either engine, and whose
X-Forwarded-For they believe: only a configured proxy's."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.browser.conftest import LiveServer, run_live_server
from tests.factories import World, make_world
from tests.helpers import REDIS_URL, require_redis

LIMIT = 4
# A proxy address no test connection comes from: the server behind it believes no one's header.
ELSEWHERE = "10.9.9.9"


@dataclass(frozen=True)
class SharedLimits:
    # Believes X-Forwarded-For from 127.0.0.1 (uvicorn's default, as TELLUS_FORWARDED_ALLOW_IPS).
    a: LiveServer
    # Believes it only from ELSEWHERE: the header of a client connecting directly is ignored.
    b: LiveServer


@pytest.fixture(scope="module")
def servers(
    live_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedLimits]:
    require_redis().close()
    env = {"TELLUS_REDIS_URL": REDIS_URL, "TELLUS_CARD_LIMIT": f"{LIMIT}/minute"}
    with (
        run_live_server(live_database_url, tmp_path_factory.mktemp("a"), extra_env=env) as a,
        run_live_server(
            live_database_url,
            tmp_path_factory.mktemp("b"),
            extra_env=env,
            app=("api.main:app", "--forwarded-allow-ips", ELSEWHERE),
        ) as b,
    ):
        yield SharedLimits(a=a, b=b)


@pytest.fixture
def world(servers: SharedLimits) -> World:
    with servers.a.session() as session:
        return make_world(session, name=f"Food Court {uuid.uuid4().hex[:6]}")


def send(server: LiveServer, token: str, *, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return httpx.post(
        server.url(f"/api/v1/codes/{token}/cards"),
        json={"rating": 2, "comment": "Queue too long"},
        headers=headers,
        timeout=10,
    )


def test_the_limit_holds_across_two_processes(servers: SharedLimits, world: World) -> None:
    token = world.counter_code.token
    statuses = [send(server, token).status_code for server in [servers.a, servers.b] * LIMIT]
    assert statuses == [201] * LIMIT + [429] * LIMIT
    refused = send(servers.a, token)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_a_trusted_proxys_clients_are_counted_apart(servers: SharedLimits, world: World) -> None:
    token = world.terrace_code.token
    # Behind the proxy, many customers: none is held back by the others.
    for number in range(LIMIT + 2):
        assert send(servers.a, token, forwarded_for=f"198.51.100.{number}").status_code == 201
    # One IPv6 subscriber (one /64), whichever of its addresses it sends from.
    statuses = [
        send(servers.a, token, forwarded_for=f"2001:db8:7:7::{number}").status_code
        for number in range(1, LIMIT + 2)
    ]
    assert statuses == [201] * LIMIT + [429]


def test_a_client_not_behind_a_configured_proxy_cannot_pick_its_address(
    servers: SharedLimits, world: World
) -> None:
    token = world.maya_code.token
    statuses = [
        send(servers.b, token, forwarded_for=f"198.51.100.{number}").status_code
        for number in range(LIMIT + 1)
    ]
    assert statuses == [201] * LIMIT + [429]
