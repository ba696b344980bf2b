"""The page walk's data: an organisation as it usually looks, one with long text everywhere, and
one with no cards yet, each with a person of every role; and the ids and links its pages need."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyotp
from sqlmodel import Session, select

from api.accounts.email_change import request_email_change
from api.accounts.password_reset import start_password_reset
from api.accounts.service import add_membership, create_user
from api.accounts.staff_links import new_staff_link
from api.accounts.two_factor import confirm_setup, start_setup
from api.alerts.routing import organisation_zone
from api.alerts.unsubscribe import DIGEST, unsubscribe_token
from api.app_settings import load_secret_key
from api.config import Settings
from api.customer.codes import NO_CACHE
from api.customer.follow_up.service import follow_up_hash
from api.i18n import LANGUAGES
from api.inbox.card_work import add_note
from api.inbox.replies.service import add_reply
from api.kudos.screens import create_screen
from api.kudos.service import approve_share
from api.models import Card, Membership, Role
from api.people.invitations import create_invitation
from api.people.schemas import InvitationIn
from api.recognition.certificates import save_certificate
from api.recognition.periods import last_days
from api.recognition.service import first_name, pass_on_compliment
from api.security import new_secret
from api.setup.archive import archive_employee, archive_location
from api.setup.employees import save_employee
from api.setup.kiosks import open_kiosk
from api.setup.locations import save_location
from api.setup.schemas import EmployeeIn, LocationIn
from api.tenancy import Tenant
from tests.browser.conftest import LiveServer
from tests.browser.pseudo_locale import PSEUDO_TAG
from tests.browser.test_screens import seed_inbox
from tests.factories import PASSWORD, World, make_card, make_manager, make_world

LONG_WORD = "W" * 3990
LONG_NAME = "Bartholomew-Alexandrina Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh"
LONG_EMAIL = "a" * 60 + "." + "b" * 60 + "@" + "c" * 50 + ".example.com"
LONG_PLACE = "The upstairs terrace overlooking the harbour, beside the old lighthouse steps"
LONG_LINK = "https://example.com/" + "x" * 300
ALL_TAGS = [language.tag for language in LANGUAGES.values()] + [PSEUDO_TAG]
# Seen as data on pages, never as text to translate.
ALWAYS_DATA = ("Tellus", *(language.name for language in LANGUAGES.values()))


@dataclass
class WalkData:
    """One organisation's people (email by role) and the values its pages' URLs are made of."""

    world: World
    emails: dict[str, str]
    ids: dict[str, object]
    # The card with a follow-up link in each language (tag as stored on a card: "zh-Hans").
    follow_ups: dict[str, str] = field(default_factory=dict)
    # Text a person typed or a name they chose: not the app's words, in any language.
    data_text: list[str] = field(default_factory=list)
    # The staff member's one-time link the walk signs in with (staff have no password sign-in).
    staff_sign_in: str = ""


def tenant_of(world: World) -> Tenant:
    assert world.organisation.id is not None
    return Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)


def add_people(session: Session, world: World) -> tuple[dict[str, str], Membership]:
    """A manager and a staff member (Maya) beside the world's owner; their emails by role, and
    the staff member's membership."""
    slug = world.organisation.slug
    manager = f"manager@{slug}.example"
    staff = f"staff@{slug}.example"
    make_manager(session, world=world, email=manager)
    user = create_user(session=session, email=staff, password=PASSWORD)
    membership = add_membership(
        session=session,
        user=user,
        organisation=world.organisation,
        role=Role.staff,
        employee_id=world.maya.id,
    )
    session.commit()
    return {"owner": world.owner_email, "manager": manager, "staff": staff}, membership


def add_follow_ups(
    session: Session,
    data: WalkData,
    world: World,
    tags: list[str],
    *,
    comment: str,
    email: str,
    reply: str = f"Sorry! Read {LONG_LINK}",
    note: str = f"Note: {LONG_LINK}",
) -> None:
    """A card of the world's in each language, with a reply and a note (never shown to the
    customer) on the first."""
    card_ids = []
    for tag in tags:
        token = new_secret(24)
        card = make_card(
            session,
            code=world.counter_code,
            rating=2,
            comment=comment,
            language=tag,
            contact_name="Priya",
            contact_email=email,
            wants_reply=True,
            follow_up_hash=follow_up_hash(token),
        )
        assert card.id is not None
        data.follow_ups[tag] = token
        card_ids.append(card.id)
    card_id = card_ids[0]
    data.ids.setdefault("card_id", card_id)
    tenant = tenant_of(world)
    add_reply(session=session, tenant=tenant, card_id=card_id, body=reply)
    add_note(session=session, tenant=tenant, card_id=card_id, body=note)
    data.data_text += [comment, email, "Priya", reply, note]


