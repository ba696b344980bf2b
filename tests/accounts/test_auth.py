"""Signing in and out, the session cookie, CSRF and Origin checks, and API keys."""

import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from httpx2 import Response
from sqlalchemy import select as sql_select
from sqlmodel import Session, select

from api.config import Settings
from api.main import create_app
from api.models import ApiKey, Card, CardStatus, UserSession
from api.setup.api_keys.service import create_api_key, revoke_api_key
from tests.client import TestClient
from tests.factories import World, make_card, make_world
from tests.helpers import csrf_token, hidden_fields, log_in, sign_in, soup

COOKIE = "tellus_session"
WRONG_PASSWORD_TEXT = "The email or password is not right."
EXPIRED_FORM_TEXT = "This sign-in page was open too long."
EVIL = "https://evil.example"


def login_fields(client: TestClient, url: str = "/login") -> dict[str, str]:
    """The hidden fields of the sign-in form, as the browser would submit them."""
    return hidden_fields(client, url, "form[action='/login']")


def parse_set_cookie(header: str) -> tuple[str, str, dict[str, str]]:
    """A Set-Cookie header as (name, value, {lowercased attribute: value})."""
    first, *attributes = (part.strip() for part in header.split(";"))
    name, _, value = first.partition("=")
    parsed = {key.lower(): val for key, _, val in (item.partition("=") for item in attributes)}
    return name, value, parsed


def use_cookie(client: TestClient, value: str, name: str = COOKIE) -> None:
    """Make the browser present this session cookie (say, one copied before sign-out)."""
    client.cookies.clear()
    client.cookies.set(name, value)


def sessions_of(session: Session, world: World) -> list[str]:
    """The owner's stored sessions, read fresh (a SQLite read sees the snapshot it started on)."""
    session.rollback()
    ids = list(session.exec(select(UserSession.id).where(UserSession.user_id == world.owner.id)))
    session.commit()  # end the read without expiring the test's objects
    return ids


def card_state(session: Session, card: Card) -> tuple[object, ...]:
    """The card's status and times as stored now."""
    session.rollback()
    row = session.get(Card, card.id, populate_existing=True)
    assert row is not None
    state = (row.status, row.seen_at, row.resolved_at)
    session.commit()
    return state


def assert_sent_to_login(response: Response, next_path: str = "/inbox") -> None:
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": [next_path]}


# Signing in


def test_login_page_shows_the_form(client: TestClient) -> None:
    response = client.get("/login")

    assert response.status_code == 200
    page = soup(response)
    assert page.h1 is not None
    assert page.h1.get_text(strip=True) == "Sign in"
    assert page.select_one("input[name=email][type=email]") is not None
    assert page.select_one("input[name=password][type=password]") is not None
    assert page.select_one("input[name=form_token]") is not None
    assert "set-cookie" not in response.headers


def test_wrong_password_is_refused_without_a_cookie(client: TestClient, world: World) -> None:
    response = sign_in(client, world.owner_email, "not the password at all")

    assert response.status_code == 400
    page = soup(response)
    alert = page.select_one("[role=alert]")
    assert alert is not None
    assert alert.get_text(strip=True) == WRONG_PASSWORD_TEXT
    email = page.select_one("input[name=email]")
    assert email is not None
    assert email["value"] == world.owner_email
    assert "set-cookie" not in response.headers
    assert_sent_to_login(client.get("/inbox"))


def test_unknown_email_gets_the_same_answer(client: TestClient, world: World) -> None:
    response = sign_in(client, "nobody@example.com", world.password)

    assert response.status_code == 400
    assert WRONG_PASSWORD_TEXT in soup(response).get_text()
    assert "set-cookie" not in response.headers


def test_right_password_sets_an_http_only_lax_cookie(client: TestClient, world: World) -> None:
    response = sign_in(client, world.owner_email, world.password)

    assert response.status_code == 303
    assert response.headers["location"] == "/inbox"
    name, value, attributes = parse_set_cookie(response.headers["set-cookie"])
    assert name == COOKIE
    assert len(value) >= 32
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "lax"
    assert attributes["path"] == "/"
    assert "secure" not in attributes  # plain http in tests: a Secure cookie would never return
    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    assert "Harbour Café" in soup(inbox).get_text()


def test_signing_in_again_rotates_the_session(
    client: TestClient, session: Session, world: World
) -> None:
    log_in(client, world.owner_email, world.password)
    first = client.cookies[COOKIE]
    log_in(client, world.owner_email, world.password)
    second = client.cookies[COOKIE]

    assert first != second
    assert len(sessions_of(session, world)) == 1
    assert client.get("/inbox").status_code == 200
    use_cookie(client, first)
    assert_sent_to_login(client.get("/inbox"))
    use_cookie(client, second)
    assert client.get("/inbox").status_code == 200


