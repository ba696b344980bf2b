"""Certificates of appreciation (landscape, A4 or US Letter) and the thank-you poster (A3 or
Tabloid), drawn with the sheets' fonts and shaping: the words come translated, this draws them.

A certificate is a double frame in the organisation's accent, the logo and name on top, the
title, the person's name on a rule, what it is for, up to three quotes, the signature on the
reading side's start and a seal with the count on its end.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from fpdf.enums import WrapMode

from qr.sheets import INK, MUTED, POINT, WHITE, Page, Paper, SheetStyle

QUOTE_MAX = 240  # characters of a quote printed; a longer one ends with an ellipsis
POSTER_SIZES = {Paper.a4: (297.0, 420.0), Paper.letter: (279.4, 431.8)}  # A3, Tabloid


@dataclass(frozen=True)
class CertificateText:
    """Everything a certificate says, already in the organisation's language."""

    title: str  # "Certificate of Appreciation"
    presented_to: str
    name: str
    reason: str  # "for 12 compliments from customers"
    period: str
    quotes: tuple[str, ...]
    signer: str
    signer_caption: str  # "Manager, Harbour Café"
    count: str  # the seal's number
    count_label: str  # the seal's word under it


@dataclass(frozen=True)
class PosterText:
    """The thank-you poster: a headline, what for, and the names of the people thanked."""

    headline: str
    message: str
    names: tuple[str, ...]
    footer: str


def landscape(paper: Paper) -> tuple[float, float]:
    width, height = paper.size
    return height, width


