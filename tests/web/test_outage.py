"""The database goes away under a running app: every answer is a 503 that says when to try again
(never a 500), the health check takes the process out of rotation, and when the database comes
back so does the app, with no card lost or stored twice.

PostgreSQL is reached through a TCP proxy the test cuts and restores, and a server of the test's
own is stopped and started; SQLite's file is taken away (a directory stands in its place) and
put back.
"""

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from api.config import Settings
from api.db import migrate
from api.main import create_app
from api.models import Card
from tests.browser.tcp_proxy import TcpProxy
from tests.client import TestClient
from tests.factories import World, make_world
from tests.helpers import card_form, log_in, settings_for_tests
from tests.private_postgres import private_postgres

Outage = Callable[[], None]


@contextmanager
def app_with_an_outage(settings: Settings) -> Iterator[tuple[TestClient, Outage, Outage]]:
    """A client on an app of its own, with `stop()` and `start()` for its database."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        proxy = TcpProxy(target_port=url.port or 5432)
        proxy.start()
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        app = create_app(settings.model_copy(update={"database_url": proxied}))
        try:
            with TestClient(app, follow_redirects=False) as client:
                yield client, proxy.cut, proxy.restore
        finally:
            proxy.stop()
        return
    path = Path(str(url.database))
    away = path.with_name("away.db")
    app = create_app(settings)
    runtime = app.state.runtime

    def stop() -> None:
        runtime.engine.dispose()  # the pool's open connections would still reach the old file
        path.rename(away)
        path.mkdir()  # SQLite cannot open a directory: "unable to open database file"

    def start() -> None:
        path.rmdir()
        away.rename(path)

    with TestClient(app, follow_redirects=False) as client:
        yield client, stop, start
    if path.is_dir():
        shutil.rmtree(path)


def stored(session: Session) -> list[Card]:
    session.rollback()
    return list(session.exec(select(Card)).all())


def test_an_outage_is_a_503_with_retry_after_and_nothing_is_lost(
    settings: Settings, session: Session, world: World
) -> None:
    path = f"/c/{world.counter_code.token}"
    with app_with_an_outage(settings) as (client, stop, start):
        log_in(client, world.owner_email, world.password)
        form = card_form(client, path, rating="2", comment="The till is down")
        assert client.get("/healthz").status_code == 200

        stop()
        answers = {
            "card page": client.get(path),
            "card sent": client.post(path, data=form),
            "card by the API": client.post(
                f"/api/v1/codes/{world.counter_code.token}/cards",
                json={"rating": 2},
                headers={"Idempotency-Key": "outage-1"},
            ),
            "inbox": client.get("/inbox"),
        }
        health = client.get("/healthz")

        start()
        resent = client.post(path, data=form)  # what the card page's script does
        again = client.post(path, data=form)

    for name, answer in answers.items():
        assert answer.status_code == 503, (name, answer.status_code, answer.text[:300])
        assert answer.headers["retry-after"] == "5", name
    assert "unavailable for a moment" in answers["card sent"].text
    assert answers["card by the API"].json()["detail"].startswith("Tellus is unavailable")
    assert health.status_code == 503
    assert resent.status_code == again.status_code == 200
    assert [card.comment for card in stored(session)] == ["The till is down"]


def test_a_stopped_postgresql_server_is_a_503_until_it_starts_again() -> None:
    """The server itself stopped and started (a cluster of the test's own), not a cut link."""
    with private_postgres() as server:
        migrate(server.url)
        own = settings_for_tests(server.url)
        with TestClient(create_app(own), follow_redirects=False) as client:
            engine = client.app.state.runtime.engine  # type: ignore[attr-defined]
            with Session(engine, expire_on_commit=False) as session:
                world = make_world(session, name="Harbour Café")
            path = f"/c/{world.counter_code.token}"
            form = card_form(client, path, rating="1", comment="The server went away")
            assert client.get("/healthz").status_code == 200

            server.stop()
            down = [client.get(path), client.post(path, data=form), client.get("/healthz")]
            server.start()
            resent = client.post(path, data=form)

            with Session(engine) as session:
                comments = [card.comment for card in session.exec(select(Card)).all()]
    for answer in down:
        assert answer.status_code == 503, (answer.request.url, answer.text[:300])
        assert answer.headers["retry-after"] == "5"
    assert resent.status_code == 200
    assert comments == ["The server went away"]
