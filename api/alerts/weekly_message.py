"""The owners' weekly summary email, in its reader's language: the week's key figures beside
the week before, its standout compliment and complaint (never the customer's contact details),
and a link to the dashboard. Plain text, and the same as HTML."""

from datetime import date, timedelta

from babel.dates import format_date
from markupsafe import Markup
from sqlmodel import Session

from api.alerts.messages import AlertText, card_facts, describe_card, language_for
from api.analytics.schemas import Totals
from api.analytics.weekly import read_week
from api.config import Settings
from api.i18n import N_, Language, babel_locale
from api.models import AlertDelivery, Card, Organisation

# (label, kind, field of Totals); the escalation share's label takes the minutes.
FIGURES = (
    (N_("Cards"), "int", "cards"),
    (N_("Average rating"), "average", "average"),
    (N_("Satisfied (4–5)"), "share", "satisfaction"),
    (N_("Concerns (1–2)"), "share", "negative_share"),
    (N_("Concerns acknowledged, median"), "minutes", "acknowledged_median"),
    (N_("Concerns resolved, median"), "minutes", "resolved_median"),
    (N_("Concerns acknowledged within %(num)d min"), "share", "within_escalation"),
    (N_("Compliments passed on"), "int", "passed_on"),
)
# An email is not a page of the app: its CSP does not apply, and mail clients want it inline.
EMAIL_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.4;max-width:36rem;margin:1em auto;"
    "padding:0 1em}h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}"
    "th{text-align:start;font-weight:normal}th,td{padding:.25em 1em .25em 0}"
)


def written(value: float | None, kind: str, language: Language) -> str:
    """A figure as the dashboard writes it."""
    _ = language.gettext
    if value is None:
        return "—"
    if kind == "share":
        return f"{round(value * 100):d} %"
    if kind == "average":
        return f"{value:.2f}"
    if kind == "minutes":
        if value < 120:
            return _("%(num)d min") % {"num": value}
        if value < 2880:
            return _("%(num)s h") % {"num": round(value / 60, 1)}
        return _("%(num)s days") % {"num": round(value / 1440, 1)}
    return str(value)


def figure_rows(
    current: Totals, previous: Totals, escalation_minutes: int, language: Language
) -> list[tuple[str, str, str]]:
    """Each key figure: its label, this week's value, and "before: …" the week before's."""
    _ = language.gettext
    rows = []
    for label, kind, name in FIGURES:
        before = written(getattr(previous, name), kind, language)
        rows.append(
            (
                _(label) % {"num": escalation_minutes} if "%" in label else _(label),
                written(getattr(current, name), kind, language),
                _("before: %(value)s") % {"value": before},
            )
        )
    return rows


def weekly_text(*, session: Session, delivery: AlertDelivery, settings: Settings) -> AlertText:
    """The summary of the week the delivery names (the same whenever it is sent)."""
    language = language_for(delivery.language)
    _ = language.gettext
    organisation = session.get_one(Organisation, delivery.organisation_id)
    monday = date.fromisoformat(str(delivery.payload.get("week")))
    week = read_week(session=session, organisation_id=delivery.organisation_id, monday=monday)
    sunday = monday + timedelta(days=6)
    locale = babel_locale(language.tag)
    subject = _("Weekly summary for %(first)s to %(last)s") % {
        "first": format_date(monday, format="medium", locale=locale),
        "last": format_date(sunday, format="medium", locale=locale),
    }
    figures = week.figures
    rows = figure_rows(figures.current, figures.previous, figures.escalation_minutes, language)
    standouts = [
        (_("Standout compliment"), week.compliment, _("No compliment this week.")),
        (_("Standout complaint"), week.complaint, _("No complaint this week.")),
    ]
    cards = {
        heading: _card_lines(session, card, settings, language, organisation) if card else [none]
        for heading, card, none in standouts
    }
    url = f"{settings.base_url}/analytics?range=custom&from={monday}&to={sunday}"
    lines = [organisation.name, "", _("Key figures")]
    lines += [
        _("- %(label)s: %(value)s (%(before)s)")
        % {"label": label, "value": value, "before": before}
        for label, value, before in rows
    ]
    for heading, card_lines in cards.items():
        lines += ["", heading, *card_lines]
    lines += ["", _("Open the dashboard: %(url)s") % {"url": url}]
    html = _html(language, subject, organisation.name, rows, cards, url)
    return AlertText(subject=subject, body="\n".join(lines), cards=[], html=html)


def _card_lines(
    session: Session,
    card: Card,
    settings: Settings,
    language: Language,
    organisation: Organisation,
) -> list[str]:
    facts = card_facts(session=session, cards=[card], settings=settings, language=language)[0]
    return describe_card(facts, language=language, time_zone=organisation.time_zone)


def _html(
    language: Language,
    subject: str,
    organisation: str,
    rows: list[tuple[str, str, str]],
    cards: dict[str, list[str]],
    url: str,
) -> str:
    _ = language.gettext
    table = Markup("").join(
        Markup("<tr><th>{}</th><td><strong>{}</strong></td><td>{}</td></tr>").format(*row)
        for row in rows
    )
    sections = Markup("").join(
        Markup("<h2>{}</h2><p>{}</p>").format(heading, Markup("<br>").join(card_lines))
        for heading, card_lines in cards.items()
    )
    return str(
        Markup(
            '<!doctype html><html lang="{}" dir="{}"><head><meta charset="utf-8"><title>{}</title>'
            "<style>{}</style></head><body><h1>{}</h1><p>{}</p><h2>{}</h2><table>{}</table>{}"
            '<p><a href="{}">{}</a></p></body></html>'
        ).format(
            language.tag,
            language.direction,
            subject,
            Markup(EMAIL_STYLE),
            subject,
            organisation,
            _("Key figures"),
            table,
            sections,
            url,
            _("Open the dashboard"),
        )
    )
