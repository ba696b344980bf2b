"""What an alert says, in its reader's language: where, who, when, the comment, a link.

"When" is the organisation's wall clock, written the reader's way: an email read an hour after
it left must not say "2 minutes ago".
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from sqlmodel import Session, col, select

from api.accounts.service import manager_tenant
from api.config import Settings
from api.i18n import ENGLISH, Language, babel_locale, find_language
from api.models import AlertDelivery, AlertKind, Card, Employee, Location, Organisation
from api.recognition.periods import service_week
from api.templating import written_moment
from api.tenancy import Tenant


@dataclass(frozen=True)
class CardFacts:
    card: Card
    place: str
    employee: str | None
    url: str


@dataclass(frozen=True)
class AlertText:
    subject: str
    body: str
    cards: list[CardFacts]
    # The same as HTML, for the emails that have it (the weekly summary).
    html: str | None = None


def language_for(tag: str) -> Language:
    return find_language(tag) or ENGLISH


def card_facts(
    *, session: Session, cards: list[Card], settings: Settings, language: Language
) -> list[CardFacts]:
    """Each card with its location and employee names and the link to it in the inbox."""
    _ = language.gettext
    places = _names(session, Location, {c.location_id for c in cards})
    people = _names(session, Employee, {c.employee_id for c in cards})
    return [
        CardFacts(
            card=card,
            place=places.get(card.location_id) or _("no location"),
            employee=people.get(card.employee_id),
            url=f"{settings.base_url}/inbox/{card.id}",
        )
        for card in cards
    ]


def _names(
    session: Session, model: type[Location] | type[Employee], ids: set[int | None]
) -> dict[Any, str]:
    wanted = [id_ for id_ in ids if id_ is not None]
    if not wanted:
        return {}
    column = Location.name if model is Location else Employee.display_name
    return dict(session.exec(select(model.id, column).where(col(model.id).in_(wanted))).all())


def describe_card(facts: CardFacts, *, language: Language, time_zone: str) -> list[str]:
    """The lines that say what a card is and where to find it."""
    _ = language.gettext
    when = written_moment(facts.card.created_at, time_zone, language.tag)
    lines = [
        _("Rating: %(rating)s of 5") % {"rating": facts.card.rating},
        _("Where: %(place)s") % {"place": facts.place},
    ]
    if facts.employee:
        lines.append(_("Who helped: %(employee)s") % {"employee": facts.employee})
    lines += [
        _("When: %(time)s") % {"time": when},
        _("Comment: %(comment)s") % {"comment": facts.card.comment or _("(no comment)")},
        _("Open the card: %(url)s") % {"url": facts.url},
    ]
    return lines


def alert_text(
    *, session: Session, delivery: AlertDelivery, settings: Settings, now: datetime
) -> AlertText:
    """The subject and body of a card alert, an escalation or a digest (the same at any `now`)."""
    language = language_for(delivery.language)
    _ = language.gettext
    organisation = session.get(Organisation, delivery.organisation_id)
    assert organisation is not None
    if delivery.kind == AlertKind.digest:
        return _digest_text(
            session=session,
            delivery=delivery,
            settings=settings,
            language=language,
            organisation=organisation,
        )
    card = session.get(Card, delivery.card_id)
    if card is None:
        raise LookupError("The card of this alert no longer exists.")
    facts = card_facts(session=session, cards=[card], settings=settings, language=language)[0]
    if delivery.kind == AlertKind.escalation:
        subject = _("Not acknowledged after %(minutes)s minutes: a card at %(place)s") % {
            "minutes": delivery.payload.get("minutes", ""),
            "place": facts.place,
        }
    elif delivery.kind == AlertKind.negative:
        subject = _("Negative card at %(place)s") % {"place": facts.place}
    else:
        subject = _("New card at %(place)s") % {"place": facts.place}
    lines = describe_card(facts, language=language, time_zone=organisation.time_zone)
    body = "\n".join([organisation.name, "", *lines])
    return AlertText(subject=subject, body=body, cards=[facts])


def readers_cards(*, session: Session, reader: Tenant | None, ids: list[Any]) -> list[Card]:
    """The cards a digest was queued with that its reader still sees (their places may have
    changed while it waited for their quiet hours to end, or for a retry)."""
    cards = session.exec(select(Card).where(col(Card.id).in_(ids)).order_by(col(Card.id))).all()
    return [card for card in cards if reader is None or reader.sees_location(card.location_id)]


def _digest_text(
    *,
    session: Session,
    delivery: AlertDelivery,
    settings: Settings,
    language: Language,
    organisation: Organisation,
) -> AlertText:
    _ = language.gettext
    reader = (
        manager_tenant(
            session=session, user_id=delivery.user_id, organisation_id=delivery.organisation_id
        )
        if delivery.user_id is not None
        else None
    )
    ids: list[Any] = list(delivery.payload.get("card_ids", []))
    cards = readers_cards(session=session, reader=reader, ids=ids)
    facts = card_facts(session=session, cards=cards, settings=settings, language=language)
    day = datetime.fromisoformat(str(delivery.payload.get("date"))).date()
    subject = _("Daily digest for %(date)s") % {
        "date": format_date(day, format="long", locale=babel_locale(language.tag))
    }
    lines = [organisation.name]
    if facts:
        lines.append(_("Positive cards: %(count)s") % {"count": len(facts)})
    for item in facts:
        lines += ["", *describe_card(item, language=language, time_zone=organisation.time_zone)]
    waiting_ids: list[Any] = list(delivery.payload.get("waiting_ids", []))
    if waiting_ids:
        waiting = readers_cards(session=session, reader=reader, ids=waiting_ids)
        lines += [
            "",
            _("Compliments waiting to be passed on to their employee: %(count)s")
            % {"count": len(waiting)},
        ]
        for item in card_facts(
            session=session, cards=waiting, settings=settings, language=language
        ):
            lines += ["", *describe_card(item, language=language, time_zone=organisation.time_zone)]
    week_start = delivery.payload.get("service_week")
    if week_start:
        week = service_week(date.fromisoformat(str(week_start)).year)
        lines += [
            "",
            _(
                "Customer Service Week starts on %(date)s: thank your team with a certificate "
                "each and a poster for the wall."
            )
            % {
                "date": format_date(
                    week.first_day, format="long", locale=babel_locale(language.tag)
                )
            },
            f"{settings.base_url}/inbox/service-week?{week.query}",
        ]
    return AlertText(subject=subject, body="\n".join(lines), cards=facts)
