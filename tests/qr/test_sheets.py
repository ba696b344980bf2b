"""Printed sheets, read back as a phone and a person would: every code on every page scans to
exactly its card, the words are there in each script, and the pages are the paper asked for."""

import io
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from qr import fonts
from qr.codes import QUIET_ZONE, card_url
from qr.fonts import characters_of, fonts_for
from qr.layouts import (
    BADGE,
    COUNTER_CARD,
    MAX_CODES,
    PER_PAGE,
    POSTER,
    TENT,
    CardScale,
    render_sheet,
)
from qr.preview import first_page_png
from qr.sheets import Layout, Paper, SheetItem, SheetStyle, TooManyCodes
from tests.printing.pdf import (
    A4,
    LETTER,
    needs_print_tools,
    page_sizes,
    scanned_urls,
    sheet_text,
)

pytestmark = needs_print_tools
BASE = "https://tellus.example.com"
PAPER_POINTS = {Paper.a4: A4, Paper.letter: LETTER}
# One more than a page holds, so that every layout turns a page.
COUNTS = {layout: PER_PAGE[layout] + 1 for layout in Layout}
COUNTS[Layout.badges] = 10
# Enough pixels for each module of the smallest code (a badge's is about 0.9 mm), no more.
SCAN_DPI = dict.fromkeys(Layout, 50) | {Layout.badges: 100}


def logo() -> bytes:
    image = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    image.paste((200, 80, 30, 255), (0, 0, 60, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


STYLE = SheetStyle("Café Ünïcode Roasters", "#2f6f5e", logo())


def items_for(layout: Layout, count: int, names: list[str], call: str) -> list[SheetItem]:
    tokens = [f"AB12C{index:03d}".replace("I", "1") for index in range(count)]
    return [
        SheetItem(
            card_url(BASE, token), names[index % len(names)], call.format(names[index % len(names)])
        )
        for index, token in enumerate(tokens)
    ]


@pytest.mark.parametrize("paper", list(Paper))
@pytest.mark.parametrize("layout", list(Layout))
def test_every_code_scans_to_its_card(layout: Layout, paper: Paper) -> None:
    names = ["Zoë Ødegård", "Priya", "José"]
    items = items_for(layout, COUNTS[layout], names, "How did {} do?")
    pdf = render_sheet(layout=layout, paper=paper, items=items, style=STYLE)

    expected = Counter(item.url for item in items)
    if layout is Layout.tents:
        expected = Counter(dict.fromkeys(expected, 2))  # one on each face
    assert Counter(scanned_urls(pdf, dpi=SCAN_DPI[layout])) == expected
    pages = -(-len(items) // PER_PAGE[layout])
    assert page_sizes(pdf) == [PAPER_POINTS[paper]] * pages
    text = sheet_text(pdf)
    for item in items:
        assert item.name in text
        assert item.call_to_action in text
        assert item.url in text
    assert STYLE.organisation in text


# Names without a lam-alef ligature (لا, لى): Poppler reads such a ligature's two letters back in
# reverse order (ليلى comes out as ليىل) although they print right; see the report.
ARABIC = ["مريم", "يوسف حسن"]
CHINESE = ["王小明", "陈静"]


@pytest.mark.parametrize(
    ("names", "call", "font"),
    [(ARABIC, "كيف كان أداء {}؟", "arabic"), (CHINESE, "{}的服务怎么样？", "cjk")],
)
def test_arabic_and_chinese_print_with_a_font_that_has_them(
    names: list[str], call: str, font: str
) -> None:
    items = items_for(Layout.badges, 2, names, call)
    text = "".join(item.name + item.call_to_action for item in items)
    assert fonts_for(text) == ["sans", font]
    letters = {ord(char) for char in text if not char.isspace()}
    assert letters <= characters_of("sans") | characters_of(font), "no glyph is missing"

    pdf = render_sheet(layout=Layout.badges, paper=Paper.a4, items=items, style=STYLE)
    assert Counter(scanned_urls(pdf)) == Counter(item.url for item in items)
    read = sheet_text(pdf)
    for item in items:
        assert item.name in read
        assert item.call_to_action in read


def test_a_sheet_holds_at_most_500_codes() -> None:
    items = [SheetItem(card_url(BASE, "AB12CD34"), "Sam", "How did Sam do?")] * (MAX_CODES + 1)
    with pytest.raises(TooManyCodes, match="at most 500 codes"):
        render_sheet(layout=Layout.badges, paper=Paper.a4, items=items, style=STYLE)


def test_the_preview_is_the_first_page_as_png() -> None:
    items = items_for(Layout.posters, 3, ["Terrace"], "How was your visit?")
    pdf = render_sheet(
        layout=Layout.posters, paper=Paper.a4, items=items, style=STYLE, first_page_only=True
    )
    assert len(page_sizes(pdf)) == 1
    image = Image.open(io.BytesIO(first_page_png(pdf, width=300)))
    assert image.format == "PNG"
    assert image.width == 300


def test_the_fonts_come_with_tellus_and_a_missing_one_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for role in fonts.ROLES:
        assert role.regular.parent == fonts.FOLDER, "never a font of the host's"
        assert role.regular.is_file()
        assert role.bold.is_file()
    licences = {path.name for path in fonts.FOLDER.glob("LICENSE-*")}
    assert licences == {"LICENSE-OFL-1.1.txt", "LICENSE-Apache-2.0.txt"}
    missing = fonts.FontRole("sans", "No Such Sans", tmp_path / "a.ttf", tmp_path / "b.ttf")
    monkeypatch.setattr(fonts, "ROLES", (missing,))
    fonts.font_faces.cache_clear()
    try:
        with pytest.raises(fonts.FontMissing, match=r"No Such Sans is missing .* reinstall Tellus"):
            fonts.font_faces("sans")
    finally:
        fonts.font_faces.cache_clear()


def test_codes_are_big_enough_to_scan_at_arms_length() -> None:
    # A code's box holds its quiet zone too: the symbol is smallest for the smallest version
    # (21 modules of 29), so that is the case the minimums must hold for.
    def symbol(scale: CardScale) -> float:
        return scale.code * 21 / (21 + 2 * QUIET_ZONE)

    assert symbol(BADGE) >= 25
    assert symbol(TENT) >= 45
    assert symbol(COUNTER_CARD) >= 45
    assert symbol(POSTER) >= 100
