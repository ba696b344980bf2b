"""A demo organisation to try Tellus with: a café with three places, three people and a few
cards to work: a compliment for Maya already passed on to her (she signs in as staff to read it),
another waiting to be passed on, one for Sam, and a complaint from Table 4; a compliment to Maya
its customer shared, approved for the kudos wall and its TV screen; and the latest Customer Service
Week's compliments, passed on, with Maya's certificate."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from api.accounts.service import add_membership, create_user
from api.config import Settings
from api.customer.cards import submit_card
from api.customer.codes import NO_CACHE, load_code_context
from api.customer.schemas import CardIn
from api.db import writer
from api.kudos.screens import create_screen, list_screens, revoke_screen
from api.kudos.service import approve_share
from api.models import Card, Code, Employee, Organisation, Role, User
from api.recognition.certificates import save_certificate
from api.recognition.mail import deliver_pass_on
from api.recognition.periods import Period, latest_service_week
from api.recognition.service import pass_on_compliment
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
    # Shared by its customer: it waits for a manager's approval before the wall shows it.
    (
        "Terrace",
        "Sam",
        CardIn(
            rating=4,
            comment="Sam found us a table in the shade.",
            share_publicly=True,
            share_name="R.",
        ),
        "en",
    ),
    (
        "Table 4",
        None,
        CardIn(rating=2, comment="We waited 20 minutes for our food and nobody checked on us."),
        "en",
    ),
    (
        "Counter",
        "Maya",
        CardIn(
            rating=5,
            comment="Maya talked me through every coffee on the menu and drew a heart in my "
            "flat white. What a lovely start to the day!",
            share_publicly=True,
            share_name="Lena",
        ),
        "en",
    ),
)
# The shared compliment a manager approved (the Counter's, by its idempotency key): it shows on
# the wall and the TV screen.
APPROVED_CARD = f"demo-{[label for label, *_ in SAMPLE_CARDS].index('Counter')}"


# Compliments from the latest Customer Service Week, passed on by the owner: (code label, who
# helped, rating, comment). Maya and Sam make the week's leaderboard; Jo's one compliment stays
# under its minimum of three.
SERVICE_WEEK_CARDS = (
    ("Maya's badge", None, 5, "Maya knew how I take my tea and asked about my new job. Lovely!"),
    ("Maya's badge", None, 5, "The friendliest barista in town, and the fastest."),
    ("Counter", "Maya", 4, "Maya helped me choose beans for home and wrote down the grind."),
    ("Terrace", "Maya", 5, "Maya brought a bowl of water for our dog without being asked."),
    ("Terrace", "Sam", 5, "Sam carried our tray out and found us the last table in the sun."),
    ("Terrace", "Sam", 4, "Sam was patient with our very indecisive group."),
    ("Table 4", "Sam", 5, "Sam remembered my nut allergy from last time."),
    ("Counter", "Jo", 5, "Jo made a perfect oat flat white."),
)
# The quote Maya's manager chose for her certificate.
MAYA_QUOTE = SERVICE_WEEK_CARDS[0][3]


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
    with Session(engine) as session:
        shared = session.exec(select(Card).where(Card.idempotency_key == APPROVED_CARD)).one()
        assert shared.id is not None
        approve_share(session=session, tenant=owner_tenant(demo), card_id=shared.id)


def owner_tenant(demo: Demo) -> Tenant:
    assert demo.organisation.id is not None
    return Tenant(organisation_id=demo.organisation.id, role=Role.owner)


def make_demo_screen(*, session: Session, demo: Demo) -> str:
    """A fresh TV link for the demo (its token is shown once); the earlier ones are revoked."""
    tenant = owner_tenant(demo)
    for screen in list_screens(session=session, tenant=tenant):
        revoke_screen(session=session, tenant=tenant, screen_id=screen.id)
    return create_screen(session=session, tenant=tenant, location_id=None)


def celebrate_service_week(*, engine: Engine, demo: Demo, secret: str, today: date) -> Period:
    """The latest Customer Service Week as it happened: compliments sent through the customer's
    path during it, passed on by the owner, and Maya's certificate with her manager's quote."""
    week = latest_service_week(today)
    by_label = {code.label: code for code in demo.codes}
    sent: list[tuple[int, str]] = []
    for index, (label, helper, rating, comment) in enumerate(SERVICE_WEEK_CARDS):
        context = load_code_context(engine=engine, raw_token=by_label[label].token)
        assert context is not None
        chosen = next((p.id for p in context.staff if p.name == helper), None)
        submission = submit_card(
            engine=engine,
            context=context,
            data=CardIn(rating=rating, comment=comment, employee_id=chosen),
            idempotency_key=f"demo-week-{index}",
            language="en",
            secret=secret,
            alerts=False,
        )
        assert submission.card.id is not None
        sent.append((submission.card.id, comment))
    with Session(writer(engine)) as session:
        owner = session.exec(select(User).where(User.email == DEMO_EMAIL)).one()
        tenant = Tenant(
            organisation_id=demo.organisation.id or 0, role=Role.owner, user_id=owner.id
        )
        for day, (card_id, _) in enumerate(sent):
            # Sent on the week's days in turn, at ten in the morning.
            when = datetime.combine(week.first_day + timedelta(days=day % 7), time(10), UTC)
            card = session.get_one(Card, card_id)
            card.created_at = when
            session.add(card)
            session.commit()
            passed = pass_on_compliment(
                session=session, tenant=tenant, card_id=card_id, note="Thank you, from all of us!"
            )
            passed.created_at = when + timedelta(hours=2)
            session.add(passed)
            session.commit()
        maya = session.exec(
            select(Employee)
            .where(Employee.organisation_id == demo.organisation.id)
            .where(Employee.display_name == "Maya")
        ).one()
        save_certificate(
            session=session,
            tenant=tenant,
            signer=owner.display_name,
            employee_id=maya.id or 0,
            period=week,
            quote_card_ids=[card_id for card_id, comment in sent if comment == MAYA_QUOTE],
        )
    return week


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
