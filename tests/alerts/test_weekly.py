"""The owners' weekly summary on a frozen clock: who gets it, once a week, with the figures of
a week built here by hand."""

from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlmodel import Session, select

from api.accounts.service import create_user
from api.config import Settings
from api.models import AlertDelivery, AlertKind, AlertPreference, CardStatus, Role
from api.recognition.service import pass_on_compliment
from api.setup.organisations import add_owner
from api.tenancy import Tenant
from tests.alerts.helpers import Clock, drain, make_worker
from tests.client import TestClient
from tests.factories import World, make_card, make_manager, reread, step_card
from tests.helpers import csrf_token
from tests.smtp import SmtpServer

BERLIN = ZoneInfo("Europe/Berlin")
SUBJECTS = ("Weekly summary", "Résumé de la semaine")


def weekly(mail: SmtpServer) -> list[EmailMessage]:
    return [m for m in mail.messages if str(m["Subject"]).startswith(SUBJECTS)]


def plain(message: EmailMessage) -> str:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return "\n".join(text.splitlines())


def build_week(session: Session, world: World, monday: date) -> None:
    """Two cards the week before; six in the week, worked out by hand in the test."""

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(monday + timedelta(days=day), time(hour, minute), tzinfo=BERLIN)

    counter, terrace = world.counter_code, world.terrace_code
    make_card(session, code=counter, rating=5, created_at=at(-7, 12))
    make_card(session, code=counter, rating=3, created_at=at(-1, 23, 30))
    passed = make_card(
        session,
        code=world.maya_code,
        location_id=world.counter.id,
        rating=5,
        comment="Maya remembered my order",
        created_at=at(0, 0, 10),
    )
    make_card(
        session,
        code=counter,
        rating=5,
        comment="A longer comment, but nobody passed this one on to anyone",
        created_at=at(1, 11),
    )
    make_card(
        session,
        code=counter,
        rating=4,
        comment="The longest comment of the week, and only four stars for it, sadly",
        created_at=at(2, 9),
    )
    resolved = make_card(
        session,
        code=counter,
        rating=1,
        comment="Cold soup",
        contact_name="Pat Customer",
        contact_email="pat@customer.example",
        contact_phone="+44 7700 900123",
        wants_reply=True,
        created_at=at(3, 12),
    )
    step_card(session, resolved, CardStatus.acknowledged, at(3, 12) + timedelta(seconds=200))
    step_card(session, resolved, CardStatus.resolved, at(3, 13, 1))
    waiting = make_card(
        session, code=terrace, rating=1, comment="Waited forty minutes", created_at=at(4, 18)
    )
    step_card(session, waiting, CardStatus.acknowledged, at(4, 18, 30))
    make_card(session, code=terrace, rating=3, comment="", created_at=at(6, 23, 59))
    # Midnight in Berlin (23:00 UTC on Sunday) starts the next week: not counted.
    make_card(session, code=counter, rating=3, created_at=at(7, 0))
    owner = Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)
    pass_on_compliment(session=session, tenant=owner, card_id=passed.id, note="Well done")


