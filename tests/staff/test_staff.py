"""Staff sign in by a one-time link (emailed, or a manager's QR code) and see only the compliments
passed on to them: never a complaint, a customer's contact details or another employee's card."""

import base64
import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import zxingcpp
from fastapi import FastAPI
from PIL import Image
from sqlmodel import Session, select

from api.accounts.service import add_membership, create_user
from api.accounts.staff_links import new_staff_link
from api.models import Membership, Organisation, Role, StaffSignIn, User
from api.recognition.service import pass_on_compliment
from api.tenancy import Tenant
from tests.accounts.test_two_factor import turn_on
from tests.client import TestClient
from tests.factories import PASSWORD, World, make_card, make_manager, reread
from tests.helpers import csrf_token, log_in, second_browser, soup
from tests.smtp import SmtpServer

STAFF_EMAIL = "maya.staff@example.com"
PRAISE = "Maya remembered my usual"
NOTE = "Maya, thank you: this is the welcome we want."
COMPLAINT = "Maya was rude about the cold soup"
SAMS_PRAISE = "Sam carried the tray to our car"
PRIVATE_EMAIL = "ada.customer@example.org"
PRIVATE_PHONE = "+44 20 7946 0000"


def make_staff(session: Session, world: World, *, email: str = STAFF_EMAIL) -> Membership:
    """A staff account linked to Maya (or an existing account, made staff of this world)."""
    user = session.exec(select(User).where(User.email == email)).first()
    user = user or create_user(session=session, email=email, password=PASSWORD)
    membership = add_membership(
        session=session,
        user=user,
        organisation=world.organisation,
        role=Role.staff,
        employee_id=world.maya.id,
    )
    session.commit()
    return membership


def passed_on(session: Session, world: World, comment: str, employee_id: int | None) -> None:
    """A compliment from the counter, passed on by the owner with NOTE."""
    card = make_card(
        session,
        code=world.counter_code,
        rating=5,
        comment=comment,
        employee_id=employee_id,
        contact_email=PRIVATE_EMAIL,
        contact_phone=PRIVATE_PHONE,
    )
    assert world.organisation.id is not None
    assert card.id is not None
    owner = Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)
    pass_on_compliment(session=session, tenant=owner, card_id=card.id, note=NOTE)


@pytest.fixture
def cards(session: Session, world: World) -> None:
    """Maya's compliment passed on, a complaint naming her, and Sam's compliment passed on."""
    passed_on(session, world, PRAISE, world.maya.id)
    passed_on(session, world, SAMS_PRAISE, world.sam.id)
    make_card(
        session, code=world.counter_code, rating=1, comment=COMPLAINT, employee_id=world.maya.id
    )


def link_path(session: Session, membership: Membership) -> str:
    token = new_staff_link(session=session, membership=membership)
    session.commit()
    return f"/staff/link/{token}"


@pytest.fixture
def mail(app: FastAPI) -> Iterator[SmtpServer]:
    """The installation's mail server, for this test only."""
    server = SmtpServer().start()
    settings = app.state.runtime.settings
    settings.smtp_url = server.url
    try:
        yield server
    finally:
        settings.smtp_url = None
        server.stop()


def test_an_emailed_link_signs_in_once_to_the_staff_page_only(
    client: TestClient, session: Session, world: World, cards: None, mail: SmtpServer
) -> None:
    make_staff(session, world)
    asked = client.post("/staff/sign-in", data={"email": STAFF_EMAIL.upper()})
    unknown = client.post("/staff/sign-in", data={"email": "nobody@example.com"})
    assert asked.status_code == unknown.status_code == 303
    assert asked.headers["location"] == unknown.headers["location"] == "/staff/sign-in/sent"
    [message] = mail.inbox.wait_for(1)
    assert message["To"] == STAFF_EMAIL
    found = re.search(r"http://testserver(/staff/link/\S+)", message.get_content())
    assert found is not None
    link = found.group(1)

    shown = client.get(link)
    assert shown.status_code == 200
    assert "set-cookie" not in shown.headers  # opening the link (a mail scanner) changes nothing
    assert soup(shown).select_one("form button[type=submit]") is not None
    signed_in = client.post(link)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/staff"

    page = client.get("/staff")
    assert page.status_code == 200
    assert PRAISE in page.text
    assert NOTE in page.text
    for private in (COMPLAINT, SAMS_PRAISE, PRIVATE_EMAIL, PRIVATE_PHONE):
        assert private not in page.text
    assert f"/qr/{world.maya_code.token}.svg" in page.text
    # The staff session opens nothing else of the organisation's.
    for path in ("/inbox", "/admin/codes", "/api/v1/cards"):
        assert client.get(path).status_code in (303, 401)

    with second_browser(client.app) as other:  # type: ignore[arg-type]
        reused = other.post(link)
    assert reused.status_code == 410
    assert "no longer works" in reused.text