def test_inbox_without_a_session_sends_to_login(client: TestClient) -> None:
    assert_sent_to_login(client.get("/inbox"))
    assert_sent_to_login(client.get("/"), next_path="/")


def test_next_brings_the_manager_back_after_signing_in(client: TestClient, world: World) -> None:
    sent = client.get("/inbox?rating=1")
    assert_sent_to_login(sent, next_path="/inbox?rating=1")

    fields = login_fields(client, sent.headers["location"])
    response = client.post(
        "/login", data=fields | {"email": world.owner_email, "password": world.password}
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/inbox?rating=1"


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\\evil.example", "https://evil.example/", "http:evil.example", "/%2Fevil"],
)
def test_next_is_never_an_open_redirect(client: TestClient, world: World, target: str) -> None:
    fields = login_fields(client, f"/login?next={target}")
    assert fields["next"] == "/inbox"
    from_page = client.post(
        "/login", data=fields | {"email": world.owner_email, "password": world.password}
    )
    forged = client.post(
        "/login",
        data=login_fields(client)
        | {"email": world.owner_email, "password": world.password, "next": target},
    )

    assert from_page.status_code == forged.status_code == 303
    assert from_page.headers["location"] == "/inbox"
    # A form can send "/%2Fevil" verbatim: it stays a path on this site, not "//evil".
    assert forged.headers["location"] in ("/inbox", target)


@pytest.mark.parametrize(
    "form_token",
    [None, "", "not-a-token", f"{int(time.time())}.{'0' * 32}"],
    ids=["missing", "empty", "garbage", "forged"],
)
def test_login_without_a_valid_form_token_is_refused(
    client: TestClient, world: World, form_token: str | None
) -> None:
    data = {"email": world.owner_email, "password": world.password}
    if form_token is not None:
        data["form_token"] = form_token

    response = client.post("/login", data=data)

    assert response.status_code == 400
    assert EXPIRED_FORM_TEXT in soup(response).get_text()
    assert "set-cookie" not in response.headers


def test_a_tampered_form_token_is_refused(client: TestClient, world: World) -> None:
    fields = login_fields(client)
    issued, _, signature = fields["form_token"].partition(".")
    fields["form_token"] = f"{int(issued) + 1}.{signature}"

    response = client.post(
        "/login", data=fields | {"email": world.owner_email, "password": world.password}
    )

    assert response.status_code == 400
    assert "set-cookie" not in response.headers


# Signing out


def test_logout_needs_the_csrf_token(
    manager_client: TestClient, session: Session, world: World
) -> None:
    refused = manager_client.post("/logout")

    assert refused.status_code == 403
    assert "This form has expired" in soup(refused).get_text()
    assert len(sessions_of(session, world)) == 1
    assert manager_client.get("/inbox").status_code == 200


def test_logout_ends_the_session_on_the_server(
    manager_client: TestClient, session: Session, world: World
) -> None:
    copied = manager_client.cookies[COOKIE]

    response = manager_client.post("/logout", data={"csrf_token": csrf_token(manager_client)})

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    name, value, attributes = parse_set_cookie(response.headers["set-cookie"])
    assert name == COOKIE
    assert attributes.get("max-age") == "0" or not value
    assert sessions_of(session, world) == []
    use_cookie(manager_client, copied)
    assert_sent_to_login(manager_client.get("/inbox"))


def test_get_logout_is_not_allowed_and_changes_nothing(
    manager_client: TestClient, session: Session, world: World
) -> None:
    response = manager_client.get("/logout")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "set-cookie" not in response.headers
    assert len(sessions_of(session, world)) == 1
    assert manager_client.get("/inbox").status_code == 200


# Cross-site requests


@pytest.fixture
def card(session: Session, world: World) -> Card:
    return make_card(session, code=world.counter_code)


def test_cross_origin_login_is_refused(client: TestClient, world: World) -> None:
    fields = login_fields(client) | {"email": world.owner_email, "password": world.password}

    response = client.post("/login", data=fields, headers={"Origin": EVIL})

    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert client.post("/login", data=fields, headers={"Origin": "http://testserver"}).is_redirect


def test_cross_origin_post_does_not_touch_a_card(
    manager_client: TestClient, session: Session, card: Card
) -> None:
    before = card_state(session, card)
    data = {"csrf_token": csrf_token(manager_client)}

    response = manager_client.post(f"/inbox/{card.id}/seen", data=data, headers={"Origin": EVIL})

    assert response.status_code == 403
    assert card_state(session, card) == before
    same_site = manager_client.post(
        f"/inbox/{card.id}/seen", data=data, headers={"Origin": "http://testserver"}
    )
    assert same_site.status_code == 303
    assert card_state(session, card)[0] == CardStatus.seen


