"""Print-ready sheets of QR codes as PDF: what a sheet holds, and the page that draws it.

Plain Python over fpdf2: text is shaped by HarfBuzz (Arabic joined and right to left, Chinese from
its own font), and each QR is drawn as vector squares with its 4-module quiet zone, at level Q.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from PIL import Image

from qr.codes import PRINT_ERROR_CORRECTION, build_qr
from qr.fonts import font_faces, fonts_for

MAX_CODES = 500
POINT = 25.4 / 72  # mm per typographic point
INK = (26, 26, 26)
MUTED = (85, 85, 85)
WHITE = (255, 255, 255)


class Layout(StrEnum):
    badges = "badges"
    tents = "tents"
    counter_cards = "counter-cards"
    posters = "posters"

    @property
    def for_employees(self) -> bool:
        """Badges print employees' codes; the other layouts print places'."""
        return self is Layout.badges


class Paper(StrEnum):
    a4 = "a4"
    letter = "letter"

    @property
    def size(self) -> tuple[float, float]:
        """Width and height in millimetres."""
        return (210.0, 297.0) if self is Paper.a4 else (215.9, 279.4)


@dataclass(frozen=True)
class SheetItem:
    """One code on a sheet: its card URL, the name printed with it, and the words around it."""

    url: str
    name: str
    call_to_action: str
    detail: str = ""


@dataclass(frozen=True)
class SheetStyle:
    """The organisation around every code: its name, accent colour (#rrggbb, already dark
    enough for white text on it and for text on white) and logo (PNG bytes, or None)."""

    organisation: str
    accent: str = "#2f6f5e"
    logo: bytes | None = None
    right_to_left: bool = False  # the card language's direction: where the logo goes


class TooManyCodes(ValueError):
    """More codes than one sheet may hold."""


@lru_cache(maxsize=1024)
def print_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of url's code at print strength, quiet zone included (a tent prints each
    code twice, and a preview and its download the same codes)."""
    matrix = build_qr(url, error_correction=PRINT_ERROR_CORRECTION).get_matrix()
    return tuple(tuple(row) for row in matrix)


@lru_cache(maxsize=1024)
def dark_boxes(url: str) -> tuple[tuple[int, int, int, int], ...]:
    """The code's dark modules as rectangles (column, row, width, height): each horizontal run,
    grown downwards while the rows below repeat it."""
    matrix = print_matrix(url)
    boxes: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}
    for row_index, row in enumerate([*matrix, ()]):
        runs: set[tuple[int, int]] = set()
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                runs.add((start, column))
            column += 1
        for run in [run for run in open_runs if run not in runs]:
            top = open_runs.pop(run)
            boxes.append((run[0], top, run[1] - run[0], row_index - top))
        for run in runs:
            open_runs.setdefault(run, row_index)
    return tuple(boxes)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


