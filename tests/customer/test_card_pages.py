"""The card page rendered once and served many times: fresh per-request values, and a new page
as soon as an owner changes something a card shows."""

import gzip
import re
from urllib.parse import urlsplit

import pytest
from httpx import Response
from sqlmodel import Session, select

from api.config import Settings
from api.customer.codes import NO_CACHE, CodeCache
from api.customer.follow_up.service import follow_up_hash
from api.main import create_app
from api.models import Card
from api.setup.locations import save_location
from api.setup.schemas import LocationIn
from api.tenancy import Tenant
from tests.client import TestClient
from tests.customer.test_codes import Clock
from tests.factories import World
from tests.helpers import csrf_token, soup

PROFILE = {
    "name": "Harbour Café",
    "accent_colour": "#2f6f5e",
    "default_language": "en",
    "time_zone": "Europe/London",
    "review_links": "",
}


@pytest.fixture
def cached(app) -> None:
    """A code cache that keeps contexts for a minute, as a busy server does: only the set-up
    services' invalidation can make the page change."""
    app.state.runtime.code_cache = CodeCache(ttl=60)


def per_request_values(response: Response) -> tuple[str, str, str]:
    html = soup(response)
    nonces = {tag["nonce"] for tag in html.select("[nonce]")}
    assert len(nonces) == 1
    return (
        nonces.pop(),
        html.select_one("input[name=form_token]")["value"],
        html.select_one("input[name=idempotency_key]")["value"],
    )


def test_each_request_gets_its_own_nonce_form_token_and_key(
    client: TestClient, world: World, cached: None
) -> None:
    path = f"/c/{world.counter_code.token}"
    first, second = client.get(path), client.get(path)
    assert first.status_code == second.status_code == 200
    assert first.headers["cache-control"] == second.headers["cache-control"] == "no-store"
    values = [per_request_values(response) for response in (first, second)]
    for response, (nonce, _, _) in zip((first, second), values, strict=True):
        assert f"'nonce-{nonce}'" in response.headers["content-security-policy"]
    assert all(one != two for one, two in zip(*values, strict=True))
    # Everything else is the same page.
    blanked = [response.text for response in (first, second)]
    for index, own in enumerate(values):
        for value in own:
            blanked[index] = blanked[index].replace(value, "…")
    assert blanked[0] == blanked[1]


def test_each_spliced_page_sends_a_card(client: TestClient, world: World, cached: None) -> None:
    path = f"/c/{world.counter_code.token}"
    for _ in range(2):
        _, form_token, key = per_request_values(client.get(path))
        sent = client.post(
            path, data={"form_token": form_token, "idempotency_key": key, "rating": "5"}
        )
        assert sent.status_code == 200
        assert "Thank you" in sent.text


def owner_posts(client: TestClient, path: str, form: dict[str, str]) -> None:
    token = csrf_token(client, "/admin/organisation")
    assert client.post(path, data={"csrf_token": token, **form}).status_code == 303


def test_an_owners_change_shows_on_the_next_page(
    manager_client: TestClient, world: World, cached: None
) -> None:
    terrace = f"/c/{world.terrace_code.token}"
    english = {"Accept-Language": "en"}

    def heading() -> str:
        return soup(manager_client.get(terrace, headers=english)).select_one("h1").text

    assert heading() == "How was your visit to Terrace?"
    owner_posts(
        manager_client, f"/admin/locations/{world.terrace.id}", {"name": "Garden", "kind": "table"}
    )
    assert heading() == "How was your visit to Garden?"

    owner_posts(manager_client, "/admin/organisation", {**PROFILE, "accent_colour": "#aa3300"})
    assert "--accent:#aa3300" in manager_client.get(terrace).text

    owner_posts(
        manager_client,
        "/admin/card-texts",
        {"language": "en", "question": "Did {name} look after you?", "thanks": "", "data_use": ""},
    )
    assert heading() == "Did Garden look after you?"

    # A phone that asks for no language in particular gets the organisation's.
    owner_posts(manager_client, "/admin/organisation", {**PROFILE, "default_language": "fr"})
    page = soup(manager_client.get(terrace, headers={"Accept-Language": ""}))
    assert page.select_one("html")["lang"] == "fr"


def test_another_process_shows_the_change_within_the_cache_time(
    settings: Settings, world: World, session: Session
) -> None:
    """Two apps on one database stand for two processes: neither is told about the rename."""
    clock = Clock()
    other = create_app(settings.model_copy(update={"code_cache_seconds": 2.0}))
    other.state.runtime.code_cache = CodeCache(ttl=2.0, clock=clock)
    path = f"/c/{world.terrace_code.token}"
    tenant = Tenant(organisation_id=world.organisation.id, role="owner")
    with TestClient(other) as browser:
        assert "Terrace" in browser.get(path, headers={"Accept-Language": "en"}).text
        save_location(
            session=session,
            tenant=tenant,
            data=LocationIn(name="Garden", kind="table"),
            code_cache=NO_CACHE,
            location_id=world.terrace.id,
        )
        clock.now += 1.9
        assert re.search(r"visit to Terrace", browser.get(path).text)  # still cached
        clock.now += 0.2
        assert re.search(r"visit to Garden", browser.get(path).text)


