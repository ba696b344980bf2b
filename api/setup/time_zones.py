"""The time zones an owner picks from: the list the form offers, and the zone a typed name means."""

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# The regions of the tz database's own names (Europe/Paris); the older aliases (US/Eastern,
# Etc/GMT+5, Japan) are still accepted when typed, but not offered.
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@dataclass(frozen=True)
class ZoneNow:
    """A zone's name, its offset from UTC and its time of day at one moment."""

    name: str
    offset: str
    local_time: str

    @property
    def iso_offset(self) -> str:
        """The offset as HTML's <time datetime> writes one: "+01:00", "-05:00", "Z"."""
        if self.offset == "UTC":
            return "Z"
        hours, _, minutes = self.offset.removeprefix("UTC").replace("−", "-").partition(":")
        return f"{hours[0]}{int(hours[1:]):02d}:{minutes or '00'}"

    @property
    def city(self) -> str:
        """The place a zone is named after: "New York" for America/New_York."""
        return self.name.rsplit("/", 1)[-1].replace("_", " ")


@cache
def known_time_zones() -> dict[str, str]:
    """Every zone the system knows, by its name folded to lower case and spaces."""
    return {fold(name): name for name in available_timezones()}


def fold(name: str) -> str:
    """A name as typed, compared without case, accents or the underscores of the tz names."""
    plain = "".join(
        letter
        for letter in unicodedata.normalize("NFKD", name)
        if not unicodedata.combining(letter)
    )
    return "_".join(plain.split()).casefold()


@cache
def known_places() -> dict[str, str]:
    """The offered zones by the place each is named after ("new_york": America/New_York).
    A place in two zones (Istanbul, in Asia and Europe) is one zone under two names."""
    places: dict[str, str] = {}
    for name in offered_time_zones():
        places.setdefault(fold(name.rsplit("/", 1)[-1]), name)
    return places


def canonical_time_zone(text: str) -> str | None:
    """The zone `text` names, however it was capitalised or spaced ("america/new york" is
    America/New_York), or the zone of the place it names ("Paris"); None if there is none."""
    folded = fold(text)
    return known_time_zones().get(folded) or known_places().get(folded)


@cache
def offered_time_zones() -> tuple[str, ...]:
    """UTC, then the tz database's own names by region and place."""
    names = (name for name in available_timezones() if name.split("/", 1)[0] in REGIONS)
    return ("UTC", *sorted(names, key=lambda name: name.split("/")))


def format_offset(offset: timedelta) -> str:
    """UTC+1, UTC−5, UTC+5:30: as short as it can be and still exact."""
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    if not minutes:
        return "UTC"
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_now(name: str, now: datetime | None = None) -> ZoneNow | None:
    """`name`'s offset and time of day now (or at `now`); None for a name that is no zone."""
    canonical = canonical_time_zone(name or "")
    if canonical is None:
        return None
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(canonical))
    offset = local.utcoffset() or timedelta(0)
    return ZoneNow(canonical, format_offset(offset), local.strftime("%H:%M"))


def time_zone_choices(now: datetime | None = None) -> list[ZoneNow]:
    """The zones the form offers, each with its offset now (which summer time changes)."""
    moment = now or datetime.now(UTC)
    return [zone for name in offered_time_zones() if (zone := zone_now(name, moment))]
