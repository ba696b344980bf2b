"""Nothing personal or secret reaches a log, at any level: a whole scenario at DEBUG.

The app is served by a real uvicorn (its access log included) with the root logger, uvicorn's
and SQLAlchemy's at DEBUG, and every secret and personal string the scenario used is looked for
in what they wrote.
"""

import logging
import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlmodel import Session, col, select

from api.alerts.worker import Worker, default_channels
from api.config import Settings
from api.models import Card
from tests.accounts.test_two_factor import later_code, turn_on
from tests.client import TestClient
from tests.factories import World
from tests.helpers import card_form, csrf_token, log_in, sign_in, soup
from tests.sockets import bound_socket, port_of

COMMENT = "Zebrafinch soup was cold and the waiter Quillon sneered"
NAME = "Perpetua Vandersloot"
EMAIL = "perpetua.vandersloot@example.org"
PHONE = "+44 7700 900461"
REPLY = "Dear Perpetua, we are sorry about the Zebrafinch soup"
KEY_NAME = "Till of Quillon"
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy.engine", "tellus")


@pytest.fixture
def captured() -> Iterator[list[str]]:
    """Every record any logger writes, formatted, while the test runs."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            # Not the test's own browser (httpx in this thread): the app's side only.
            ours = record.name.startswith(("httpx", "httpcore"))
            if not (ours and record.threadName == threading.main_thread().name):
                lines.append(self.format(record))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield lines
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def served(app: FastAPI, client: TestClient) -> Iterator[httpx.Client]:
    """The test's app behind a real uvicorn in this process, and a browser on it."""
    sock = bound_socket()
    config = uvicorn.Config(app, log_config=None, log_level="debug", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port_of(sock)}") as browser:
            yield browser
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_a_whole_scenario_logs_nothing_personal_or_secret(
    captured: list[str],
    served: httpx.Client,
    app: FastAPI,
    settings: Settings,
    session: Session,
    world: World,
) -> None:
    browser = served
    # A customer's card with contact details, and its private follow-up link.
    path = f"/c/{world.counter_code.token}"
    fields = {"comment": COMMENT, "contact_name": NAME, "contact_email": EMAIL}
    form = card_form(browser, path, rating="2", contact_phone=PHONE, wants_reply="on", **fields)
    thanks = browser.post(path, data=form)
    assert thanks.status_code == 200, thanks.text
    link = soup(thanks).select_one("a[data-follow-up]")
    assert link is not None
    follow_up = re.sub(r"^https?://[^/]+", "", str(link["href"]))
    assert browser.get(follow_up).status_code == 200

    # The owner signs in with a password, turns two-factor on and signs in again with a code.
    log_in(browser, world.owner_email, world.password)
    totp, recovery_codes = turn_on(browser)  # type: ignore[arg-type]
    browser.post("/logout", data={"csrf_token": csrf_token(browser)})
    sign_in(browser, world.owner_email, world.password, next="/inbox")
    code = later_code(totp)
    assert browser.post("/login/two-factor", data={"code": code}).status_code == 303
    session_cookies = [cookie.value for cookie in browser.cookies.jar if cookie.value]
    csrf = csrf_token(browser)

    # A reply, an API key and its use, a rights search; then the worker's pass.
    session.commit()
    card_id = session.exec(select(Card.id).order_by(col(Card.id).desc())).first()
    replied = browser.post(f"/inbox/{card_id}/replies", data={"csrf_token": csrf, "body": REPLY})
    assert replied.status_code == 303, replied.text
    made = browser.post("/admin/api-keys", data={"csrf_token": csrf, "name": KEY_NAME})
    key = soup(made).select_one(".new-key code")
    assert key is not None
    api_key = key.get_text()
    listed = browser.get("/api/v1/cards", headers={"Authorization": f"Bearer {api_key}"})
    assert listed.status_code == 200
    assert COMMENT in listed.text  # the scenario really carried the strings it looks for
    found = browser.post("/admin/data/rights", data={"csrf_token": csrf, "email": EMAIL})
    assert NAME in found.text
    engine = app.state.runtime.engine
    session.commit()
    Worker(engine=engine, settings=settings, channels=default_channels()).run_once()

    log = "\n".join(captured)
    assert "uvicorn.access" in log  # the access log was on
    assert "sqlalchemy.engine" in log  # and SQL was logged
    secrets = {
        "comment": COMMENT,
        "name": NAME,
        "email": EMAIL,
        "phone": PHONE,
        "reply": REPLY,
        "password": world.password,
        "follow-up token": follow_up.rsplit("/", 1)[-1],
        "api key": api_key,
        "api key's secret part": api_key.split("_", 2)[-1],  # as the app splits it
        "two-factor secret": totp.secret,
        "two-factor code": code,
        "csrf token": csrf,
        **{f"recovery code {n}": value for n, value in enumerate(recovery_codes)},
        **{f"cookie {n}": value for n, value in enumerate(session_cookies)},
    }
    leaked = {what: value for what, value in secrets.items() if value in log}
    assert not leaked, {what: _debug_where(log, value) for what, value in leaked.items()}


def _debug_where(log: str, value: str) -> list[str]:
    return [line[:300] for line in log.splitlines() if value in line]
