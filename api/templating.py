"""The one Jinja2 environment, with fingerprinted static URLs and gettext hooks."""

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_skeleton, format_time, format_timedelta
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from api.i18n import (
    FALLBACK,
    babel_locale,
    context_gettext,
    context_ngettext,
    context_pgettext,
    language_context,
)
from qr.codes import qr_path

WEB = Path(__file__).resolve().parent.parent / "web"
STATIC = WEB / "static"

templates = Jinja2Templates(directory=WEB / "templates", context_processors=[language_context])
templates.env.add_extension("jinja2.ext.i18n")
# `_()` reads the catalogue from each render's own context (see api.i18n): safe across threads.
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    context_gettext, context_ngettext, newstyle=True, pgettext=context_pgettext
)


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


Rgb = tuple[int, int, int]


def to_rgb(hex_colour: str) -> Rgb:
    hex_colour = accent_colour(hex_colour)
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def to_hex(rgb: Rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def relative_luminance(rgb: Rgb) -> float:
    """WCAG 2's relative luminance of an sRGB colour, from 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = rgb
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted(
        (relative_luminance(to_rgb(first)), relative_luminance(to_rgb(second))), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def mix(colour: str, other: str, share: float) -> str:
    """`colour` with `share` (0 to 1) of `other` mixed in, like CSS color-mix() in sRGB."""
    return to_hex(
        tuple(  # type: ignore[arg-type]
            round(a + (b - a) * share) for a, b in zip(to_rgb(colour), to_rgb(other), strict=True)
        )
    )


def contrast_text(hex_colour: str) -> str:
    """Black or white, whichever reads better on the given #rrggbb background (WCAG luminance)."""
    if contrast_ratio(hex_colour, "#000000") > contrast_ratio(hex_colour, "#ffffff"):
        return "#000000"
    return "#ffffff"


def readable_on(hex_colour: str, background: str, minimum: float = 4.5) -> str:
    """The accent darkened or lightened just enough to read on `background` (text, rings, borders).

    An owner may pick pale yellow or pure black: the selected face's ring and the button's edge
    must still show on a white page and on a dark one.
    """
    towards = "#000000" if contrast_text(background) == "#000000" else "#ffffff"
    for step in range(21):
        candidate = mix(hex_colour, towards, step / 20)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return towards


def written_moment(moment: datetime, time_zone: str, language_tag: str) -> str:
    """A stored UTC instant as the organisation's wall clock, written the way the reader's
    language writes it (Babel's medium date and short time, joined by the locale's own pattern):
    "Nov 22, 2026, 10:31 AM", "22 nov. 2026, 10:31", "22.11.2026, 10:31", "2026年11月22日 10:31".
    Every date and time shown to a person goes through here; CSV exports keep ISO 8601."""
    locale = babel_locale(language_tag)
    local = moment.astimezone(zone_of(time_zone))
    return str(locale.datetime_formats["medium"]).format(
        format_time(local, "short", locale=locale), format_date(local, "medium", locale=locale)
    )


@pass_context
def local_time(context: Context, moment: datetime, time_zone: str) -> str:
    """`written_moment` in the page's language."""
    return written_moment(moment, time_zone, str(context.get("lang") or FALLBACK))


# Up to a week old, a card says how long ago it came ("4 min", "3 h", "2 d"); older, its day.
RECENT = timedelta(days=7)


@pass_context
def card_age(
    context: Context, moment: datetime, time_zone: str, now: datetime | None = None
) -> str:
    """How old a card is, short, in the page's language: "4 min", "3 h", "2 d"; past a week,
    its day on the organisation's calendar ("Mar 12", or "Mar 12, 2025" in another year)."""
    locale = babel_locale(str(context.get("lang") or FALLBACK))
    now = now or datetime.now(UTC)
    age = max(now - moment, timedelta(0))
    if age < RECENT:
        # At least a minute: a card that has just come is "1 min" old, not "3 sec".
        return format_timedelta(
            max(age, timedelta(minutes=1)),
            granularity="minute",
            threshold=1,
            format="short",
            locale=locale,
        )
    local, today = moment.astimezone(zone_of(time_zone)), now.astimezone(zone_of(time_zone))
    this_year = local.year == today.year
    return format_skeleton("MMMd" if this_year else "yMMMd", local, locale=locale)


def zone_of(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def month_name(month: str, language_tag: str) -> str:
    """A "2026-11" month written the reader's way, e.g. "November 2026", "noviembre de 2026"."""
    locale = babel_locale(language_tag)
    year, number = month.split("-")
    return format_skeleton("yMMMM", date(int(year), int(number), 1), locale=locale)


templates.env.globals.update(static_url=static_url, inline_static=inline_static, qr_path=qr_path)
templates.env.filters.update(
    face=rating_face,
    contrast_text=contrast_text,
    readable_on=readable_on,
    mix=mix,
    accent_colour=accent_colour,
    local_time=local_time,
    card_age=card_age,
    customer_time=written_moment,
    month_name=month_name,
)
