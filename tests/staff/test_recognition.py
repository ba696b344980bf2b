"""Recognition on the staff page: a staff member lists and downloads only their own
certificates (another person's or organisation's is a 404), and sees the leaderboard only when
an owner shares it with staff."""

from datetime import UTC, datetime

from sqlmodel import Session

from api.models import Card, Certificate, Organisation, Role
from api.recognition.certificates import save_certificate
from api.recognition.periods import last_days
from api.recognition.service import pass_on_compliment
from api.tenancy import Tenant
from tests.client import TestClient
from tests.factories import World, make_card, reread
from tests.helpers import soup
from tests.printing.pdf import A4, LETTER, needs_print_tools, page_sizes, sheet_text
from tests.staff.test_staff import link_path, make_staff

MISSING = 999999
PERIOD = last_days(datetime.now(UTC).date())


def certificate_for(session: Session, world: World, employee_id: int, words: str) -> Certificate:
    """A compliment for the employee, passed on, and their certificate quoting it."""
    card = make_card(session, code=world.counter_code, rating=5, comment=words)
    owner = Tenant(
        organisation_id=world.organisation.id or 0, role=Role.owner, user_id=world.owner.id
    )
    passed_on(session, owner, card, employee_id)
    return save_certificate(
        session=session,
        tenant=owner,
        signer="Ada Owner",
        employee_id=employee_id,
        period=PERIOD,
        quote_card_ids=[card.id or 0],
    )


def passed_on(session: Session, owner: Tenant, card: Card, employee_id: int) -> None:
    card.employee_id = employee_id
    session.add(card)
    session.commit()
    pass_on_compliment(session=session, tenant=owner, card_id=card.id or 0, note="Thank you")


def sign_in_as_maya(client: TestClient, session: Session, world: World) -> None:
    assert client.post(link_path(session, make_staff(session, world))).status_code == 303


@needs_print_tools
def test_staff_list_and_download_only_their_own_certificates(
    client: TestClient, session: Session, world: World, other_world: World
) -> None:
    mine = certificate_for(session, world, world.maya.id or 0, "Maya knew my order by heart")
    sams = certificate_for(session, world, world.sam.id or 0, "Sam found my lost scarf")
    rivals = certificate_for(session, other_world, other_world.maya.id or 0, "Rival praise")
    sign_in_as_maya(client, session, world)

    page = soup(client.get("/staff"))
    section = page.select_one("[aria-labelledby=certificates-title]")
    assert section is not None
    links = [str(link["href"]) for link in section.select("a[download]")]
    assert links == [
        f"/staff/certificates/{mine.id}.pdf?paper=a4",
        f"/staff/certificates/{mine.id}.pdf?paper=letter",
    ]
    assert PERIOD.describe("en") in section.get_text()
    for paper, size in (("a4", A4), ("letter", LETTER)):
        answer = client.get(f"/staff/certificates/{mine.id}.pdf?paper={paper}")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert page_sizes(answer.content) == [size[::-1]], "one landscape page"
        text = " ".join(sheet_text(answer.content).split())
        assert "Maya" in text
        assert "Maya knew my order by heart" in text

    missing = client.get(f"/staff/certificates/{MISSING}.pdf")
    assert missing.status_code == 404
    for other in (sams, rivals):
        refused = client.get(f"/staff/certificates/{other.id}.pdf")
        assert refused.status_code == 404
        assert refused.text == missing.text
    wrong_paper = client.get(f"/staff/certificates/{mine.id}.pdf?paper=legal")
    assert wrong_paper.status_code == 422


def test_the_leaderboard_shows_only_when_an_owner_shares_it_with_staff(
    client: TestClient, session: Session, world: World
) -> None:
    owner = Tenant(organisation_id=world.organisation.id or 0, role=Role.owner)
    for employee_id, count in ((world.maya.id, 2), (world.sam.id, 1)):
        for _ in range(count):
            card = make_card(session, code=world.counter_code, rating=5)
            passed_on(session, owner, card, employee_id or 0)
    sign_in_as_maya(client, session, world)
    assert soup(client.get("/staff")).select_one("[aria-labelledby=leaderboard-title]") is None

    organisation = session.get_one(Organisation, world.organisation.id)
    organisation.leaderboard_for_staff = True
    organisation.leaderboard_minimum = 1
    session.add(organisation)
    session.commit()
    page = soup(client.get("/staff"))
    board = page.select_one("[aria-labelledby=leaderboard-title]")
    assert board is not None
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td, th")]
        for row in board.select("tbody tr")
    ]
    assert rows == [["1", "Maya", "2"], ["2", "Sam", "1"]]
    own = board.select_one("tr[aria-current]")
    assert own is not None
    assert "Maya" in own.get_text()

    reread(session)
    organisation = session.get_one(Organisation, world.organisation.id)
    organisation.leaderboard_minimum = 3
    session.add(organisation)
    session.commit()
    board = soup(client.get("/staff")).select_one("[aria-labelledby=leaderboard-title]")
    assert board is not None
    assert board.select("tbody tr") == []
    assert "Nobody has 3 passed-on compliments" in board.get_text()
