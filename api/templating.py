"""The one Jinja2 environment, with fingerprinted static URLs and gettext hooks."""

import hashlib
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

WEB = Path(__file__).resolve().parent.parent / "web"
STATIC = WEB / "static"

templates = Jinja2Templates(directory=WEB / "templates")
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


@cache
def static_url(path: str) -> str:
    """/static/<path>?v=<content hash>, so a file can be cached forever and still change."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"


@cache
def inline_static(path: str) -> Markup:
    """One of our own static files, for critical CSS inlined into the page (never user input)."""
    return Markup((STATIC / path).read_text())


DEFAULT_ACCENT = "#2f6f5e"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def accent_colour(value: str | None) -> str:
    """The organisation's colour if it is a plain #rrggbb, else the default: it goes into CSS."""
    return value if value and HEX_COLOUR.match(value) else DEFAULT_ACCENT


# Drawn, not emoji: the same five faces on every phone, whatever fonts it has.
FACE_MOUTHS = {
    1: "M20 45q12-12 24 0",
    2: "M21 44q11-7 22 0",
    3: "M21 42h22",
    4: "M21 38q11 8 22 0",
    5: "M19 36q13 15 26 0z",
}


@cache
def rating_face(rating: int, size: int = 40) -> Markup:
    """An inline SVG face for a rating from 1 to 5 (decorative: the label carries the meaning)."""
    if rating not in FACE_MOUTHS:
        return Markup("")
    brows = '<path d="M18 20l9 4M46 20l-9 4"/>' if rating == 1 else ""
    fill = ' fill="currentColor"' if rating == 5 else ""
    return Markup(
        f'<svg class="face-svg rate-{rating}" viewBox="0 0 64 64" width="{size}" height="{size}" '
        f'aria-hidden="true" focusable="false" fill="none" stroke="currentColor" '
        f'stroke-width="3.5" stroke-linecap="round">'
        f'<circle cx="32" cy="32" r="28"/>{brows}'
        f'<circle cx="24" cy="27" r="3" fill="currentColor" stroke="none"/>'
        f'<circle cx="40" cy="27" r="3" fill="currentColor" stroke="none"/>'
        f'<path d="{FACE_MOUTHS[rating]}"{fill}/></svg>'
    )


def contrast_text(hex_colour: str) -> str:
    """Black or white, whichever reads better on the given #rrggbb background (WCAG luminance)."""
    hex_colour = accent_colour(hex_colour)
    red, green, blue = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def local_time(moment: datetime, time_zone: str) -> str:
    """A stored UTC time as the organisation's wall clock, e.g. "22 Nov 2026, 10:31"."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%-d %b %Y, %H:%M")


templates.env.globals.update(static_url=static_url, inline_static=inline_static)
templates.env.filters.update(
    face=rating_face,
    contrast_text=contrast_text,
    accent_colour=accent_colour,
    local_time=local_time,
)