class Page:
    """An fpdf2 document in millimetres with the fonts its text needs and the drawing helpers
    every layout shares."""

    def __init__(
        self,
        paper: Paper,
        style: SheetStyle,
        items: Sequence[SheetItem],
        *,
        size: tuple[float, float] | None = None,
        text: Sequence[str] = (),
    ) -> None:
        """`size` overrides the paper's (a landscape page, a poster); `text` is what the page
        writes besides its items, so that its fonts are loaded."""
        # Imported here, as the first page is drawn: fpdf2 takes half a second to import, which
        # every process naming a layout or a paper size (the web app, `tellus`) would pay.
        from fpdf import FPDF

        self.paper = paper
        self.style = style
        self.accent = rgb(style.accent)
        self.size = size or paper.size
        self.pdf = pdf = FPDF(unit="mm", format=self.size)
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.set_creator("Tellus")
        pdf.set_title(style.organisation)
        words = [style.organisation, *text] + [
            part for item in items for part in (item.name, item.detail, item.call_to_action)
        ]
        roles = fonts_for("".join(words) + "".join(item.url for item in items))
        for role in roles:
            for face in font_faces(role):
                pdf.add_font(role, face.style, face.path)
        pdf.set_text_shaping(True)
        if len(roles) > 1:
            pdf.set_fallback_fonts(roles[1:], exact_match=False)
        self.logo = Image.open(io.BytesIO(style.logo)) if style.logo else None
        self.fitted: dict[tuple[str, float, str, float, float], tuple[float, str]] = {}

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    def qr(self, x: float, y: float, size: float, url: str) -> None:
        """The code as a size × size square, quiet zone included, black on white."""
        pdf = self.pdf
        pdf.set_fill_color(*WHITE)
        pdf.rect(x, y, size, size, style="F")
        pdf.set_fill_color(0, 0, 0)
        # One filled path of rectangles: fpdf2's rect() would fill each of a code's ~200 on
        # its own, and a sheet of 200 badges spent most of its time there.
        scale, top = pdf.k, pdf.h
        module = size / len(print_matrix(url))
        boxes = [
            f"{(x + left * module) * scale:.2f} {(top - y - row * module) * scale:.2f} "
            f"{width * module * scale:.2f} {-height * module * scale:.2f} re"
            for left, row, width, height in dark_boxes(url)
        ]
        pdf._out("\n".join(boxes) + " f")

    def fit_text(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        *,
        size: float,
        bold: bool = False,
        colour: tuple[int, int, int] = INK,
        smallest: float = 5,
    ) -> float:
        """One line centred in `width` from `y`, shrunk to fit (down to `smallest` points, then
        cut with an ellipsis); returns the height of a line at `size`, whatever it shrank to."""
        pdf = self.pdf
        style = "B" if bold else ""
        key = (text, size, style, width, smallest)
        if key not in self.fitted:  # a sheet repeats its organisation's name on every card
            fitted = size
            pdf.set_font("sans", style, fitted)
            while fitted > smallest and pdf.get_string_width(text) > width:
                fitted -= 0.5
                pdf.set_font("sans", style, fitted)
            shown = text
            while len(shown) > 1 and pdf.get_string_width(shown) > width:
                shown = shown[:-2].rstrip() + "…"
            self.fitted[key] = (fitted, shown)
        fitted, shown = self.fitted[key]
        pdf.set_font("sans", style, fitted)
        height = size * POINT * 1.3
        pdf.set_text_color(*colour)
        pdf.set_xy(x, y)
        pdf.cell(width, height, shown, align="C")
        return height

    def header(self, x: float, y: float, width: float, height: float, size: float) -> None:
        """The accent band: the logo on a white tile at its start (the right, for a language
        written right to left), the organisation's name centred."""
        pdf = self.pdf
        pdf.set_fill_color(*self.accent)
        pdf.rect(x, y, width, height, style="F")
        inset = height * 0.15
        text_x, text_width = x + inset, width - 2 * inset
        if self.logo is not None:
            tile = height - 2 * inset
            tile_x = x + width - inset - tile if self.style.right_to_left else x + inset
            pdf.set_fill_color(*WHITE)
            pdf.rect(
                tile_x,
                y + inset,
                tile,
                tile,
                style="F",
                round_corners=True,
                corner_radius=tile * 0.12,
            )
            pad = tile * 0.1
            pdf.image(
                self.logo,
                tile_x + pad,
                y + inset + pad,
                tile - 2 * pad,
                tile - 2 * pad,
                keep_aspect_ratio=True,
            )
            text_width -= tile + inset
            if not self.style.right_to_left:
                text_x += tile + inset
            pdf.set_font("sans", "B", size)
            if pdf.get_string_width(self.style.organisation) < text_width - tile - inset:
                # Centred on the band, if it fits between the tile and the same space opposite.
                text_width -= tile + inset
                if self.style.right_to_left:
                    text_x += tile + inset
        line = size * POINT * 1.3
        self.fit_text(
            text_x,
            y + (height - line) / 2,
            text_width,
            self.style.organisation,
            size=size,
            bold=True,
            colour=WHITE,
        )

    def cut_marks(self, xs: Sequence[float], ys: Sequence[float]) -> None:
        """Short marks in the margins where each cut runs: xs are vertical cuts, ys horizontal;
        the first and last of each are the grid's outer edges."""
        pdf = self.pdf
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.2)
        gap, length = 2.0, 5.0
        for x in xs:
            pdf.line(x, ys[0] - gap - length, x, ys[0] - gap)
            pdf.line(x, ys[-1] + gap, x, ys[-1] + gap + length)
        for y in ys:
            pdf.line(xs[0] - gap - length, y, xs[0] - gap, y)
            pdf.line(xs[-1] + gap, y, xs[-1] + gap + length, y)