def base_data(session: Session, world: World) -> WalkData:
    """The organisation's people, and its links that need no card: a kiosk at the counter, a
    kudos TV, a staff member's sign-in link."""
    emails, staff = add_people(session, world)
    data = WalkData(world=world, emails=emails, ids={})
    tenant = tenant_of(world)
    assert world.counter_code.id is not None
    kiosk_token, _ = open_kiosk(
        session=session, tenant=tenant, code_id=world.counter_code.id, name="By the door"
    )
    tv_token = create_screen(session=session, tenant=tenant, location_id=None)
    archived = add_archived(session, tenant)
    staff_link_token = new_staff_link(session=session, membership=staff)
    data.staff_sign_in = new_staff_link(session=session, membership=staff)
    session.commit()
    data.ids.update(
        counter_token=world.counter_code.token,
        code_id=world.counter_code.id,
        slug=world.organisation.slug,
        location_id=world.counter.id,
        employee_id=world.maya.id,
        kiosk_token=kiosk_token,
        tv_token=tv_token,
        staff_link_token=staff_link_token,
    )
    data.data_text += [
        world.organisation.name,
        world.counter.name,
        world.terrace.name,
        world.maya.display_name,
        world.sam.display_name,
        world.counter_code.token,
        world.terrace_code.token,
        world.maya_code.token,
        world.counter_code.label,
        world.terrace_code.label,
        world.maya_code.label,
        *data.emails.values(),
        "By the door",
        *archived,
        *ALWAYS_DATA,
    ]
    return data


def add_archived(session: Session, tenant: Tenant) -> list[str]:
    """A place and a person the organisation archived (in set-up's Archived folds, and still in
    the inbox's filters); their names."""
    place = save_location(
        session=session, tenant=tenant, code_cache=NO_CACHE, data=LocationIn(name="Summer stand")
    )
    person = save_employee(
        session=session,
        tenant=tenant,
        code_cache=NO_CACHE,
        data=EmployeeIn(display_name="Jonas", location_ids=[place.id]),
    )
    assert place.id is not None
    assert person.id is not None
    archive_location(session=session, tenant=tenant, location_id=place.id, code_cache=NO_CACHE)
    archive_employee(session=session, tenant=tenant, employee_id=person.id, code_cache=NO_CACHE)
    return [place.name, person.display_name]


def add_kudos(session: Session, data: WalkData, *, comment: str, name: str, note: str) -> None:
    """A compliment for Maya the customer shared and a manager approved for the kudos wall,
    passed on to her with a note, and quoted on her signed certificate for the last 30 days."""
    world = data.world
    card = make_card(
        session,
        code=world.counter_code,
        rating=5,
        comment=comment,
        employee_id=world.maya.id,
        share_publicly=True,
        share_name=name,
    )
    assert card.id is not None
    assert world.maya.id is not None
    tenant = tenant_of(world)
    approve_share(session=session, tenant=tenant, card_id=card.id)
    pass_on_compliment(session=session, tenant=tenant, card_id=card.id, note=note)
    save_certificate(
        session=session,
        tenant=tenant,
        signer="Olivia Owner",
        employee_id=world.maya.id,
        period=last_days(
            datetime.now(UTC).astimezone(organisation_zone(world.organisation)).date()
        ),
        quote_card_ids=[card.id],
    )
    # The wall names the employee by first name only.
    data.data_text += [comment, name, note, "Olivia Owner", first_name(world.maya.display_name)]


def add_passed_on(session: Session, data: WalkData, comments: list[str], note: str) -> None:
    """More compliments passed on to Maya (the leaderboard shows a person from 3)."""
    for comment in comments:
        card = make_card(session, code=data.world.maya_code, rating=5, comment=comment)
        assert card.id is not None
        pass_on_compliment(
            session=session, tenant=tenant_of(data.world), card_id=card.id, note=note
        )
    data.data_text += [*comments, note]


def add_cards_text(session: Session, data: WalkData) -> None:
    """What the organisation's customers wrote: data on every page, in any language."""
    rows = session.exec(
        select(Card.comment, Card.contact_name, Card.contact_email).where(
            Card.organisation_id == data.world.organisation.id
        )
    ).all()
    data.data_text += [text for row in rows for text in row if text]