def test_opted_in_owners_get_last_weeks_summary_once_in_their_language(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    organisation_id = world.organisation.id
    assert organisation_id is not None
    world.organisation.time_zone = "Europe/Berlin"
    session.add(world.organisation)
    session.commit()
    # The week being reported holds today: the compliment is passed on now, inside it.
    today = datetime.now(BERLIN).date()
    monday = today - timedelta(days=today.weekday())
    build_week(session, world, monday)

    partner = create_user(session=session, email="partner@example.com", password=world.password)
    add_owner(session=session, organisation=world.organisation, user=partner)
    quiet = create_user(session=session, email="quiet@example.com", password=world.password)
    add_owner(session=session, organisation=world.organisation, user=quiet)
    manager = make_manager(session, world=world, email="manager@example.com")
    limited = make_manager(
        session,
        world=world,
        email="terrace@example.com",
        location_ids=frozenset({world.terrace.id}),  # type: ignore[arg-type]
    )
    for person in (partner, manager, limited):
        session.add(
            AlertPreference(organisation_id=organisation_id, user_id=person.id, weekly_email=True)
        )
    session.commit()
    saved = manager_client.post(
        f"/admin/alerts/people/{world.owner.id}",
        data={
            "csrf_token": csrf_token(manager_client),
            "negative_email": "on",
            "digest_email": "on",
            "weekly_email": "on",
            "language": "fr",
        },
    )
    assert saved.status_code == 303, saved.text
    page = manager_client.get("/admin/alerts").text
    assert page.count('name="weekly_email"') == 3, "a choice for the three owners only"
    assert page.count('name="weekly_email" checked') == 2, "the owner's and the partner's"

    next_monday = monday + timedelta(days=7)
    clock = Clock(datetime.combine(next_monday, time(7, 59), tzinfo=BERLIN).astimezone(UTC))
    drain(make_worker(app, settings, clock))
    assert weekly(mail) == [], "not before the digest hour, 08:00 in Berlin"

    clock.advance(minutes=2)
    drain(make_worker(app, settings, clock))
    summaries = {str(m["To"]): m for m in weekly(mail)}
    assert sorted(summaries) == sorted(["partner@example.com", world.owner_email])

    sunday = monday + timedelta(days=6)
    english = plain(summaries["partner@example.com"])
    figures = english.split("Key figures\n")[1].split("\n\n")[0]
    assert figures.splitlines() == [
        "- Cards: 6 (before: 2)",
        "- Average rating: 3.17 (before: 4.00)",  # 19 / 6; (5 + 3) / 2
        "- Satisfied (4–5): 50 % (before: 50 %)",
        "- Concerns (1–2): 33 % (before: 0 %)",
        # Acknowledged after 3 min 20 s (the bin of 4) and 30 min: the median is the first.
        "- Concerns acknowledged, median: 4 min (before: —)",
        "- Concerns resolved, median: 61 min (before: —)",
        "- Concerns acknowledged within 10 min: 50 % (before: —)",
        "- Compliments passed on: 1 (before: 0)",
    ]
    compliment = english.split("Standout compliment\n")[1].split("\n\n")[0]
    assert "Rating: 5 of 5" in compliment
    assert "Comment: Maya remembered my order" in compliment, "passed on beats longer"
    assert "Who helped: Maya" in compliment
    complaint = english.split("Standout complaint\n")[1].split("\n\n")[0]
    assert "Comment: Waited forty minutes" in complaint, "the unresolved one first"
    assert "Where: Terrace" in complaint
    assert f"/analytics?range=custom&from={monday}&to={sunday}" in english

    french = summaries[world.owner_email]
    assert str(french["Subject"]).startswith("Résumé de la semaine du ")
    assert "- Cartes : 6 (avant : 2)" in plain(french)
    html = french.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert '<html lang="fr"' in html
    assert "Chiffres clés" in html
    assert "Maya remembered my order" in html
    for message in summaries.values():
        raw = message.as_string()
        for contact in ("Pat Customer", "pat@customer.example", "7700"):
            assert contact not in raw, "never the customer's contact details"

    clock.advance(hours=3)
    drain(make_worker(app, settings, clock))
    clock.advance(days=2)
    drain(make_worker(app, settings, clock))
    assert len(weekly(mail)) == 2, "once a week, however many passes"
    reread(session)
    keys = session.exec(
        select(AlertDelivery.idempotency_key).where(AlertDelivery.kind == AlertKind.weekly)
    ).all()
    assert sorted(keys) == sorted(
        f"tellus-weekly-{organisation_id}-{user_id}-{monday}"
        for user_id in (world.owner.id, partner.id)
    )

    url = str(summaries["partner@example.com"]["List-Unsubscribe"]).strip().strip("<>")
    stranger = TestClient(app, follow_redirects=False)
    try:
        asked = stranger.get(url.removeprefix("http://testserver"))
        assert "Stop the weekly summary emails from Harbour Café?" in asked.text
        done = stranger.post(url.removeprefix("http://testserver"))
        assert "You will no longer get the weekly summary" in done.text
    finally:
        stranger.close()

    clock.advance(days=5)
    drain(make_worker(app, settings, clock))
    assert sorted(str(m["To"]) for m in weekly(mail)) == sorted(
        ["partner@example.com", world.owner_email, world.owner_email]
    ), "the next week's, once more, but not to the owner who unsubscribed"