def test_the_gzipped_page_is_the_plain_page(client: TestClient, world: World) -> None:
    path = f"/c/{world.terrace_code.token}"
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Language, Accept-Encoding"
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as zipped:
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["vary"] == plain.headers["vary"]
        # gzip.decompress checks the length and CRC the page ends with.
        page = gzip.decompress(b"".join(zipped.iter_raw())).decode()
    nonce, form_token, key = per_request_values(Response(200, text=page))
    assert f"'nonce-{nonce}'" in zipped.headers["content-security-policy"]
    expected = plain.text
    for mine, theirs in zip(per_request_values(plain), (nonce, form_token, key), strict=True):
        expected = expected.replace(mine, theirs)
    assert page == expected


def send_on_a_new_page(client: TestClient, path: str, **fields: str) -> Response:
    """A card sent on a card page of its own, as a customer's phone sends it."""
    _, form_token, key = per_request_values(client.get(path))
    form = {"form_token": form_token, "idempotency_key": key, "rating": "5"} | fields
    sent = client.post(path, data=form)
    assert sent.status_code == 200, sent.text
    return sent


def own_link(response: Response) -> str:
    """The thank-you page's private link to the card, said the same in both places it shows."""
    html = soup(response)
    link = html.select_one("a[data-follow-up]")["href"]
    assert html.select_one("input.follow-address")["value"] == link
    return link


def test_each_thank_you_page_carries_its_own_follow_up_link(
    client: TestClient, world: World, session: Session, cached: None
) -> None:
    path = f"/c/{world.counter_code.token}"
    pages = [send_on_a_new_page(client, path, comment=f"Card {n}") for n in (1, 2)]
    links = [own_link(page) for page in pages]
    assert links[0] != links[1]
    for link, comment in zip(links, ("Card 1", "Card 2"), strict=True):
        assert client.get(urlsplit(link).path).status_code == 200
        token = urlsplit(link).path.removeprefix("/f/")
        card = session.exec(select(Card).where(Card.follow_up_hash == follow_up_hash(token)))
        assert card.one().comment == comment
    # Everything else is the same page.
    blanked = []
    for page, link in zip(pages, links, strict=True):
        nonce = soup(page).select_one("[nonce]")["nonce"]
        assert f"'nonce-{nonce}'" in page.headers["content-security-policy"]
        blanked.append(page.text.replace(link, "…").replace(nonce, "…"))
    assert blanked[0] == blanked[1]


def test_the_thank_you_page_shows_each_cards_face_and_reply(
    client: TestClient, world: World, cached: None
) -> None:
    path = f"/c/{world.counter_code.token}"
    happy = send_on_a_new_page(client, path, rating="5")
    unhappy = send_on_a_new_page(
        client, path, rating="1", wants_reply="on", contact_email="ana@example.com"
    )
    happy_again = send_on_a_new_page(client, path, rating="5")
    faces = [soup(page).select_one(".big-face").decode_contents() for page in (happy, unhappy)]
    assert faces[0] != faces[1]
    assert "Someone will get back to you." in unhappy.text
    assert "Someone will get back to you." not in happy.text + happy_again.text


def test_an_owners_thanks_shows_on_the_next_thank_you_page(
    manager_client: TestClient, world: World, cached: None
) -> None:
    path = f"/c/{world.terrace_code.token}"
    assert "Your card was sent to Harbour Café." in send_on_a_new_page(manager_client, path).text
    owner_posts(
        manager_client,
        "/admin/card-texts",
        {"language": "en", "question": "", "thanks": "Thanks from the garden!", "data_use": ""},
    )
    page = send_on_a_new_page(manager_client, path)
    assert "Thanks from the garden!" in page.text
    assert "Your card was sent" not in page.text


def nonce_of(page: str) -> str:
    return soup(Response(200, text=page)).select_one("[nonce]")["nonce"]


def test_the_gzipped_thank_you_page_is_the_plain_page(
    client: TestClient, world: World, cached: None
) -> None:
    path = f"/c/{world.counter_code.token}"
    plain = send_on_a_new_page(client, path)
    _, form_token, key = per_request_values(client.get(path))
    form = {"form_token": form_token, "idempotency_key": key, "rating": "5"}
    with client.stream("POST", path, data=form, headers={"Accept-Encoding": "gzip"}) as zipped:
        assert zipped.headers["content-encoding"] == "gzip"
        page = gzip.decompress(b"".join(zipped.iter_raw())).decode()
    mine, theirs = own_link(plain), own_link(Response(200, text=page))
    nonces = [
        soup(Response(200, text=text)).select_one("[nonce]")["nonce"] for text in (plain.text, page)
    ]
    assert page == plain.text.replace(mine, theirs).replace(nonces[0], nonces[1])
