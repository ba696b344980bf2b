"""Tests for qr.codes."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM

from qr.codes import build_qr, card_url, render_png, render_svg
from qr.tokens import new_token

SVG_NS = "{http://www.w3.org/2000/svg}"
# 19 characters: the longest host whose card URL still fits version 2 at level M.
HOST_19 = "feedback.example.co"


def test_card_url_upper_cases_scheme_and_host() -> None:
    url = card_url("https://tellus.example.com", "ab12cd34")
    assert url == "HTTPS://TELLUS.EXAMPLE.COM/C/AB12CD34"


def test_card_url_normalises_token() -> None:
    assert card_url("https://x.org", "abcd-efgo") == "HTTPS://X.ORG/C/ABCDEFG0"


def test_card_url_keeps_port() -> None:
    assert (
        card_url("http://Tellus.Local:8080/", "AB12CD34") == "HTTP://TELLUS.LOCAL:8080/C/AB12CD34"
    )


def test_card_url_keeps_path_prefix_case_and_strips_slashes() -> None:
    url = card_url("https://x.org/Tellus/app//", "ab12cd34")
    assert url == "HTTPS://X.ORG/Tellus/app/C/AB12CD34"


@pytest.mark.parametrize("token", ["ab12cd3", "ab12cd345", "ab12cd3u", "ab12cd3!", ""])
def test_card_url_rejects_invalid_token(token: str) -> None:
    with pytest.raises(ValueError, match="token"):
        card_url("https://x.org", token)


@pytest.mark.parametrize(
    "base",
    ["x.org", "/tellus", "https://user:pw@x.org", "https://x.org/?a=1", "https://x.org/#c"],
)
def test_card_url_rejects_unusable_base(base: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        card_url(base, "AB12CD34")


def test_build_qr_uses_alphanumeric_mode_for_card_urls() -> None:
    qr = build_qr(card_url("https://tellus.example.com", "ab12cd34"))
    assert [chunk.mode for chunk in qr.data_list] == [MODE_ALPHA_NUM]
    assert qr.error_correction == 0  # qrcode's constant for level M
    assert qr.border == 4


def test_nineteen_char_host_fits_version_2() -> None:
    assert len(HOST_19) == 19
    url = card_url(f"https://{HOST_19}", "ab12cd34")
    qr = build_qr(url)
    assert qr.version == 2
    assert qr.modules_count == 25


def test_lower_case_url_would_need_version_3() -> None:
    url = card_url(f"https://{HOST_19}", "ab12cd34")
    lower = build_qr(url.lower())
    assert [chunk.mode for chunk in lower.data_list] == [MODE_8BIT_BYTE]
    assert lower.version == 3


def test_twenty_char_host_needs_version_3() -> None:
    # One more character tips the 38-character alphanumeric capacity of version 2-M.
    assert build_qr(card_url("https://feedback.example.com", "ab12cd34")).version == 3


def test_lower_case_path_prefix_keeps_long_host_alphanumeric() -> None:
    url = card_url("https://comments.northwind-library.example.org/tellus", "ab12cd34")
    qr = build_qr(url)
    # Mode segmentation lets a long upper-case host stay dense despite the lower-case prefix.
    assert [chunk.mode for chunk in qr.data_list] == [MODE_ALPHA_NUM, MODE_8BIT_BYTE]
    assert qr.version == 4


def test_png_decodes_to_card_url() -> None:
    url = card_url("https://tellus.example.com:8443/fb", new_token())
    png = render_png(url)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.mode in {"1", "L"}
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [url]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode


def test_png_box_size_and_quiet_zone() -> None:
    url = card_url(f"https://{HOST_19}", "ab12cd34")
    image = Image.open(io.BytesIO(render_png(url, box_size=3))).convert("L")
    modules = 25 + 2 * 4
    assert image.size == (modules * 3, modules * 3)
    quiet = image.crop((0, 0, image.width, 4 * 3))
    assert quiet.getextrema() == (255, 255)
    # Top-left finder pattern starts right after the quiet zone.
    assert image.getpixel((4 * 3, 4 * 3)) == 0


def test_png_rejects_bad_box_size() -> None:
    with pytest.raises(ValueError, match="box_size"):
        render_png("HTTPS://X.ORG/C/AB12CD34", box_size=0)


def _svg_dark_modules(d: str) -> set[tuple[int, int]]:
    """Rasterise the module runs written by render_svg into a set of dark (x, y) cells."""
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", d)
    assert "".join(f"M{x} {y}h{w}v1h-{w2}z" for x, y, w, w2 in runs) == d
    cells: set[tuple[int, int]] = set()
    for x, y, w, w2 in runs:
        assert w == w2
        cells.update((int(x) + i, int(y)) for i in range(int(w)))
    return cells


def test_svg_is_valid_xml_matching_the_qr() -> None:
    url = card_url("https://tellus.example.com", "ab12cd34")
    root = ET.fromstring(render_svg(url))
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("shape-rendering") == "crispEdges"

    matrix = build_qr(url).get_matrix()
    size = len(matrix)
    assert size == build_qr(url).modules_count + 2 * 4
    assert root.get("viewBox") == f"0 0 {size} {size}"

    rect = root.find(f"{SVG_NS}rect")
    assert rect is not None
    assert rect.attrib == {"width": str(size), "height": str(size), "fill": "#fff"}

    paths = root.findall(f"{SVG_NS}path")
    assert len(paths) == 1
    assert paths[0].get("fill") == "#000"
    expected = {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}
    assert _svg_dark_modules(paths[0].get("d", "")) == expected


def test_svg_title_is_escaped() -> None:
    url = "HTTPS://X.ORG/<a>&\"'"
    svg = render_svg(url)
    assert b"<a>" not in svg
    title = ET.fromstring(svg).find(f"{SVG_NS}title")
    assert title is not None
    assert title.text == url
