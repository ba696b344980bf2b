"""The live inbox: new cards and status changes pushed to an open inbox (Server-Sent Events).

The event table is the source of truth. A stream starts after the event id the page was rendered
at (`?after=`), or after `Last-Event-ID` when the browser reconnects, reads every later event of
the manager's organisation (and locations), and then waits for a wake-up (api.inbox.wakeups)
before reading again. Each message carries its event id, so a reconnect resumes without loss.
"""

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlmodel import Session
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.accounts.service import SignedIn
from api.errors import LoginRequired
from api.inbox.card_query import InboxFilter
from api.inbox.events import latest_event_id
from api.inbox.inbox_page import kept_query, read_filters
from api.inbox.live import CardChange, read_changes
from api.inbox.schemas import CardOut
from api.models import EventKind
from api.runtime import Runtime
from api.templating import templates
from api.web.deps import RuntimeDep, StreamingManager, get_signed_in_briefly
from api.web.ids import parse_id

router = APIRouter(include_in_schema=False)
HEARTBEAT_SECONDS = 15
# Every stream also reads its session again this often (an access change makes it do so at once).
SESSION_CHECK_SECONDS = 60
RECONNECT_MILLISECONDS = 2000
BATCH = 100
SEND_TIMEOUT_SECONDS = 30
# Changes the inbox row shows (its status badge, assignee, tags, a reply): the row is sent again.
ROW_CHANGES = (
    EventKind.card_status,
    EventKind.card_replied,
    EventKind.card_assigned,
    EventKind.card_tagged,
    EventKind.card_untagged,
    EventKind.card_passed_on,
    EventKind.card_shared,
)


@router.get("/inbox/stream")
async def inbox_stream(
    request: Request,
    manager: StreamingManager,
    runtime: RuntimeDep,
    after: Annotated[str | None, Query(max_length=20)] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> EventSourceResponse:
    """New cards as inbox rows, status changes, and the unread count, after `Last-Event-ID`
    (or `?after=`)."""
    filters = read_filters(kept_query(request.query_params), manager, before=None)
    start = parse_id(last_event_id)
    if start is None:
        start = parse_id(after)
    if start is None:
        start = await run_in_threadpool(newest_for, runtime.engine, manager)
    return EventSourceResponse(
        live_messages(request, manager, filters, start, runtime=runtime),
        ping=HEARTBEAT_SECONDS,
        send_timeout=SEND_TIMEOUT_SECONDS,
    )


def newest_for(engine: Engine, manager: SignedIn) -> int:
    with Session(engine) as session:
        return latest_event_id(session=session, tenant=manager.tenant)


async def live_messages(
    request: Request, manager: SignedIn, filters: InboxFilter, after_id: int, *, runtime: Runtime
) -> AsyncIterator[ServerSentEvent]:
    """Everything after `after_id`, then `ready`, then each change as it is committed."""
    wakeups, engine = runtime.wakeups, runtime.engine
    organisation_id = manager.tenant.organisation_id
    yield ServerSentEvent(retry=RECONNECT_MILLISECONDS, comment="Tellus live inbox")
    with wakeups.stream():
        ready = False
        check_session_at = time.monotonic() + SESSION_CHECK_SECONDS
        while True:
            # Taken before the read: a change committed after the read wakes the wait below.
            ticket = wakeups.ticket(organisation_id)
            batch = await run_in_threadpool(
                read_changes, engine=engine, tenant=manager.tenant, after_id=after_id, limit=BATCH
            )
            if time.monotonic() >= check_session_at:
                # After the read, before showing it: a session that moved on or ended before a
                # card was stored is seen here, so the page shows nothing stored after that.
                checked = await recheck(request, runtime, organisation_id)
                if isinstance(checked, str):
                    yield ServerSentEvent(event=checked, data="")
                    return
                manager, check_session_at = checked, time.monotonic() + SESSION_CHECK_SECONDS
            counted = False
            for change in batch.changes:
                message = change_message(request, manager, filters, change, unread=batch.unread)
                if message is not None:
                    counted = batch.unread is not None
                    yield message
            after_id = batch.last_event_id
            if batch.unread is not None and not counted:
                # The count changed by cards this page's filters leave out: it still leads the
                # title and badges the app. With the batch's last id, as a card message has.
                data = json.dumps({"unread": batch.unread})
                yield ServerSentEvent(event="unread", id=str(after_id), data=data)
            if batch.access_changed:
                # Someone was removed, given a new role or signed out: if it is this stream's
                # person, it ends now, in whichever process it runs.
                check_session_at = 0.0
            elif batch.more:
                continue
            elif not ready:
                # Caught up: the page can say it is live. Its id also moves a reconnect past
                # events this page's filters left out.
                yield ServerSentEvent(event="ready", id=str(after_id), data=str(after_id))
                ready = True
            if time.monotonic() < check_session_at:
                await wakeups.wait(ticket)


async def recheck(request: Request, runtime: Runtime, organisation_id: int) -> SignedIn | str:
    """The manager, read again from the session; or why the stream ends: "signed-out", or
    "stale" when the session moved to another organisation (in another tab)."""
    try:
        manager = await run_in_threadpool(get_signed_in_briefly, request, runtime)
    except LoginRequired:
        return "signed-out"
    if manager.tenant.organisation_id != organisation_id:
        return "stale"
    return manager


def change_message(
    request: Request,
    manager: SignedIn,
    filters: InboxFilter,
    change: CardChange,
    *,
    unread: int | None = None,
) -> ServerSentEvent | None:
    """A new card as its inbox row (if this page's filters admit it), or a row to update; with
    the count of unread cards when it may have changed."""
    if change.kind == EventKind.card_created:
        if not filters.admits(change.card):
            return None
        name = "card"
    elif change.kind in ROW_CHANGES:
        name = "status"
    else:
        return None
    data: dict[str, Any] = {
        "card_id": change.card.id,
        "status": change.card.status,
        "html": render_row(request, manager, change.card),
    }
    if unread is not None:
        data["unread"] = unread
    return ServerSentEvent(event=name, id=str(change.event_id), data=json.dumps(data))


def render_row(request: Request, manager: SignedIn, card: CardOut) -> str:
    """The same partial as the inbox page's rows, with the same context a page gets."""
    context: dict[str, Any] = {"request": request, "manager": manager, "card": card}
    for processor in templates.context_processors:
        context.update(processor(request))
    return templates.get_template("inbox/_row.html").render(context).strip()
