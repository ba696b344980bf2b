"""The public wall as a cache and a visitor see it: ETag and Cache-Control, no nonce to go
stale, the honest label in every language, and the TV page in the organisation's language; and
the card's consent through the one-tap confirmation of a quick card."""

import re

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from api.config import Settings
from api.i18n import LANGUAGES
from api.kudos.screens import create_screen
from api.models import Card, Organisation, Role, utcnow
from api.tenancy import Tenant
from tests.client import TestClient
from tests.factories import World, make_card, reread
from tests.helpers import card_form

LABEL_EN = "Compliments customers chose to share, selected by our team."


def label(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(".kudos-label")
    assert found is not None
    return found.get_text(strip=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_wall_is_cacheable_and_its_etag_follows_what_it_shows(
    client: TestClient, session: Session, world: World
) -> None:
    make_card(
        session,
        code=world.counter_code,
        comment="First",
        share_publicly=True,
        share_approved_at=utcnow(),
    )
    path = f"/kudos/{world.organisation.slug}"
    first = client.get(path)
    assert first.headers["cache-control"] == "public, max-age=60"
    assert "nonce" not in first.text, "a cached copy must not depend on one response's CSP nonce"
    assert "accept-language" not in first.headers.get("vary", "").lower()
    etag = first.headers["etag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""

    make_card(
        session,
        code=world.counter_code,
        comment="Second",
        share_publicly=True,
        share_approved_at=utcnow(),
    )
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Second" in changed.text
    assert changed.headers["etag"] != etag
    assert client.get(f"{path}?lang=fr").headers["etag"] != changed.headers["etag"]
    assert client.get("/kudos/no-such-organisation").status_code == 404
    assert client.get(f"{path}/999999").status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_wall_and_the_tv_speak_every_language(
    client: TestClient, session: Session, world: World
) -> None:
    path = f"/kudos/{world.organisation.slug}"
    default = client.get(path, headers={"Accept-Language": "de"})
    assert 'lang="en"' in default.text, "the organisation's language, whatever the browser's"
    assert label(default.text).startswith(LABEL_EN)
    labels = set()
    for language in LANGUAGES.values():
        page = client.get(f"{path}?lang={language.tag}")
        assert f'lang="{language.tag}"' in page.text
        assert f'dir="{language.direction}"' in page.text
        labels.add(label(page.text))
    assert len(labels) == len(LANGUAGES), "each language has its own words"

    organisation = session.get_one(Organisation, world.organisation.id)
    organisation.default_language = "es"
    session.add(organisation)
    session.commit()
    assert 'lang="es"' in client.get(path).text
    token = create_screen(
        session=session,
        tenant=Tenant(organisation_id=organisation.id or 0, role=Role.owner),
        location_id=None,
    )
    tv = client.get(f"/tv/{token}")
    assert 'lang="es"' in tv.text
    assert re.search(r'data-poll-url="/tv/[^"]+/kudos\.json\?lang=es"', tv.text)
    assert tv.headers["cache-control"] == "no-store"
    assert tv.headers["referrer-policy"] == "no-referrer"


class TestQuickCard:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"card_min_fill_seconds": 60})

    @pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
    def test_the_one_tap_confirmation_keeps_the_consent(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        path = f"/c/{world.counter_code.token}"
        sent = card_form(client, path, rating="5", comment="Quick and kind")
        asked = client.post(path, data=sent | {"share_publicly": "on", "share_name": "Lena"})
        page = BeautifulSoup(asked.text, "html.parser")
        confirm = {
            str(field["name"]): str(field["value"])
            for field in page.select("form.card-form input[type=hidden]")
        }
        assert client.post(path, data=confirm).status_code == 200
        reread(session)
        card = session.exec(select(Card).where(Card.comment == "Quick and kind")).one()
        assert (card.share_publicly, card.share_name) == (True, "Lena")
