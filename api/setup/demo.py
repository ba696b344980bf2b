"""A demo organisation to try Tellus with: a café with three places, three people and a few
cards to work: a compliment for Maya already passed on to her (she signs in as staff to read it),
another waiting to be passed on, one for Sam, and a complaint from Table 4."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, select

from api.accounts.service import add_membership, create_user
from api.config import Settings
from api.customer.cards import submit_card
from api.customer.codes import NO_CACHE, load_code_context
from api.customer.schemas import CardIn
from api.models import Card, Code, Organisation, Role, User
from api.recognition.mail import deliver_pass_on
from api.recognition.service import pass_on_compliment
from api.security import hash_password, new_secret
from api.setup.codes import create_code
from api.setup.employees import save_employee
from api.setup.locations import save_location
from api.setup.organisations import add_owner, create_organisation
from api.setup.schemas import CodeIn, EmployeeIn, LocationIn
from api.tenancy import Tenant

DEMO_SLUG = "harbour-cafe"
DEMO_EMAIL = "manager@demo.tellus.invalid"
# (code label, who helped, card, language): what customers might have sent before the demo
# opened; "who helped" is picked by name from the code's staff, as a customer picks it.
SAMPLE_CARDS = (
    (
        "Maya's badge",
        None,
        CardIn(
            rating=5,
            comment="Maya talked me through the single-origin beans, and the one she picked "
            "was perfect.",
        ),
        "en",
    ),
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


# The first sample card, passed on to Maya by the demo owner with this note.
PASSED_ON_NOTE = (
    "Maya, a customer wrote this about you. This is exactly the care we want: thank you!"
)
MAYA_EMAIL = "maya@demo.tellus.invalid"


@dataclass(frozen=True)
class Demo:
    organisation: Organisation
    codes: list[Code]
    email: str
    password: str
    # Whether this call built it (a second `tellus demo` keeps what the first one made).
    created: bool


def create_demo(*, session: Session) -> Demo:
    """Create the demo organisation once; every call gives its owner a new random password."""
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
    )


def send_sample_cards(*, engine: Engine, demo: Demo, secret: str) -> None:
    """Send the sample cards through the customer's own path, alerts and all."""
    by_label = {code.label: code for code in demo.codes}
    for index, (label, helper, card, language) in enumerate(SAMPLE_CARDS):
        context = load_code_context(engine=engine, raw_token=by_label[label].token)
        assert context is not None
        if helper is not None:
            chosen = next(person for person in context.staff if person.name == helper)
            card = card.model_copy(update={"employee_id": chosen.id})
        submit_card(
            engine=engine,
            context=context,
            data=card,
            idempotency_key=f"demo-{index}",
            language=language,
            secret=secret,
        )


def pass_on_sample(*, engine: Engine, demo: Demo, settings: Settings, secret: str) -> None:
    """The first sample card is passed on to Maya by the demo owner, as from the inbox."""
    with Session(engine, expire_on_commit=False) as session:
        organisation_id = demo.organisation.id
        assert organisation_id is not None
        first = SAMPLE_CARDS[0][2].comment
        card = session.exec(
            select(Card).where(Card.organisation_id == organisation_id, Card.comment == first)
        ).one()
        owner = session.exec(select(User).where(User.email == DEMO_EMAIL)).one()
        tenant = Tenant(organisation_id=organisation_id, role=Role.owner, user_id=owner.id)
        assert card.id is not None
        stored = pass_on_compliment(
            session=session, tenant=tenant, card_id=card.id, note=PASSED_ON_NOTE
        )
    assert stored.id is not None
    deliver_pass_on(engine=engine, pass_on_id=stored.id, settings=settings, secret=secret)


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
        ("Maya", "Barista", [counter.id, terrace.id], MAYA_EMAIL),
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
    # Maya signs in as staff (a one-time link, or her manager's QR code) to read her compliments.
    maya = create_user(
        session=session, email=MAYA_EMAIL, password=new_secret(16), display_name="Maya"
    )
    add_membership(
        session=session,
        user=maya,
        organisation=organisation,
        role=Role.staff,
        employee_id=employees["Maya"].id,
    )
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
