"""The code lookup cache: fast for every scan, yet a revocation reaches every process in seconds."""

import asyncio

from sqlalchemy import event
from sqlmodel import Session

from api.config import Settings
from api.customer.codes import CodeCache, CodeContext, find_code, load_code_context
from api.main import create_app
from api.models import utcnow
from tests.client import TestClient
from tests.factories import World
from tests.helpers import in_own_loop


class Clock:
    """A monotonic clock that only the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_revocation_reaches_every_process_within_the_cache_time(
    settings: Settings, world: World, session: Session
) -> None:
    """Two apps on one database stand for two processes: neither is told about the revocation."""
    cached = settings.model_copy(update={"code_cache_seconds": 2.0})
    clock = Clock()
    apps = create_app(cached), create_app(cached)
    for each in apps:
        each.state.runtime.code_cache = CodeCache(ttl=cached.code_cache_seconds, clock=clock)
    path = f"/c/{world.counter_code.token}"
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        assert one.get(path).status_code == two.get(path).status_code == 200
        world.counter_code.revoked_at = utcnow()
        session.add(world.counter_code)
        session.commit()
        clock.now += 1.9
        assert one.get(path).status_code == two.get(path).status_code == 200  # still cached
        clock.now += 0.2
        assert one.get(path).status_code == two.get(path).status_code == 410


def test_cache_serves_repeat_scans_without_the_database(world: World, app) -> None:
    cache = CodeCache(ttl=60)
    context = load_code_context(engine=app.state.runtime.engine, raw_token=world.counter_code.token)
    cache.put(world.counter_code.token, context)
    assert cache.get(world.counter_code.token) == (True, context)
    assert cache.get("ZZZZZZZZ") == (False, None)
    cache.invalidate(world.counter_code.token)
    assert cache.get(world.counter_code.token) == (False, None)


def test_context_of_an_unknown_or_malformed_token_is_none(world: World, app) -> None:
    assert load_code_context(engine=app.state.runtime.engine, raw_token="ZZZZZZZZ") is None
    assert load_code_context(engine=app.state.runtime.engine, raw_token="../etc/passwd") is None


def test_requests_that_find_a_lapsed_code_share_one_load(world: World, app) -> None:
    """Dozens of customers in flight when a busy code's entry lapses: one read of the code."""
    engine = app.state.runtime.engine
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    async def scans(cache: CodeCache, how_many: int) -> list[CodeContext | None]:
        return await asyncio.gather(
            *(
                find_code(cache=cache, engine=engine, token=world.counter_code.token)
                for _ in range(how_many)
            )
        )

    event.listen(engine, "before_cursor_execute", count)
    try:
        one = in_own_loop(lambda: scans(CodeCache(ttl=60), 1))
        one_load = len(statements)
        statements.clear()
        cache = CodeCache(ttl=60)
        many = in_own_loop(lambda: scans(cache, 40))
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert one_load > 0
    assert len(statements) == one_load
    assert {context.code_id for context in many if context} == {world.counter_code.id}
    assert len(many) == 40
    assert one[0] is not None
    assert cache.loading == {}  # nothing left behind
    assert cache.get(world.counter_code.token.upper()) == (True, many[0])
