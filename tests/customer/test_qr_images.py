"""The printable QR images: they decode to the card URL and are cached."""

import io

import pytest
import zxingcpp
from bs4 import BeautifulSoup
from PIL import Image

import qr.codes
from api.customer import pages_qr
from qr.codes import drawing_fingerprint, qr_path, render_svg
from tests.client import TestClient
from tests.factories import World


def test_png_decodes_to_the_upper_case_card_url(client: TestClient, world: World) -> None:
    response = client.get(f"/qr/{world.counter_code.token}.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert barcode.text == f"HTTP://TESTSERVER/C/{world.counter_code.token}"


def test_decoded_url_opens_the_card(client: TestClient, world: World) -> None:
    response = client.get(f"/qr/{world.maya_code.token.lower()}.png")
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    path = "/" + barcode.text.split("/", 3)[3]
    assert "How was your visit with Maya?" in client.get(path).text


def test_svg_is_cached_with_an_etag(client: TestClient, world: World) -> None:
    response = client.get(qr_path(world.counter_code.token, "svg"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "max-age=31536000" in response.headers["cache-control"]
    assert response.content.startswith(b"<svg") or b"<svg" in response.content[:200]
    again = client.get(
        qr_path(world.counter_code.token, "svg"),
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304
    png = client.get(f"/qr/{world.counter_code.token}.png")
    assert png.headers["etag"] != response.headers["etag"]


def test_unknown_code_or_format_is_404(client: TestClient, world: World) -> None:
    assert client.get("/qr/ZZZZZZZZ.png").status_code == 404
    assert client.get(f"/qr/{world.counter_code.token}.gif").status_code == 404


def test_a_png_comes_in_the_size_asked_for(client: TestClient, world: World) -> None:
    url = f"/qr/{world.counter_code.token}.png"
    small = Image.open(io.BytesIO(client.get(url).content))
    large = client.get(url, params={"size": "2400"})
    assert large.status_code == 200
    image = Image.open(io.BytesIO(large.content))
    assert 2200 <= image.width <= 2600
    assert image.width > small.width
    [barcode] = zxingcpp.read_barcodes(image)
    assert barcode.text == f"HTTP://TESTSERVER/C/{world.counter_code.token}"
    assert large.headers["etag"] != client.get(url).headers["etag"]
    for odd in ("12", "99999", "1e3", "²"):
        assert client.get(url, params={"size": odd}).status_code == 422


def test_an_image_drawn_differently_since_is_fetched_again(
    manager_client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages link a QR by how this version draws it: after an upgrade that draws differently
    the link is new, and a browser holding the old picture gets the new one, not a 304."""
    client = manager_client
    page = f"/admin/codes/{world.counter_code.id}"
    link = shown_qr(client, page)
    assert link == f"/qr/{world.counter_code.token}.svg?v={drawing_fingerprint()}"
    before = client.get(link)
    assert client.get(link, headers={"If-None-Match": before.headers["etag"]}).status_code == 304

    def drawn_anew(card_url: str) -> bytes:
        return render_svg(card_url).replace(b'fill="#000"', b'fill="#111"')

    # An upgrade that draws differently: this module, or the libraries under it.
    monkeypatch.setattr(qr.codes, "render_svg", drawn_anew)
    monkeypatch.setattr(pages_qr, "render_svg", drawn_anew)
    drawing_fingerprint.cache_clear()
    try:
        new_link = shown_qr(client, page)
        assert new_link != link
        again = client.get(new_link, headers={"If-None-Match": before.headers["etag"]})
        assert again.status_code == 200
        assert b'fill="#111"' in again.content
        # The new picture is cached as the old one was.
        assert (
            client.get(new_link, headers={"If-None-Match": again.headers["etag"]}).status_code
            == 304
        )
    finally:
        drawing_fingerprint.cache_clear()


def shown_qr(client: TestClient, page: str) -> str:
    image = BeautifulSoup(client.get(page).text, "html.parser").select_one(".code-layout img")
    assert image is not None
    return str(image["src"])


def test_a_qr_is_kept_a_year_only_under_the_link_naming_this_drawing(
    client: TestClient, world: World
) -> None:
    """During an upgrade, a process of the older version may answer the newer page's link: what
    it drew is asked for again next time, not kept a year under the new link."""
    path = f"/qr/{world.counter_code.token}.svg"
    current = client.get(path, params={"v": drawing_fingerprint()})
    assert current.headers["cache-control"] == "public, max-age=31536000"
    for other in ({"v": "another-drawing"}, {}):
        answer = client.get(path, params=other)
        assert answer.headers["cache-control"] == "no-cache"
        assert answer.content == current.content
        assert answer.headers["etag"] == current.headers["etag"]
