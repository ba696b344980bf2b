"""What the set-up pages show: location kinds in words, and the tabs that say where you are."""

from bs4 import BeautifulSoup

from tests.client import TestClient
from tests.factories import World


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_location_kinds_read_as_words(manager_client: TestClient, world: World) -> None:
    page = soup(manager_client.get("/admin/locations").text)
    kinds = {
        row.select_one("td").get_text(strip=True): row.select("td")[1].get_text(strip=True)
        for row in page.select("table tbody tr")
    }
    assert kinds == {"Counter": "Counter", "Terrace": "Table"}
    options = [(option["value"], option.get_text()) for option in page.select("#new-kind option")]
    assert options == [
        ("counter", "Counter"),
        ("table", "Table"),
        ("desk", "Desk"),
        ("store", "Store"),
        ("room", "Room"),
        ("other", "Other"),
    ]


def test_the_tabs_mark_the_group_and_the_page(manager_client: TestClient, world: World) -> None:
    page = soup(manager_client.get("/admin/alerts/webhooks").text)
    nav = page.select_one("nav.setup-nav")
    groups = [
        (link.get_text().replace("\xa0", " "), link.get("aria-current"))
        for link in nav.select(".setup-groups a")
    ]
    assert groups == [
        ("Codes & print", None),
        ("Places & people", None),
        ("Card", None),
        ("Alerts", "true"),
        ("Organisation", None),
    ]
    pages = [(link["href"], link.get("aria-current")) for link in nav.select(".setup-pages a")]
    assert pages == [
        ("/admin/alerts", None),
        ("/admin/alerts/webhooks", "page"),
        ("/admin/alerts/deliveries", None),
    ]
    assert nav.select_one(".setup-pages")["aria-label"] == "Alerts"


def test_each_group_opens_on_its_first_page(manager_client: TestClient, world: World) -> None:
    page = soup(manager_client.get("/admin/codes").text)
    for link in page.select(".setup-groups a"):
        group = soup(manager_client.get(link["href"]).text)
        assert group.select_one(".setup-groups a[aria-current]").get_text() == link.get_text()
        first = group.select_one(".setup-pages a")
        assert (first["href"], first.get("aria-current")) == (link["href"], "page")