def clip(text: str, limit: int = QUOTE_MAX) -> str:
    """One line's worth of a quote: its lines joined, cut at a word past `limit`."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(",.;:!?") + "…"


def wrap_mode(text: str) -> WrapMode:
    """Break between words, or anywhere in a script written without spaces (Chinese)."""
    return WrapMode.WORD if " " in text.strip() else WrapMode.CHAR


def render_certificates(
    *, paper: Paper, style: SheetStyle, certificates: Sequence[CertificateText]
) -> bytes:
    """One landscape page a certificate."""
    words = [part for item in certificates for part in _words(item)]
    page = Page(paper, style, [], size=landscape(paper), text=words)
    for item in certificates:
        page.pdf.add_page()
        draw_certificate(page, item)
    return page.output()


def _words(item: CertificateText) -> list[str]:
    return [
        item.title,
        item.presented_to,
        item.name,
        item.reason,
        item.period,
        *item.quotes,
        item.signer,
        item.signer_caption,
        item.count,
        item.count_label,
        "“”…",
    ]


def frame(page: Page, inset: float, weight: float) -> None:
    """The double rule around the page, with a small diamond at each corner."""
    pdf = page.pdf
    width, height = page.size
    pdf.set_draw_color(*page.accent)
    pdf.set_line_width(weight)
    pdf.rect(inset, inset, width - 2 * inset, height - 2 * inset)
    pdf.set_line_width(weight / 4)
    inner = inset + weight * 1.6
    pdf.rect(inner, inner, width - 2 * inner, height - 2 * inner)
    pdf.set_fill_color(*page.accent)
    size = weight * 2.2
    for x in (inner, width - inner):
        for y in (inner, height - inner):
            pdf.polygon([(x, y - size), (x + size, y), (x, y + size), (x - size, y)], style="F")


def seal(page: Page, x: float, y: float, radius: float, number: str, label: str) -> None:
    """A rosette in the accent colour with the count on it."""
    pdf = page.pdf
    points = 24
    outline = [
        (
            x + (radius if index % 2 == 0 else radius * 0.9) * math.cos(math.pi * index / points),
            y + (radius if index % 2 == 0 else radius * 0.9) * math.sin(math.pi * index / points),
        )
        for index in range(2 * points)
    ]
    pdf.set_fill_color(*page.accent)
    pdf.polygon(outline, style="F")
    pdf.set_draw_color(*WHITE)
    pdf.set_line_width(0.5)
    ring = radius * 0.74
    pdf.ellipse(x - ring, y - ring, 2 * ring, 2 * ring, style="D")
    inner = radius * 1.3
    line = page.fit_text(
        x - inner / 2, y - radius * 0.5, inner, number, size=radius * 1.6, bold=True, colour=WHITE
    )
    page.fit_text(
        x - inner / 2, y - radius * 0.5 + line * 0.85, inner, label, size=7.5, colour=WHITE
    )


def draw_certificate(page: Page, item: CertificateText) -> None:
    pdf = page.pdf
    width, height = page.size
    frame(page, 8, 1.6)
    margin = 30.0
    inner = width - 2 * margin
    cursor = 20.0
    if page.logo is not None:
        pdf.image(page.logo, width / 2 - 20, cursor, 40, 15, keep_aspect_ratio=True)
        cursor += 17
    else:
        cursor += 8  # the logo's space, shared above and below the organisation's name
    cursor += page.fit_text(
        margin, cursor, inner, page.style.organisation, size=13, bold=True, colour=page.accent
    )
    cursor += 2 if page.logo is not None else 6
    cursor += page.fit_text(margin, cursor, inner, item.title, size=30, bold=True, colour=INK)
    cursor += 2
    cursor += page.fit_text(margin, cursor, inner, item.presented_to, size=12, colour=MUTED)
    cursor += page.fit_text(margin, cursor, inner, item.name, size=34, bold=True, colour=INK)
    pdf.set_draw_color(*page.accent)
    pdf.set_line_width(0.5)
    pdf.line(width / 2 - 60, cursor + 0.5, width / 2 + 60, cursor + 0.5)
    cursor += 3
    cursor += page.fit_text(margin, cursor, inner, item.reason, size=14, colour=INK)
    cursor += page.fit_text(margin, cursor, inner, item.period, size=11, colour=MUTED)
    signature_top = height - 42
    quotes(page, item.quotes, top=cursor + 4, bottom=signature_top - 4)
    # The signature where reading starts, the seal where it ends.
    rtl = page.style.right_to_left
    block = 80.0
    sign_x = width - margin - block if rtl else margin
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    line_y = signature_top + 12
    page.fit_text(sign_x, line_y - 9, block, item.signer, size=15, bold=True, colour=INK)
    pdf.line(sign_x, line_y, sign_x + block, line_y)
    page.fit_text(sign_x, line_y + 1.5, block, item.signer_caption, size=9, colour=MUTED)
    seal_x = margin + 22 if rtl else width - margin - 22
    seal(page, seal_x, signature_top + 10, 18, item.count, item.count_label)


def quotes(page: Page, chosen: Sequence[str], *, top: float, bottom: float) -> None:
    """The quotes between `top` and `bottom`, centred, in the largest size that fits them."""
    if not chosen:
        return
    pdf = page.pdf
    width, _ = page.size
    box = width * 0.58
    left = (width - box) / 2
    texts = [f"“{clip(text)}”" for text in chosen]
    size = 13.0
    while True:
        pdf.set_font("sans", "", size)
        line = size * POINT * 1.35
        heights = [len(lines_of(page, box, line, text)) * line for text in texts]
        gap = line * 0.6
        needed = sum(heights) + gap * (len(texts) - 1)
        if needed <= bottom - top or size <= 7:
            break
        size -= 0.5
    cursor = top + max(bottom - top - needed, 0) / 2
    pdf.set_text_color(*MUTED)
    for text, text_height in zip(texts, heights, strict=True):
        pdf.set_xy(left, cursor)
        pdf.multi_cell(box, line, text, align="C", wrapmode=wrap_mode(text))
        cursor += text_height + gap


def lines_of(page: Page, width: float, line: float, text: str) -> list[str]:
    """The lines `text` breaks into at the current font, `width` wide."""
    lines = page.pdf.multi_cell(
        width, line, text, dry_run=True, output="LINES", wrapmode=wrap_mode(text)
    )
    assert isinstance(lines, list)
    return lines


def render_poster(*, paper: Paper, style: SheetStyle, poster: PosterText) -> bytes:
    """The thank-you for the wall, portrait, A3 (for A4) or Tabloid (for Letter)."""
    size = POSTER_SIZES[paper]
    words = [poster.headline, poster.message, *poster.names, poster.footer, "·"]
    page = Page(paper, style, [], size=size, text=words)
    pdf = page.pdf
    pdf.add_page()
    width, height = size
    frame(page, 12, 2.4)
    margin = 34.0
    inner = width - 2 * margin
    cursor = 34.0
    if page.logo is not None:
        pdf.image(page.logo, width / 2 - 35, cursor, 70, 28, keep_aspect_ratio=True)
        cursor += 34
    cursor += page.fit_text(
        margin, cursor, inner, style.organisation, size=22, bold=True, colour=page.accent
    )
    cursor += 10
    cursor += page.fit_text(margin, cursor, inner, poster.headline, size=96, bold=True)
    cursor += 6
    pdf.set_font("sans", "", 22)
    pdf.set_text_color(*INK)
    line = 22 * POINT * 1.4
    pdf.set_xy(margin, cursor)
    pdf.multi_cell(inner, line, poster.message, align="C", wrapmode=wrap_mode(poster.message))
    cursor = pdf.get_y() + 14
    pdf.set_draw_color(*page.accent)
    pdf.set_line_width(0.8)
    pdf.line(width / 2 - 50, cursor, width / 2 + 50, cursor)
    cursor += 14
    names = "  ·  ".join(poster.names)
    if names:
        # The names as large as the space left allows, centred in it.
        room = height - 60 - cursor
        size_pt = 40.0
        while True:
            pdf.set_font("sans", "B", size_pt)
            line = size_pt * POINT * 1.5
            lines = lines_of(page, inner, line, names)
            if len(lines) * line <= room or size_pt <= 10:
                break
            size_pt -= 1
        pdf.set_text_color(*page.accent)
        pdf.set_xy(margin, cursor + max(room - len(lines) * line, 0) / 3)
        pdf.multi_cell(inner, line, names, align="C", wrapmode=wrap_mode(names))
    page.fit_text(margin, height - 44, inner, poster.footer, size=14, colour=MUTED)
    return page.output()