# A manager's reply and note as they usually are (the long data's carry a 300-character link).
ANSWERS = {
    "reply": "So sorry about the soup, Priya. Your next bowl is on us.",
    "note": "Kitchen: check the heater of the soup station.",
}


def usual_data(session: Session, server: LiveServer) -> WalkData:
    """Harbour Café on a usual morning, with every one-time link a page can be opened with."""
    world = make_world(session, name="Harbour Café")
    data = base_data(session, world)
    seed_inbox(session, world)
    add_kudos(
        session,
        data,
        comment="Maya made my daughter's birthday: a candle in the cinnamon bun!",
        name="Lena",
        note="Lovely work, Maya. Thank you!",
    )
    add_passed_on(
        session,
        data,
        ["Maya found my lost scarf.", "Maya's latte art made my morning."],
        note="Well done!",
    )
    add_cards_text(session, data)
    comment, email = "The soup was cold.", "priya@example.com"
    add_follow_ups(session, data, world, ["en"], comment=comment, email=email, **ANSWERS)
    # The other languages' cards in an organisation of their own: the inbox stays as usual.
    languages = make_world(session, name="Harbour Café Terrace")
    data.data_text.append(languages.organisation.name)
    other_tags = [tag for tag in ALL_TAGS if tag != "en"]
    add_follow_ups(session, data, languages, other_tags, comment=comment, email=email, **ANSWERS)
    data.ids["send_token"] = languages.maya_code.token
    data.ids.update(links(session, server, data))
    data.emails["two-factor"] = add_two_factor_user(session, world)
    return data


def links(session: Session, server: LiveServer, data: WalkData) -> dict[str, str]:
    """Tokens of the pages a link in an email opens: a reset, an email change, an invitation."""
    world = data.world
    # Someone who never signs in during the walk: signing in ends a reset link.
    forgetful = f"forgetful@{world.organisation.slug}.example"
    make_manager(session, world=world, email=forgetful)
    data.data_text.append(forgetful)
    reset = start_password_reset(session=session, email=forgetful)
    assert reset is not None
    change = request_email_change(
        session=session,
        user=world.owner,
        new_email=f"new.owner@{world.organisation.slug}.example",
        password=PASSWORD,
        code="",
    )
    invitation, _ = create_invitation(
        session=session, tenant=tenant_of(world), data=InvitationIn(email="new.hire@example.com")
    )
    secret = load_secret_key(
        engine=server.engine,
        settings=Settings(database_url=server.database_url, environment="test"),
    )
    assert world.organisation.id is not None
    assert world.owner.id is not None
    unsubscribe = unsubscribe_token(
        secret_key=secret,
        organisation_id=world.organisation.id,
        user_id=world.owner.id,
        topic=DIGEST,
    )
    data.data_text += ["new.hire@example.com", f"new.owner@{world.organisation.slug}.example"]
    return {
        "reset_token": reset.token,
        "email_token": change.token,
        "invitation_token": invitation,
        "unsubscribe_token": unsubscribe,
    }


def add_two_factor_user(session: Session, world: World) -> str:
    """A manager with two-factor sign-in on: their password leads to the code's page."""
    email = f"careful@{world.organisation.slug}.example"
    user = make_manager(session, world=world, email=email)
    assert user.id is not None
    row = start_setup(session=session, user_id=user.id)
    confirm_setup(session=session, user_id=user.id, code=pyotp.TOTP(row.secret).now())
    session.commit()
    return email


def long_data(session: Session) -> WalkData:
    """Long names, long addresses and one comment of 3,990 characters without a space."""
    world = make_world(session, name="The Grand Harbourside Café, Bakery and Roastery of Old Town")
    world.counter.name = LONG_PLACE
    world.maya.display_name = LONG_NAME
    session.add_all([world.counter, world.maya])
    session.commit()
    data = base_data(session, world)
    add_follow_ups(session, data, world, ALL_TAGS, comment=LONG_WORD, email=LONG_EMAIL)
    add_kudos(session, data, comment=LONG_WORD, name="W" * 40, note=f"Note: {LONG_LINK}")
    data.ids["send_token"] = world.maya_code.token
    return data


def empty_data(session: Session) -> WalkData:
    """An organisation set up this morning: places, people and codes, and no card yet."""
    return base_data(session, make_world(session, name="New Corner Café"))
