"""The periods a leaderboard and a certificate cover: whole days in the organisation's time
zone, from the first to the last day included, and Customer Service Week."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval

from api.errors import Unprocessable
from api.i18n import N_, babel_locale

# A certificate may cover a year at most: longer periods are an anniversary, not a thank-you.
LONGEST_DAYS = 366


class BadPeriod(Unprocessable):
    title = N_(
        "Choose a first and a last day, the last on or after the first, at most a year apart."
    )


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants: from the first day's midnight to the midnight after the
        last, on the organisation's wall clock."""
        start = datetime.combine(self.first_day, time(0), tzinfo=zone)
        end = datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def describe(self, language_tag: str) -> str:
        """The period written short, the language's way: "Oct 5 – 11, 2026", "5–11 oct. 2026"."""
        locale = babel_locale(language_tag)
        return format_interval(self.first_day, self.last_day, "yMMMd", locale=locale)

    def describe_long(self, language_tag: str) -> str:
        """The period with its months in full, as a certificate writes it."""
        locale = babel_locale(language_tag)
        first, last = (format_date(day, "long", locale=locale) for day in self.days)
        return first if first == last else f"{first} – {last}"

    @property
    def days(self) -> tuple[date, date]:
        return self.first_day, self.last_day

    @property
    def query(self) -> str:
        return f"from={self.first_day.isoformat()}&to={self.last_day.isoformat()}"


def service_week(year: int) -> Period:
    """Customer Service Week: the first full week of October, Monday to Sunday."""
    first = date(year, 10, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    return Period(monday, monday + timedelta(days=6))


def latest_service_week(today: date) -> Period:
    """The latest week that has begun: this year's from its Monday, last year's until then."""
    this_year = service_week(today.year)
    return this_year if today >= this_year.first_day else service_week(today.year - 1)


def upcoming_service_week(today: date) -> Period | None:
    """This year's week when it starts within the next seven days (the reminder's week)."""
    week = service_week(today.year)
    return week if 0 < (week.first_day - today).days <= 7 else None


def last_days(today: date, days: int = 30) -> Period:
    return Period(today - timedelta(days=days - 1), today)


def parse_period(first: str | None, last: str | None, default: Period) -> Period:
    """The period a query names (`from`, `to`, ISO dates), or `default` when it names none;
    BadPeriod for dates that are not, or run backwards, or span more than a year."""
    if not first and not last:
        return default
    try:
        period = Period(date.fromisoformat(first or ""), date.fromisoformat(last or ""))
    except ValueError:
        raise BadPeriod() from None
    if period.last_day < period.first_day:
        raise BadPeriod()
    if (period.last_day - period.first_day).days >= LONGEST_DAYS:
        raise BadPeriod()
    return period
