"""Which codes a sheet prints and what is written around them, in the organisation's language.

The database is read here; drawing the sheet is `qr.layouts`' (plain Python, no database).
"""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.errors import AppError, Unprocessable
from api.i18n import ENGLISH, N_, find_language
from api.models import Code, Employee, EmployeeLocation, Location, Organisation
from api.printing.schemas import SheetChoice
from api.setup.locations import require_owner
from api.templating import readable_on
from api.tenancy import Tenant, get_scoped, scoped
from qr.codes import card_url
from qr.fonts import FontMissing
from qr.layouts import check_count, render_sheet
from qr.sheets import MAX_CODES, SheetItem, SheetStyle, TooManyCodes

# The call to action under each code, in the organisation's card language.
EMPLOYEE_CALL = N_("How did {name} do?")
PLACE_CALL = N_("How was your visit?")
NO_LOCATION = N_("No location is called “%(name)s”.")
NO_EMPLOYEE = N_("No employee is called “%(name)s”.")
NO_CODES = N_("No active code matches: issue codes under Set-up → Codes first.")
TOO_MANY_CODES = N_(
    "A sheet holds at most %(most)s codes and this one would have %(count)s: choose some "
    "locations or employees."
)


class SheetTooLarge(Unprocessable):
    """More codes than one sheet holds (qr.sheets.MAX_CODES)."""


class PrintingUnavailable(AppError):
    """The installation lacks a font the sheet needs: a 503 that names the package."""

    status_code = 503


@dataclass(frozen=True)
class SheetOrder:
    """Everything a sheet needs, read from the database: drawing it needs no session."""

    choice: SheetChoice
    items: tuple[SheetItem, ...]
    style: SheetStyle

    def render(self, *, first_page_only: bool = False) -> bytes:
        """The sheet as PDF (CPU-bound: run it off the event loop)."""
        try:
            return render_sheet(
                layout=self.choice.layout,
                paper=self.choice.paper,
                items=self.items,
                style=self.style,
                first_page_only=first_page_only,
            )
        except FontMissing as error:
            raise PrintingUnavailable(str(error)) from None


def chosen_codes(*, session: Session, tenant: Tenant, choice: SheetChoice) -> list[Code]:
    """The active codes the choice names, oldest first; another organisation's location or
    employee is the same 404 as a missing one."""
    locations = {get_scoped(session, tenant, Location, id_).id for id_ in choice.location_ids}
    employees = {get_scoped(session, tenant, Employee, id_).id for id_ in choice.employee_ids}
    statement = scoped(tenant, Code).where(col(Code.revoked_at).is_(None))
    if choice.layout.for_employees:
        statement = statement.join(Employee, col(Employee.id) == Code.employee_id).where(
            col(Employee.active)
        )
        if employees:
            statement = statement.where(col(Code.employee_id).in_(employees))
        if locations:
            working_there = select(EmployeeLocation.employee_id).where(
                col(EmployeeLocation.location_id).in_(locations)
            )
            statement = statement.where(
                col(Code.location_id).in_(locations) | col(Code.employee_id).in_(working_there)
            )
    else:
        if employees:
            raise Unprocessable(
                "Tents, counter cards and posters print places' codes: choose locations."
            )
        statement = statement.where(col(Code.employee_id).is_(None))
        statement = statement.where(col(Code.location_id).is_not(None))
        if locations:
            statement = statement.where(col(Code.location_id).in_(locations))
    return list(session.exec(statement.order_by(col(Code.id))).all())


def target_ids(
    *, session: Session, tenant: Tenant, locations: list[str], employees: list[str]
) -> tuple[list[int], list[int]]:
    """Locations and employees named by id or by name (as a script names them), as ids; a
    422 names the first one the organisation does not have."""
    places = {row.id: row.name for row in session.exec(scoped(tenant, Location))}
    people = {row.id: row.display_name for row in session.exec(scoped(tenant, Employee))}
    return _pick(places, locations, NO_LOCATION), _pick(people, employees, NO_EMPLOYEE)


def _pick(names: dict[int | None, str], wanted: list[str], unknown: str) -> list[int]:
    by_name = {name.casefold(): id_ for id_, name in names.items() if id_ is not None}
    chosen: list[int] = []
    for word in wanted:
        id_ = int(word) if word.isdigit() and int(word) in names else by_name.get(word.casefold())
        if id_ is None:
            raise Unprocessable(unknown, params={"name": word})
        chosen.append(id_)
    return chosen


def prepare_sheet(
    *, session: Session, tenant: Tenant, choice: SheetChoice, base_url: str
) -> SheetOrder:
    """The codes, names and words of a sheet (an owner's); SheetTooLarge past the limit, and a
    422 when nothing matches."""
    require_owner(tenant)
    codes = chosen_codes(session=session, tenant=tenant, choice=choice)
    try:
        check_count(len(codes))
    except TooManyCodes:
        raise SheetTooLarge(
            TOO_MANY_CODES, params={"most": MAX_CODES, "count": len(codes)}
        ) from None
    if not codes:
        raise Unprocessable(NO_CODES)
    organisation = session.get_one(Organisation, tenant.organisation_id)
    language = find_language(organisation.default_language) or ENGLISH
    places = {row.id: row.name for row in session.exec(scoped(tenant, Location))}
    people = {row.id: row for row in session.exec(scoped(tenant, Employee))}
    items: list[SheetItem] = []
    for code in codes:
        place = places.get(code.location_id or 0, "")
        if code.employee_id is not None:
            person = people[code.employee_id]
            call = language.gettext(EMPLOYEE_CALL).replace("{name}", person.display_name)
            name, detail = person.display_name, place or person.role_title
        else:
            name, call, detail = place, language.gettext(PLACE_CALL), ""
        items.append(SheetItem(card_url(base_url, code.token), name, call, detail))
    style = SheetStyle(
        organisation=organisation.name,
        accent=readable_on(organisation.accent_colour, "#ffffff"),
        logo=organisation.logo,
        right_to_left=language.direction == "rtl",
    )
    return SheetOrder(choice=choice, items=tuple(items), style=style)
