"""The four sheets: employee badges, table tents, counter cards and posters, on A4 or US Letter.

Every layout draws the same card (the organisation's band, the name, the code, the call to action
and the short URL) at its own scale; they differ in how many fit a page and how they are cut or
folded. Sizes are millimetres; a code's size includes its quiet zone.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qr.sheets import (
    MAX_CODES,
    MUTED,
    POINT,
    Layout,
    Page,
    Paper,
    SheetItem,
    SheetStyle,
    TooManyCodes,
)


@dataclass(frozen=True)
class CardScale:
    """The sizes of one layout's card: its inner margin, band, type (points) and code."""

    inset: float
    band: float
    organisation: float
    name: float
    code: float
    call_to_action: float
    url: float
    detail: float = 0


BADGE = CardScale(
    inset=3, band=12, organisation=9, name=14, detail=7, code=40, call_to_action=9, url=5.5
)
COUNTER_CARD = CardScale(
    inset=7, band=16, organisation=12, name=18, code=66, call_to_action=14, url=8
)
TENT = CardScale(inset=10, band=16, organisation=14, name=20, code=66, call_to_action=16, url=9)
POSTER = CardScale(inset=15, band=30, organisation=24, name=32, code=150, call_to_action=26, url=13)
# A portrait CR80 badge (ID-1, the size of a bank card): it fits every badge holder.
BADGE_SIZE = (54.0, 85.6)


def line_height(size: float) -> float:
    return size * POINT * 1.3


def url_lines(page: Page, url: str, width: float, size: float) -> list[str]:
    """The URL on one line, or, where it would have to shrink below `size`, broken before its
    `/C/`: a long host stays readable on a badge."""
    page.pdf.set_font("sans", "", size)
    cut = url.rfind("/C/")
    if page.pdf.get_string_width(url) <= width or cut <= 0:
        return [url]
    return [url[:cut], url[cut:]]


def draw_card(
    page: Page, x: float, y: float, width: float, height: float, item: SheetItem, scale: CardScale
) -> None:
    """One card in the box: the band on top, then the name, the code, the words, centred."""
    left, top = x + scale.inset, y + scale.inset
    inner = width - 2 * scale.inset
    page.header(left, top, inner, scale.band, scale.organisation)
    gap = scale.name * POINT * 0.4
    address = url_lines(page, item.url, inner, scale.url)
    stack = line_height(scale.name) + scale.code + line_height(scale.call_to_action)
    stack += len(address) * line_height(scale.url) + 2 * gap
    if item.detail and scale.detail:
        stack += line_height(scale.detail)
    free = height - 2 * scale.inset - scale.band
    cursor = top + scale.band + max(free - stack, 0) / 2
    cursor += page.fit_text(left, cursor, inner, item.name, size=scale.name, bold=True)
    if item.detail and scale.detail:
        cursor += page.fit_text(left, cursor, inner, item.detail, size=scale.detail, colour=MUTED)
    cursor += gap
    page.qr(x + (width - scale.code) / 2, cursor, scale.code, item.url)
    cursor += scale.code + gap
    cursor += page.fit_text(
        left,
        cursor,
        inner,
        item.call_to_action,
        size=scale.call_to_action,
        bold=True,
        colour=page.accent,
    )
    for line in address:
        cursor += page.fit_text(left, cursor, inner, line, size=scale.url, colour=MUTED)


def grid(
    page: Page,
    items: Sequence[SheetItem],
    columns: int,
    rows: int,
    cell: tuple[float, float],
    scale: CardScale,
) -> None:
    """Cards side by side, `columns` × `rows` a page, centred, with cut marks in the margins."""
    page_width, page_height = page.paper.size
    width, height = cell
    left = (page_width - columns * width) / 2
    top = (page_height - rows * height) / 2
    per_page = columns * rows
    for start in range(0, len(items), per_page):
        page.pdf.add_page()
        for index, item in enumerate(items[start : start + per_page]):
            row, column = divmod(index, columns)
            draw_card(page, left + column * width, top + row * height, width, height, item, scale)
        page.cut_marks(
            [left + column * width for column in range(columns + 1)],
            [top + row * height for row in range(rows + 1)],
        )


def badges(page: Page, items: Sequence[SheetItem]) -> None:
    """Nine portrait badges a page (3 × 3), each 54 × 85.6 mm, with cut marks."""
    grid(page, items, 3, 3, BADGE_SIZE, BADGE)


def counter_cards(page: Page, items: Sequence[SheetItem]) -> None:
    """Four cards a page (A6 on A4), for a counter's stand or a wall, with cut marks."""
    width, height = page.paper.size
    # A 10 mm margin keeps the cut marks printable; each card is a quarter of what is left.
    grid(page, items, 2, 2, ((width - 20) / 2, (height - 20) / 2), COUNTER_CARD)


def tents(page: Page, items: Sequence[SheetItem]) -> None:
    """One tent a page: folded across the middle, it stands with the code on both faces, the
    upper face printed upside down so that both read upright once folded."""
    width, height = page.paper.size
    half = height / 2
    for item in items:
        page.pdf.add_page()
        draw_card(page, 0, half, width, half, item, TENT)
        with page.pdf.rotation(180, x=width / 2, y=half / 2):
            draw_card(page, 0, 0, width, half, item, TENT)
        pdf = page.pdf
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.line(6, half, 14, half)
        pdf.line(width - 14, half, width - 6, half)
        pdf.set_dash_pattern()


def posters(page: Page, items: Sequence[SheetItem]) -> None:
    """One poster a page, with a large code."""
    width, height = page.paper.size
    for item in items:
        page.pdf.add_page()
        draw_card(page, 0, 0, width, height, item, POSTER)


LAYOUTS: dict[Layout, Callable[[Page, Sequence[SheetItem]], None]] = {
    Layout.badges: badges,
    Layout.tents: tents,
    Layout.counter_cards: counter_cards,
    Layout.posters: posters,
}
PER_PAGE = {Layout.badges: 9, Layout.tents: 1, Layout.counter_cards: 4, Layout.posters: 1}


def check_count(count: int) -> None:
    """TooManyCodes beyond MAX_CODES; checked before anything is drawn."""
    if count > MAX_CODES:
        raise TooManyCodes(
            f"A sheet holds at most {MAX_CODES} codes and this one would have {count}: "
            "choose some locations or employees."
        )


def render_sheet(
    *,
    layout: Layout,
    paper: Paper,
    items: Sequence[SheetItem],
    style: SheetStyle,
    first_page_only: bool = False,
) -> bytes:
    """The sheet as PDF bytes (`first_page_only` for a preview); TooManyCodes past the limit."""
    check_count(len(items))
    if not items:
        raise ValueError("A sheet needs at least one code.")
    if first_page_only:
        items = items[: PER_PAGE[layout]]
    page = Page(paper, style, items)
    LAYOUTS[layout](page, items)
    return page.output()