def test_expired_unknown_and_used_links_fail_with_a_clear_page(
    client: TestClient, session: Session, world: World
) -> None:
    membership = make_staff(session, world)
    expired = link_path(session, membership)
    row = session.exec(select(StaffSignIn)).one()
    row.expires_at -= timedelta(minutes=16)
    session.add(row)
    session.commit()
    for path, status in ((expired, 410), ("/staff/link/not-a-real-link", 404)):
        for answer in (client.get(path), client.post(path)):
            assert answer.status_code == status
            assert "Ask for a new one" in answer.text
            assert "tellus_session" not in answer.headers.get("set-cookie", "")
    assert client.get("/staff").headers["location"].startswith("/staff/sign-in")


def test_wrong_links_are_throttled_by_the_sign_in_throttle(
    client: TestClient, session: Session, world: World
) -> None:
    good = link_path(session, make_staff(session, world))
    # 20 failures from one address are allowed in the window; the 21st pauses it.
    answers = [client.post(f"/staff/link/guess-{n}").status_code for n in range(22)]
    assert answers[:21] == [404] * 21
    assert answers[21] == 429
    # Even a right link waits while the client is paused, and still works afterwards.
    assert client.post(good).status_code == 429


def test_a_staff_session_of_one_organisation_opens_nothing_of_another(
    client: TestClient, session: Session, world: World, other_world: World
) -> None:
    """B's owner is staff at A: A's link opens A's staff page, never B's inbox, and no switch."""
    membership = make_staff(session, world, email=other_world.owner_email)
    passed_on(session, world, PRAISE, world.maya.id)
    assert client.post(link_path(session, membership)).status_code == 303
    assert PRAISE in client.get("/staff").text
    assert client.get("/inbox").status_code == 303
    assert client.get("/admin/people").status_code == 303
    token = csrf_token(client, "/staff")
    switched = client.post(
        "/organisation", data={"csrf_token": token, "organisation_id": other_world.organisation.id}
    )
    assert switched.status_code == 404
    assert client.get("/inbox").status_code == 303


