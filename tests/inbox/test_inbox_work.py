"""Working a card from the inbox: assignment, internal notes, tags and the audit trail."""

from bs4 import BeautifulSoup
from sqlmodel import Session, col, select

from api.models import Card, Event
from tests.client import TestClient
from tests.factories import World, make_card, make_manager, reread
from tests.helpers import csrf_token


def page(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def history(client: TestClient, card: Card) -> list[str]:
    soup = page(client, f"/inbox/{card.id}")
    return [" ".join(item.get_text(" ").split()) for item in soup.select(".history li")]


def events_of(session: Session, card: Card) -> list[tuple[str, int | None, dict]]:
    reread(session)
    rows = session.exec(select(Event).where(Event.card_id == card.id).order_by(col(Event.id)))
    return [(row.kind, row.actor_id, row.data) for row in rows]


def test_assign_to_a_manager_who_sees_the_location_then_unassign(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code, comment="Table wobbles")
    assert world.counter.id is not None
    assert world.terrace.id is not None
    counter = make_manager(
        session, world=world, email="kim@example.com", location_ids=frozenset({world.counter.id})
    )
    terrace = make_manager(
        session, world=world, email="lou@example.com", location_ids=frozenset({world.terrace.id})
    )
    options = [
        o.get_text()
        for o in page(manager_client, f"/inbox/{card.id}").select("form[action$='/assign'] option")
    ]
    assert "kim@example.com" in options
    assert "lou@example.com" not in options

    token = csrf_token(manager_client)
    refused = manager_client.post(
        f"/inbox/{card.id}/assign", data={"csrf_token": token, "assignee": str(terrace.id)}
    )
    assert refused.status_code == 422
    assert "cannot see that card" in refused.text
    reread(session)
    assert session.get(Card, card.id).assignee_id is None

    done = manager_client.post(
        f"/inbox/{card.id}/assign", data={"csrf_token": token, "assignee": str(counter.id)}
    )
    assert done.status_code == 303
    reread(session)
    assert session.get(Card, card.id).assignee_id == counter.id
    row = page(manager_client, "/inbox").select_one(f"#card-{card.id} .row-assignee")
    assert row is not None
    assert "kim@example.com" in row.get_text()

    manager_client.post(f"/inbox/{card.id}/assign", data={"csrf_token": token, "assignee": ""})
    assigned = [e for e in events_of(session, card) if e[0] == "card.assigned"]
    assert [e[2] for e in assigned] == [
        {"from": None, "to": counter.id},
        {"from": counter.id, "to": None},
    ]
    assert assigned[0][1] == world.owner.id
    trail = history(manager_client, card)
    assert any("assignee nobody → kim@example.com" in line for line in trail), trail
    assert any("assignee kim@example.com → nobody" in line for line in trail), trail


def test_notes_are_kept_escaped_and_recorded(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    token = csrf_token(manager_client)
    empty = manager_client.post(f"/inbox/{card.id}/notes", data={"csrf_token": token, "body": " "})
    assert empty.status_code == 422
    note = "<b>Called back</b>, offered a coffee"
    added = manager_client.post(f"/inbox/{card.id}/notes", data={"csrf_token": token, "body": note})
    assert added.status_code == 303
    soup = page(manager_client, f"/inbox/{card.id}")
    assert [n.get_text() for n in soup.select(".note-body")] == [note]
    assert soup.select_one(".note-body b") is None
    kinds = [kind for kind, _, _ in events_of(session, card)]
    assert kinds == ["card.created", "card.note"]
    assert any("added a note" in line for line in history(manager_client, card))


def test_tags_added_removed_filtered_and_in_the_trail(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code, comment="Cold soup")
    other = make_card(session, code=world.counter_code, comment="Warm soup")
    token = csrf_token(manager_client)
    for tag in ("kitchen", "  kitchen ", "urgent"):
        response = manager_client.post(
            f"/inbox/{card.id}/tags", data={"csrf_token": token, "tag": tag}
        )
        assert response.status_code == 303
    too_long = manager_client.post(
        f"/inbox/{card.id}/tags", data={"csrf_token": token, "tag": "x" * 41}
    )
    assert too_long.status_code == 422
    soup = page(manager_client, f"/inbox/{card.id}")
    assert [t.contents[0].strip() for t in soup.select(".tag-list .tag")] == ["kitchen", "urgent"]

    listed = page(manager_client, "/inbox?tag=kitchen")
    assert [r.get_text(strip=True) for r in listed.select(".row-comment")] == ["Cold soup"]
    assert other.id is not None

    manager_client.post(
        f"/inbox/{card.id}/tags/remove", data={"csrf_token": token, "tag": "urgent"}
    )
    kinds = [(kind, data) for kind, _, data in events_of(session, card)][1:]
    assert kinds == [
        ("card.tagged", {"tag": "kitchen"}),
        ("card.tagged", {"tag": "urgent"}),
        ("card.untagged", {"tag": "urgent"}),
    ]
    trail = history(manager_client, card)
    assert any("removed tag urgent" in line for line in trail), trail


def test_audit_trail_lists_every_change_with_who_and_when(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    token = csrf_token(manager_client)
    manager_client.post(f"/inbox/{card.id}/acknowledge", data={"csrf_token": token})
    manager_client.post(f"/inbox/{card.id}/resolve", data={"csrf_token": token})
    trail = history(manager_client, card)
    assert len(trail) == 3
    assert "Customer sent the card" in trail[0]
    assert f"{world.owner_email} status new → acknowledged" in trail[1]
    assert f"{world.owner_email} status acknowledged → resolved" in trail[2]
    soup = page(manager_client, f"/inbox/{card.id}")
    assert all(t.get("datetime") for t in soup.select(".history time"))


def test_the_trail_names_every_kind_of_event_in_words_and_resolved_shows_once(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    token = csrf_token(manager_client)
    manager_client.post(f"/inbox/{card.id}/replies", data={"csrf_token": token, "body": "Sorry"})
    manager_client.post(f"/inbox/{card.id}/resolve", data={"csrf_token": token})

    trail = history(manager_client, card)
    detail = page(manager_client, f"/inbox/{card.id}").select_one(".card-detail")

    assert any(f"{world.owner_email} replied to the customer" in line for line in trail), trail
    assert not any("card." in line for line in trail), "a raw event key is shown"
    assert detail is not None
    assert detail.get_text(" ").count("Resolved") == 1, detail.get_text(" ")


def test_bulk_actions_change_every_selected_card(
    manager_client: TestClient, world: World, session: Session
) -> None:
    cards = [make_card(session, code=world.counter_code, comment=f"Bulk {n}") for n in range(3)]
    token = csrf_token(manager_client)
    selected = [str(card.id) for card in cards[:2]]
    soup = page(manager_client, "/inbox")
    boxes = soup.select("input[type=checkbox][name=card][form=bulk]")
    assert len(boxes) == 3
    assert soup.select_one("form#bulk") is not None

    done = manager_client.post(
        "/inbox/bulk?status=new&q=bulk",
        data={"csrf_token": token, "action": "resolve", "card": selected},
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/inbox?q=bulk&status=new"
    reread(session)
    assert [session.get(Card, card.id).status for card in cards] == ["resolved", "resolved", "new"]

    tagged = manager_client.post(
        "/inbox/bulk",
        data={"csrf_token": token, "action": "tag", "tag": "weekend", "card": selected},
    )
    assert tagged.status_code == 303
    assert len(page(manager_client, "/inbox?tag=weekend").select(".card-row")) == 2
    assigned = manager_client.post(
        "/inbox/bulk",
        data={
            "csrf_token": token,
            "action": "assign",
            "assignee": str(world.owner.id),
            "card": selected,
        },
    )
    assert assigned.status_code == 303
    assert len(page(manager_client, "/inbox?assignee=me").select(".card-row")) == 2
    assert len(page(manager_client, "/inbox?assignee=none").select(".card-row")) == 1


def test_bulk_is_all_or_nothing(
    manager_client: TestClient, world: World, other_world: World, session: Session
) -> None:
    mine = make_card(session, code=world.counter_code)
    theirs = make_card(session, code=other_world.counter_code)
    token = csrf_token(manager_client)
    refused = manager_client.post(
        "/inbox/bulk",
        data={"csrf_token": token, "action": "resolve", "card": [str(mine.id), str(theirs.id)]},
    )
    assert refused.status_code == 404
    missing = manager_client.post(
        "/inbox/bulk",
        data={"csrf_token": token, "action": "resolve", "card": [str(mine.id), "999999"]},
    )
    assert missing.status_code == 404
    reread(session)
    assert session.get(Card, mine.id).status == "new"
    assert session.get(Card, theirs.id).status == "new"
    assert [kind for kind, _, _ in events_of(session, mine)] == ["card.created"]

    nothing = manager_client.post("/inbox/bulk", data={"csrf_token": token, "action": "resolve"})
    assert nothing.status_code == 422
    assert "Select at least one card" in nothing.text
    no_one = manager_client.post(
        "/inbox/bulk", data={"csrf_token": token, "action": "assign", "card": [str(mine.id)]}
    )
    assert no_one.status_code == 422
    # The selection is kept for another try.
    kept = BeautifulSoup(no_one.text, "html.parser").select("input[name=card][checked]")
    assert [box["value"] for box in kept] == [str(mine.id)]


def test_bulk_assign_refuses_a_manager_who_cannot_see_one_card(
    manager_client: TestClient, world: World, session: Session
) -> None:
    counter_card = make_card(session, code=world.counter_code)
    terrace_card = make_card(session, code=world.terrace_code)
    assert world.counter.id is not None
    kim = make_manager(
        session, world=world, email="kim@example.com", location_ids=frozenset({world.counter.id})
    )
    token = csrf_token(manager_client)
    refused = manager_client.post(
        "/inbox/bulk",
        data={
            "csrf_token": token,
            "action": "assign",
            "assignee": str(kim.id),
            "card": [str(counter_card.id), str(terrace_card.id)],
        },
    )
    assert refused.status_code == 422
    reread(session)
    assert session.get(Card, counter_card.id).assignee_id is None
