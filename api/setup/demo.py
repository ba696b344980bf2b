"""A demo organisation to try Tellus with: a café with three places, three people and a few
cards to work: a compliment for Maya to pass on, one for Sam, and a complaint from Table 4."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, select

from api.accounts.service import create_user
from api.customer.cards import submit_card
from api.customer.codes import NO_CACHE, load_code_context
from api.customer.schemas import CardIn
from api.models import Code, Organisation, Role, User
from api.security import hash_password, new_secret
from api.setup.codes import create_code
from api.setup.employees import save_employee
from api.setup.kiosks import list_kiosks, open_kiosk, revoke_kiosk
from api.setup.locations import save_location
from api.setup.organisations import add_owner, create_organisation
from api.setup.schemas import CodeIn, EmployeeIn, LocationIn
from api.tenancy import Tenant

DEMO_SLUG = "harbour-cafe"
DEMO_EMAIL = "manager@demo.tellus.invalid"
DEMO_KIOSK = "Counter tablet"
# (code label, who helped, card, language): what customers might have sent before the demo
# opened; "who helped" is picked by name from the code's staff, as a customer picks it.
SAMPLE_CARDS = (
    (
        "Maya's badge",
        None,
        CardIn(
            rating=5,
            comment="Maya remembered my usual and had it ready before I reached the counter. "
            "Made my morning!",
            contact_email="ada@example.com",
            wants_reply=True,
        ),
        "en",
    ),
    ("Terrace", "Sam", CardIn(rating=4, comment="Sam found us a table in the shade."), "en"),
    (
        "Table 4",
        None,
        CardIn(rating=2, comment="We waited 20 minutes for our food and nobody checked on us."),
        "en",
    ),
)


@dataclass(frozen=True)
class Demo:
    organisation: Organisation
    codes: list[Code]
    email: str
    password: str
    # Whether this call built it (a second `tellus demo` keeps what the first one made).
    created: bool
    # The device token of the counter's kiosk, new at every call (only its hash is stored).
    kiosk_secret: str


def create_demo(*, session: Session) -> Demo:
    """Create the demo organisation once; every call gives its owner a new random password and
    the counter a new kiosk (the last one is revoked)."""
    password = new_secret(12)
    organisation = session.exec(select(Organisation).where(Organisation.slug == DEMO_SLUG)).first()
    created = organisation is None
    if organisation is None:
        organisation = _build(session=session, password=password)
    else:
        user = session.exec(select(User).where(User.email == DEMO_EMAIL)).one()
        user.password_hash = hash_password(password)
        session.add(user)
    session.commit()
    kiosk_secret = _open_counter_kiosk(session=session, organisation=organisation)
    codes = list(
        session.exec(
            select(Code).where(Code.organisation_id == organisation.id).order_by(Code.id)  # type: ignore[arg-type]
        ).all()
    )
    return Demo(
        organisation=organisation,
        codes=codes,
        email=DEMO_EMAIL,
        password=password,
        created=created,
        kiosk_secret=kiosk_secret,
    )


def _open_counter_kiosk(*, session: Session, organisation: Organisation) -> str:
    """A kiosk for the counter's card, through the owner's own service; the last one revoked."""
    assert organisation.id is not None
    owner = Tenant(organisation_id=organisation.id, role=Role.owner)
    for kiosk, _ in list_kiosks(session=session, tenant=owner):
        if kiosk.name == DEMO_KIOSK and kiosk.revoked_at is None:
            revoke_kiosk(session=session, tenant=owner, kiosk_id=kiosk.id)  # type: ignore[arg-type]
    counter = session.exec(
        select(Code).where(Code.organisation_id == organisation.id, Code.label == "Counter")
    ).one()
    assert counter.id is not None
    secret, _ = open_kiosk(session=session, tenant=owner, code_id=counter.id, name=DEMO_KIOSK)
    return secret


def send_sample_cards(*, engine: Engine, demo: Demo, secret: str) -> None:
    """Send the sample cards through the customer's own path, alerts and all."""
    by_label = {code.label: code for code in demo.codes}
    for label, helper, card, language in SAMPLE_CARDS:
        context = load_code_context(engine=engine, raw_token=by_label[label].token)
        assert context is not None
        if helper is not None:
            chosen = next(person for person in context.staff if person.name == helper)
            card = card.model_copy(update={"employee_id": chosen.id})
        submit_card(
            engine=engine,
            context=context,
            data=card,
            idempotency_key=f"demo-{label}",
            language=language,
            secret=secret,
        )


def _build(*, session: Session, password: str) -> Organisation:
    organisation = create_organisation(
        session=session,
        name="Harbour Café",
        accent_colour="#1f6f8b",
        review_links=[{"label": "Google", "url": "https://www.google.com/maps"}],
    )
    assert organisation.slug == DEMO_SLUG
    user = create_user(
        session=session, email=DEMO_EMAIL, password=password, display_name="Demo owner"
    )
    owner = add_owner(session=session, organisation=organisation, user=user)
    counter, terrace, table = (
        save_location(
            session=session,
            tenant=owner,
            code_cache=NO_CACHE,
            data=LocationIn(name=name, kind=kind),
        )
        for name, kind in (("Counter", "counter"), ("Terrace", "table"), ("Table 4", "table"))
    )
    # Maya and Sam get their compliments by email (with a mail server set); Jo has no address.
    staff = (
        ("Maya", "Barista", [counter.id, terrace.id], "maya@demo.tellus.invalid"),
        ("Sam", "Server", [terrace.id, table.id], "sam@demo.tellus.invalid"),
        ("Jo", "Barista", [counter.id], ""),
    )
    employees = {
        name: save_employee(
            session=session,
            tenant=owner,
            code_cache=NO_CACHE,
            data=EmployeeIn(display_name=name, role_title=title, email=email, location_ids=places),
        )
        for name, title, places, email in staff
    }
    for location in (counter, terrace, table):
        create_code(
            session=session,
            tenant=owner,
            code_cache=NO_CACHE,
            data=CodeIn(label=location.name, location_id=location.id),
        )
    create_code(
        session=session,
        tenant=owner,
        code_cache=NO_CACHE,
        data=CodeIn(label="Maya's badge", employee_id=employees["Maya"].id),
    )
    return organisation
