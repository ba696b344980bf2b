"""When access ends, it ends at once: sessions, open streams, devices."""

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from api.inbox import pages_live as inbox_live
from api.models import Membership, PushSubscription, UserSession
from tests.accounts.test_two_factor import password_step
from tests.client import TestClient
from tests.factories import PASSWORD, World, make_manager, reread
from tests.helpers import csrf_token, second_browser, send_card_by_api
from tests.push import BrowserKeys, PushReceiver
from tests.sse import cards, is_event, open_stream, read_until

KIM = "kim@example.com"
# Far shorter than the streams' own periodic check (a minute): an ended stream ends by the
# access change itself, not by that check.
AT_ONCE = 5.0


@pytest.fixture(autouse=True)
def quick_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """A heartbeat every half second: a reader waiting in vain checks its deadline that often."""
    monkeypatch.setattr(inbox_live, "HEARTBEAT_SECONDS", 0.5)


def membership_id(session: Session, user_id: int | None) -> int:
    reread(session)
    row = session.exec(select(Membership).where(Membership.user_id == user_id)).one()
    assert row.id is not None
    return row.id


def sessions_of(session: Session, user_id: int | None) -> list[UserSession]:
    reread(session)
    return list(session.exec(select(UserSession).where(UserSession.user_id == user_id)))


@pytest.mark.parametrize("change", ["remove", "new role", "fewer locations"])
def test_a_changed_members_stream_and_sessions_end_at_once(
    change: str, app: FastAPI, manager_client: TestClient, session: Session, world: World
) -> None:
    kim = make_manager(session, world=world, email=KIM)
    token = csrf_token(manager_client, "/admin/people")
    member = membership_id(session, kim.id)
    with second_browser(app) as browser:
        password_step(browser, KIM, PASSWORD)
        with open_stream(browser) as stream:
            read_until(stream, is_event("ready"))
            if change == "remove":
                answer = manager_client.post(
                    f"/admin/people/{member}/remove", data={"csrf_token": token}
                )
            else:
                fields = {"role": "owner"} if change == "new role" else {"role": "manager"}
                if change == "fewer locations":
                    fields["location_ids"] = str(world.terrace.id)
                answer = manager_client.post(
                    f"/admin/people/{member}", data={"csrf_token": token, **fields}
                )
            assert answer.status_code == 303, answer.text
            send_card_by_api(
                manager_client, world.counter_code.token, comment="Sent after the change"
            )
            seen = read_until(stream, is_event("signed-out"), seconds=AT_ONCE)
        assert cards(seen) == []
        assert browser.get("/inbox").status_code == 303
    assert sessions_of(session, kim.id) == []


def test_signing_out_ends_that_browsers_stream_at_once(
    manager_client: TestClient, world: World
) -> None:
    token = csrf_token(manager_client)
    with open_stream(manager_client) as stream:
        read_until(stream, is_event("ready"))
        assert manager_client.post("/logout", data={"csrf_token": token}).status_code == 303
        seen = read_until(stream, is_event("signed-out"), seconds=AT_ONCE)
    assert cards(seen) == []


def test_someone_elses_access_change_leaves_a_stream_open(
    app: FastAPI, manager_client: TestClient, session: Session, world: World
) -> None:
    kim = make_manager(session, world=world, email=KIM)
    token = csrf_token(manager_client, "/admin/people")
    with open_stream(manager_client) as stream:
        read_until(stream, is_event("ready"))
        removed = manager_client.post(
            f"/admin/people/{membership_id(session, kim.id)}/remove", data={"csrf_token": token}
        )
        assert removed.status_code == 303
        send_card_by_api(manager_client, world.counter_code.token, comment="Still arrives")
        seen = read_until(stream, is_event("card"), seconds=AT_ONCE)
    assert cards(seen) == ["Still arrives"]


def test_removal_deletes_the_members_push_subscriptions(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    push_receiver: PushReceiver,
) -> None:
    kim = make_manager(session, world=world, email=KIM)
    with second_browser(app) as browser:
        password_step(browser, KIM, PASSWORD)
        subscribed = browser.post(
            "/inbox/push/subscribe",
            json=BrowserKeys().subscription(push_receiver.endpoint("kims-phone")),
            headers={"X-CSRF-Token": csrf_token(browser)},
        )
        assert subscribed.status_code == 201, subscribed.text
    token = csrf_token(manager_client, "/admin/people")
    member = membership_id(session, kim.id)
    assert manager_client.post(f"/admin/people/{member}/remove", data={"csrf_token": token})
    reread(session)
    assert (
        session.exec(select(PushSubscription).where(PushSubscription.user_id == kim.id)).all() == []
    )


def test_an_endpoint_someone_learned_does_not_take_over_its_owners_alerts(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    other_world: World,
    push_receiver: PushReceiver,
) -> None:
    endpoint = push_receiver.endpoint("owners-phone")
    owner_keys = BrowserKeys().subscription(endpoint)
    mine = manager_client.post(
        "/inbox/push/subscribe",
        json=owner_keys,
        headers={"X-CSRF-Token": csrf_token(manager_client)},
    )
    assert mine.status_code == 201
    with second_browser(app) as rival:
        password_step(rival, other_world.owner_email, PASSWORD)
        theirs = rival.post(
            "/inbox/push/subscribe",
            json=BrowserKeys().subscription(endpoint),
            headers={"X-CSRF-Token": csrf_token(rival)},
        )
        assert theirs.status_code == 201
    reread(session)
    rows = session.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).all()
    owners = [row for row in rows if row.user_id == world.owner.id]
    assert len(owners) == 1
    assert owners[0].organisation_id == world.organisation.id
    assert owners[0].p256dh == owner_keys["keys"]["p256dh"]


def test_signing_out_stops_the_alerts_that_browser_asked_for(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    push_receiver: PushReceiver,
) -> None:
    """A shared tablet: after the manager signs out, it never shows their alerts again; their
    phone, signed in elsewhere, keeps getting them."""
    headers = {"X-CSRF-Token": csrf_token(manager_client)}
    tablet = push_receiver.endpoint("tablet")
    subscribe = manager_client.post
    assert (
        subscribe(
            "/inbox/push/subscribe", json=BrowserKeys().subscription(tablet), headers=headers
        ).status_code
        == 201
    )
    with second_browser(app) as phone:
        password_step(phone, world.owner_email, PASSWORD)
        answer = phone.post(
            "/inbox/push/subscribe",
            json=BrowserKeys().subscription(push_receiver.endpoint("phone")),
            headers={"X-CSRF-Token": csrf_token(phone)},
        )
        assert answer.status_code == 201
    signed_out = manager_client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    assert signed_out.status_code == 303
    reread(session)
    endpoints = session.exec(
        select(PushSubscription.endpoint).where(PushSubscription.user_id == world.owner.id)
    ).all()
    assert [endpoint.rsplit("/", 1)[1] for endpoint in endpoints] == ["phone"]
