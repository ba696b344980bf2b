"""Each person's own language: chosen under Security, spoken by every signed-in page (set-up
too) and by the emails sent to them; "" follows the browser."""

from bs4 import BeautifulSoup
from fastapi import FastAPI
from httpx2 import Response
from sqlmodel import Session

from api.config import Settings
from api.models import AlertPreference, User
from tests.alerts.helpers import Clock, drain, make_worker
from tests.client import TestClient
from tests.customer.test_follow_up import send_secret_card
from tests.factories import World, reread
from tests.helpers import csrf_token, send_card
from tests.people.test_people import invite
from tests.smtp import SmtpServer


def speak(session: Session, user: User, language: str) -> None:
    user.language = language
    session.add(user)
    session.commit()


def language_of(session: Session, user: User) -> str:
    reread(session)
    stored = session.get(User, user.id)
    assert stored is not None
    return stored.language


def page_of(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def choose(client: TestClient, language: str) -> Response:
    token = csrf_token(client, "/account/security")
    return client.post(
        "/account/security/language", data={"csrf_token": token, "language": language}
    )


def test_a_manager_with_a_language_gets_the_inbox_in_it_whatever_the_browser_says(
    manager_client: TestClient, session: Session, world: World
) -> None:
    speak(session, world.owner, "fr")

    for browser in ("de", "en-US", "zh-CN"):
        page = page_of(manager_client.get("/inbox", headers={"Accept-Language": browser}))
        assert page.html is not None
        assert page.html["lang"] == "fr"
        assert page.select_one("title").get_text().startswith("Boîte de réception")


def test_without_a_language_pages_follow_the_browser(
    manager_client: TestClient, session: Session, world: World
) -> None:
    speak(session, world.owner, "")

    german = page_of(manager_client.get("/inbox", headers={"Accept-Language": "de"}))
    spanish = page_of(manager_client.get("/analytics", headers={"Accept-Language": "es-MX"}))

    assert german.html is not None
    assert german.html["lang"] == "de"
    assert spanish.html is not None
    assert spanish.html["lang"] == "es"


def test_the_security_page_offers_the_languages_in_their_own_names_and_saves_one(
    manager_client: TestClient, session: Session, world: World
) -> None:
    page = page_of(manager_client.get("/account/security", headers={"Accept-Language": "en"}))
    options = [option.get_text() for option in page.select("#account-language option")]
    assert options[0] == "Browser's language"
    assert {"Deutsch", "Français", "Español", "Português", "العربية", "English"} <= set(options)
    assert any(option.startswith("中文") for option in options)

    answer = choose(manager_client, "de")

    assert answer.status_code == 303
    assert language_of(session, world.owner) == "de"
    done = page_of(manager_client.get(answer.headers["location"]))
    assert done.html is not None
    assert done.html["lang"] == "de"
    assert "Gespeichert" in done.get_text()
    selected = done.select_one("#account-language option[selected]")
    assert selected is not None
    assert selected["value"] == "de"


def test_an_unknown_language_is_refused_and_nothing_changes(
    manager_client: TestClient, session: Session, world: World
) -> None:
    speak(session, world.owner, "pt")

    answer = choose(manager_client, "tlh")

    assert answer.status_code == 422
    assert "idiomas da lista" in page_of(answer).get_text()
    assert language_of(session, world.owner) == "pt"
    assert choose(manager_client, "").status_code == 303
    assert language_of(session, world.owner) == ""


def test_set_up_pages_speak_the_persons_language_right_to_left_too(
    manager_client: TestClient, session: Session, world: World
) -> None:
    speak(session, world.owner, "ar")

    for path in ("/admin/api-keys", "/admin/alerts", "/admin/print", "/admin/data"):
        page = page_of(manager_client.get(path, headers={"Accept-Language": "en"}))
        assert page.html is not None
        assert (page.html["lang"], page.html["dir"]) == ("ar", "rtl"), path
        assert page.select_one("h1").get_text() == "الإعداد", path


def test_a_form_error_on_a_set_up_page_is_in_the_persons_language(
    manager_client: TestClient, session: Session, world: World
) -> None:
    speak(session, world.owner, "de")
    token = csrf_token(manager_client, "/admin/alerts")

    answer = manager_client.post(
        "/admin/alerts",
        data={
            "csrf_token": token,
            "escalation_minutes": "0",
            "digest_hour": "8",
            "compliment_reminder_days": "3",
        },
    )

    assert answer.status_code == 422
    assert "Bitte geben Sie 1 oder mehr ein." in page_of(answer).get_text()


def test_a_password_reset_email_to_a_german_speaking_user_is_in_german(
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    speak(session, world.owner, "de")

    client.post(
        "/forgot-password", data={"email": world.owner_email}, headers={"Accept-Language": "en"}
    )

    [message] = smtp_server.inbox.wait_for(1)
    assert message["Subject"] == "Neues Passwort für Tellus festlegen"
    assert "30 Minuten" in message.get_content()


def test_a_password_reset_email_without_a_language_is_in_the_pages(
    client: TestClient, world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.smtp_url = smtp_server.url

    client.post(
        "/forgot-password", data={"email": world.owner_email}, headers={"Accept-Language": "es"}
    )

    [message] = smtp_server.inbox.wait_for(1)
    assert message["Subject"] == "Elige una nueva contraseña de Tellus"


def test_an_email_change_is_confirmed_in_the_persons_language(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    speak(session, world.owner, "fr")
    token = csrf_token(manager_client, "/account/security/email")

    manager_client.post(
        "/account/security/email",
        data={"csrf_token": token, "new_email": "new@example.com", "password": world.password},
    )

    messages = smtp_server.inbox.wait_for(2)
    subjects = {message["To"]: message["Subject"] for message in messages}
    assert subjects["new@example.com"] == "Confirmez votre nouvelle adresse e-mail Tellus"
    assert subjects[world.owner_email] == "Votre adresse e-mail Tellus va changer"


def test_alerts_without_a_language_of_their_own_are_in_the_persons(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    assert world.owner.id is not None
    assert world.organisation.id is not None
    world.organisation.default_language = "fr"
    session.add(world.organisation)
    session.add(AlertPreference(organisation_id=world.organisation.id, user_id=world.owner.id))
    session.commit()
    speak(session, world.owner, "es")
    send_card(client, world.maya_code.token, rating=1, comment="Nadie vino")

    clock = Clock()
    clock.advance(minutes=3)
    drain(make_worker(app, settings, clock))

    message = smtp_server.inbox.wait_for(1)[0]
    assert "Cuándo: " in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_the_same_instant_reads_the_same_on_the_follow_up_page_and_in_the_inbox(
    client: TestClient, manager_client: TestClient, session: Session, world: World
) -> None:
    world.organisation.time_zone = "Asia/Tokyo"
    session.add(world.organisation)
    session.commit()
    speak(session, world.owner, "fr")
    path = send_secret_card(client, world, lang="fr")

    customer = page_of(client.get(path)).select_one(".step time")
    inbox = page_of(manager_client.get("/inbox")).select_one("time")

    assert customer is not None
    assert inbox is not None
    assert customer["datetime"][:19] == inbox["datetime"][:19]
    assert customer.get_text() == inbox.get_text()


def test_an_invitation_is_in_the_language_the_inviter_picks_else_the_organisations(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    world.organisation.default_language = "es"
    session.add(world.organisation)
    session.commit()

    invite(manager_client, "lee@example.com", language="pt")
    invite(manager_client, "kim@example.com")

    subjects = {message["To"]: message["Subject"] for message in smtp_server.inbox.wait_for(2)}
    assert subjects["lee@example.com"] == f"Convite para {world.organisation.name} no Tellus"
    assert subjects["kim@example.com"] == f"Invitación a {world.organisation.name} en Tellus"
    assert invite(manager_client, "ray@example.com", language="tlh").status_code == 422
