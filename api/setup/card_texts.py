"""An organisation's own wording of the card per language: question, thank-you, data use."""

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from api.errors import NotFound
from api.i18n import LANGUAGES
from api.models import CardText, Employee, Location, Organisation
from api.setup.card_placeholders import DAYS, fill_in, fill_in_name, needs_days
from api.setup.locations import require_owner
from api.tenancy import Tenant, scoped

if TYPE_CHECKING:
    # Only a type here: the cache's contexts (api.customer.codes) hold these texts.
    from api.customer.codes import CodeCache

FIELDS = ("question", "thanks", "data_use")


@dataclass(frozen=True)
class CardWording:
    """One language's texts; a blank one means the built-in, translated text."""

    language: str
    question: str = ""
    thanks: str = ""
    data_use: str = ""

    def for_name(self, name: str) -> "CardWording":
        """These texts with {name} filled in: the card's employee, or its place."""
        filled = {field: fill_in_name(getattr(self, field), name) for field in FIELDS}
        return replace(self, **filled)

    def for_days(self, days: int | None) -> "CardWording":
        """These texts with {days} filled in; a text that needs it without a retention policy
        falls back to the built-in text, which says what is kept."""
        filled = {
            field: ""
            if days is None and needs_days(getattr(self, field))
            else fill_in(getattr(self, field), {DAYS: str(days)})
            for field in FIELDS
        }
        return replace(self, **filled)


def language_tag(language: str) -> str:
    """The catalogue's own spelling of a language ("zh-hans" → "zh-Hans"), or NotFound."""
    found = LANGUAGES.get(language.strip().lower())
    if found is None:
        raise NotFound()
    return found.tag


def card_wordings(*, session: Session, organisation_id: int) -> tuple[CardWording, ...]:
    """Every language the organisation rewrote something in."""
    rows = session.exec(select(CardText).where(CardText.organisation_id == organisation_id)).all()
    return tuple(
        CardWording(row.language, row.question, row.thanks, row.data_use)
        for row in sorted(rows, key=lambda row: row.language)
    )


def all_wordings(*, session: Session, tenant: Tenant) -> list[CardWording]:
    """One wording per catalogue language, blank where nothing was rewritten."""
    own = {
        item.language: item
        for item in card_wordings(session=session, organisation_id=tenant.organisation_id)
    }
    return [own.get(language.tag, CardWording(language.tag)) for language in LANGUAGES.values()]


def save_wording(
    *, session: Session, tenant: Tenant, wording: CardWording, code_cache: "CodeCache"
) -> CardWording:
    """Store one language's texts (an owner's); all blank goes back to the built-in texts. The
    cards show them at once."""
    require_owner(tenant)
    tag = language_tag(wording.language)
    texts = {field: " ".join(getattr(wording, field).split()) for field in FIELDS}
    row = session.get(CardText, (tenant.organisation_id, tag))
    if not any(texts.values()):
        if row is not None:
            session.delete(row)
    else:
        row = row or CardText(organisation_id=tenant.organisation_id, language=tag)
        for field, text in texts.items():
            setattr(row, field, text)
        session.add(row)
    session.commit()
    code_cache.invalidate_organisation(tenant.organisation_id)
    return CardWording(tag, **texts)


def example_names(*, session: Session, tenant: Tenant) -> list[str]:
    """What {name} becomes on the organisation's cards, for a preview: its first employee's
    name and its first location's (the organisation's own when it has neither)."""
    employee = session.exec(
        scoped(tenant, Employee).where(col(Employee.active)).order_by(col(Employee.id))
    ).first()
    location = session.exec(scoped(tenant, Location).order_by(col(Location.id))).first()
    names = [employee.display_name] if employee else []
    names += [location.name] if location else []
    return names or [session.get_one(Organisation, tenant.organisation_id).name]