@pytest.mark.parametrize("token", [None, "", "wrong-token"], ids=["missing", "empty", "wrong"])
def test_wrong_csrf_token_does_not_touch_a_card(
    manager_client: TestClient, session: Session, card: Card, token: str | None
) -> None:
    before = card_state(session, card)

    response = manager_client.post(
        f"/inbox/{card.id}/resolve", data={} if token is None else {"csrf_token": token}
    )

    assert response.status_code == 403
    assert "This form has expired" in soup(response).get_text()
    assert card_state(session, card) == before
    accepted = manager_client.post(
        f"/inbox/{card.id}/resolve", data={"csrf_token": csrf_token(manager_client)}
    )
    assert accepted.status_code == 303
    assert card_state(session, card)[0] == CardStatus.resolved


def test_csrf_token_of_an_earlier_session_is_refused(
    manager_client: TestClient, session: Session, world: World, card: Card
) -> None:
    old_token = csrf_token(manager_client)
    log_in(manager_client, world.owner_email, world.password)

    response = manager_client.post(f"/inbox/{card.id}/seen", data={"csrf_token": old_token})

    assert response.status_code == 403
    assert card_state(session, card)[0] == CardStatus.new


# The cookie over HTTPS


@pytest.fixture
def https_client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        environment="test",
        database_url=database_url,
        base_url="https://tellus.example",
        code_cache_seconds=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    try:
        with TestClient(app, base_url="https://tellus.example", follow_redirects=False) as client:
            yield client
    finally:
        app.state.runtime.engine.dispose()


def test_https_site_uses_a_secure_host_only_cookie(https_client: TestClient) -> None:
    engine = https_client.app.state.runtime.engine  # type: ignore[attr-defined]
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, name="Harbour Café")

    response = sign_in(https_client, world.owner_email, world.password)

    assert response.status_code == 303
    name, _, attributes = parse_set_cookie(response.headers["set-cookie"])
    assert name == "__Host-tellus_session"
    assert "secure" in attributes
    assert "httponly" in attributes
    assert attributes["path"] == "/"
    assert "domain" not in attributes  # the __Host- prefix forbids one
    assert https_client.get("/inbox").status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=")


# API keys


@pytest.fixture
def api_key(session: Session, world: World) -> str:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Reports")
    return key


def test_api_key_opens_the_organisations_cards(
    client: TestClient, card: Card, api_key: str
) -> None:
    response = client.get("/api/v1/cards", headers={"Authorization": f"Bearer {api_key}"})

    assert response.status_code == 200
    assert [listed["id"] for listed in response.json()["cards"]] == [card.id]


def garble(key: str) -> str:
    return key[:-1] + ("A" if key[-1] != "A" else "B")


@pytest.mark.parametrize(
    "authorization",
    [
        lambda key: None,
        lambda key: "Bearer",
        lambda key: "Bearer ",
        lambda key: "Bearer not-a-key",
        lambda key: f"Bearer {garble(key)}",
        lambda key: f"Bearer {key.rsplit('_', 1)[0]}_",
        lambda key: f"Basic {key}",
        lambda key: key,
    ],
    ids=["missing", "no key", "blank", "garbage", "garbled", "no secret", "basic", "no scheme"],
)
def test_api_without_a_valid_key_is_401(
    client: TestClient, card: Card, api_key: str, authorization: Callable[[str], str | None]
) -> None:
    value = authorization(api_key)
    headers = {} if value is None else {"Authorization": value}

    response = client.get("/api/v1/cards", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json()["detail"], str)
    assert response.json()["detail"]
    assert "cards" not in response.json()


def test_revoked_api_key_is_401(
    client: TestClient, session: Session, card: Card, api_key: str
) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    assert client.get("/api/v1/cards", headers=headers).status_code == 200
    key = session.exec(select(ApiKey)).one()
    revoke_api_key(session=session, key=key)

    response = client.get("/api/v1/cards", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"]


def test_only_a_hash_of_the_api_key_is_stored(client: TestClient, api_key: str) -> None:
    # tls_<prefix>_<secret>: the secret itself may contain "_".
    secret = api_key.split("_", 2)[2]
    assert len(secret) >= 32
    engine = client.app.state.runtime.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(sql_select(ApiKey.__table__)).mappings().all()  # type: ignore[attr-defined]

    assert len(rows) == 1
    for column, stored in rows[0].items():
        assert api_key not in str(stored), column
        assert secret not in str(stored), column