def test_deactivating_the_employee_signs_their_staff_account_out(
    app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    """Maya left: her staff session ends at once, the owner's does not, and no link signs her in;
    restored, she signs in again."""
    membership = make_staff(session, world)
    passed_on(session, world, PRAISE, world.maya.id)
    assert client.post(link_path(session, membership)).status_code == 303
    assert PRAISE in client.get("/staff").text
    with second_browser(app) as owner:
        log_in(owner, world.owner_email, world.password)
        token = csrf_token(owner, f"/admin/employees/{world.maya.id}/archive")
        left = owner.post(f"/admin/employees/{world.maya.id}/archive", data={"csrf_token": token})
        assert left.status_code == 303, left.text
        assert client.get("/staff").headers["location"].startswith("/staff/sign-in")
        assert owner.get("/inbox").status_code == 200
        # Nor can a link, one made before or after, sign an archived employee in.
        assert client.post(link_path(session, membership)).status_code == 410
        assert client.get("/staff").headers["location"].startswith("/staff/sign-in")

        token = csrf_token(owner, "/admin/employees")
        back = owner.post(f"/admin/employees/{world.maya.id}/restore", data={"csrf_token": token})
        assert back.status_code == 303, back.text
    assert client.post(link_path(session, membership)).status_code == 303
    assert PRAISE in client.get("/staff").text


def test_a_manager_shows_a_one_time_qr_code_that_signs_the_employee_in(
    app: FastAPI, manager_client: TestClient, session: Session, world: World, cards: None
) -> None:
    make_staff(session, world)
    listed = manager_client.get("/inbox/staff-sign-in")
    assert listed.status_code == 200
    assert "No mail server is set up" in listed.text
    token = csrf_token(manager_client, "/inbox/staff-sign-in")
    shown = manager_client.post(f"/inbox/staff-sign-in/{world.maya.id}", data={"csrf_token": token})
    assert shown.status_code == 200
    image = soup(shown).select_one("img.sign-in-qr")
    assert image is not None
    png = base64.b64decode(str(image["src"]).removeprefix("data:image/png;base64,"))
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert barcode.text.startswith("http://testserver/staff/link/")

    with second_browser(app) as phone:
        path = barcode.text.removeprefix("http://testserver")
        assert phone.post(path).headers["location"] == "/staff"
        assert NOTE in phone.get("/staff").text
        assert phone.post(path).status_code == 410

    # Sam has no staff account: no code, and the page says why.
    no_account = manager_client.post(
        f"/inbox/staff-sign-in/{world.sam.id}", data={"csrf_token": token}
    )
    assert no_account.status_code == 200
    assert soup(no_account).select_one("img.sign-in-qr") is None


def test_a_limited_manager_shows_codes_only_for_their_locations_staff(
    client: TestClient, session: Session, world: World
) -> None:
    """Maya works at the counter, Sam on the terrace: a terrace manager may show Sam's code."""
    make_staff(session, world)
    assert world.terrace.id is not None
    make_manager(
        session, world=world, email="lee@example.com", location_ids=frozenset({world.terrace.id})
    )
    log_in(client, "lee@example.com", PASSWORD)
    listed = client.get("/inbox/staff-sign-in")
    assert "Sam" in listed.text
    assert "Maya" not in listed.text
    token = csrf_token(client, "/inbox/staff-sign-in")
    refused = client.post(f"/inbox/staff-sign-in/{world.maya.id}", data={"csrf_token": token})
    assert refused.status_code == 404
    assert session.exec(select(StaffSignIn)).first() is None


def test_an_invitation_as_staff_names_the_employee_and_signs_in_to_the_staff_page(
    app: FastAPI, manager_client: TestClient, session: Session, world: World
) -> None:
    token = csrf_token(manager_client, "/admin/people")
    form = {"csrf_token": token, "email": "new.barista@example.com", "role": "staff"}
    missing = manager_client.post("/admin/people/invitations", data=form)
    assert missing.status_code == 422
    assert "Choose the employee this staff member is." in missing.text
    invited = manager_client.post(
        "/admin/people/invitations", data=form | {"employee_id": str(world.maya.id)}
    )
    assert invited.status_code == 200
    link = re.search(r"http://testserver(/invitations/\S+?)<", invited.text)
    assert link is not None
    with second_browser(app) as newcomer:
        joined = newcomer.post(
            link.group(1),
            data={"password": "a kettle sings at dawn", "password_again": "a kettle sings at dawn"},
        )
        assert joined.headers["location"] == "/staff"
        assert "Thank you, Maya" in newcomer.get("/staff").text
    reread(session)
    member = session.exec(select(Membership).where(Membership.role == Role.staff)).one()
    assert member.employee_id == world.maya.id
    # One employee, one staff member: a second invitation naming Maya is refused.
    again = manager_client.post(
        "/admin/people/invitations",
        data=form | {"email": "other@example.com", "employee_id": str(world.maya.id)},
    )
    assert again.status_code == 409


def test_an_owner_links_a_staff_member_to_an_employee_on_the_people_page(
    manager_client: TestClient, session: Session, world: World
) -> None:
    user = create_user(session=session, email=STAFF_EMAIL, password=PASSWORD)
    membership = add_membership(
        session=session, user=user, organisation=world.organisation, role=Role.staff
    )
    session.commit()
    token = csrf_token(manager_client, "/admin/people")
    page = manager_client.get("/admin/people")
    assert "not linked to an employee" in page.text
    saved = manager_client.post(
        f"/admin/people/{membership.id}",
        data={"csrf_token": token, "role": "staff", "employee_id": str(world.sam.id)},
    )
    assert saved.status_code == 303
    reread(session)
    assert session.get_one(Membership, membership.id).employee_id == world.sam.id


def test_two_factor_for_staff_is_off_by_default_and_an_owner_may_require_it(
    client: TestClient, session: Session, world: World
) -> None:
    membership = make_staff(session, world)
    organisation = session.get_one(Organisation, world.organisation.id)
    organisation.require_two_factor = True
    session.add(organisation)
    session.commit()
    assert client.post(link_path(session, membership)).status_code == 303
    assert client.get("/staff").status_code == 200  # required of managers and owners only

    reread(session)
    organisation = session.get_one(Organisation, world.organisation.id)
    organisation.require_two_factor_staff = True
    session.add(organisation)
    session.commit()
    sent_to_set_up = client.get("/staff")
    assert sent_to_set_up.headers["location"] == "/account/security"
    security = client.get("/account/security")
    assert "requires two-factor sign-in. Set it up to open your page." in security.text
    # Staff turn it on for themselves on the same pages; then their page opens again.
    turn_on(client)
    assert client.get("/staff").status_code == 200


def test_the_set_up_page_offers_two_factor_for_staff_off_by_default(
    manager_client: TestClient, session: Session, world: World
) -> None:
    page = soup(manager_client.get("/admin/organisation"))
    choice = page.select_one("input#require-two-factor-staff")
    assert choice is not None
    assert not choice.has_attr("checked")
    turn_on(manager_client)  # an owner turns it on for themselves before requiring it
    token = csrf_token(manager_client, "/admin/organisation")
    saved = manager_client.post(
        "/admin/organisation/two-factor",
        data={"csrf_token": token, "required": "on", "staff": "on"},
    )
    assert saved.status_code == 303
    reread(session)
    organisation = session.get_one(Organisation, world.organisation.id)
    assert (organisation.require_two_factor, organisation.require_two_factor_staff) == (True, True)
    checked = soup(manager_client.get("/admin/organisation")).select_one(
        "#require-two-factor-staff"
    )
    assert checked is not None
    assert checked.has_attr("checked")
