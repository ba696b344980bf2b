"""The customer's private follow-up page, /f/{token}: seen, the replies and resolved, live.

Like the card pages it sets no cookie and needs no login; it also keeps itself out of search
engines and sends no Referer, so the token in its address goes nowhere else. The stream is fed by
the event table like /inbox/stream, but reads only this one card's events and sends the card's
state as the page shows it.
"""

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import Response

from api.customer.follow_up.schemas import FollowUpOut, FollowUpReply
from api.customer.follow_up.service import (
    PRIVATE_HEADERS,
    FollowUp,
    card_events_after,
    read_follow_up,
)
from api.customer.rendering import render_page
from api.errors import NotFound, error_responses
from api.i18n import set_page_language
from api.inbox.wakeups import Wakeups
from api.templating import templates
from api.web.deps import EngineDep, WakeupsDep
from api.web.ids import parse_id

router = APIRouter()
HEARTBEAT_SECONDS = 15
RECONNECT_MILLISECONDS = 2000
SEND_TIMEOUT_SECONDS = 30


@router.get("/f/{token}", include_in_schema=False)
async def follow_up_page(request: Request, token: str, engine: EngineDep) -> Response:
    """What became of the customer's card, in the card's language; live with JavaScript."""
    follow = await run_in_threadpool(read_follow_up, engine=engine, token=token)
    set_page_language(request, default=follow.language, chosen=follow.language)
    response = render_page(
        request,
        "customer/follow_up/page.html",
        {
            "follow": follow,
            "token": token,
            "stream_url": f"/f/{token}/stream?after={follow.last_event_id}",
            "withdraw_url": f"/f/{token}/share/withdraw",
        },
    )
    response.headers.update(PRIVATE_HEADERS)
    return response


@router.get("/f/{token}/stream", include_in_schema=False)
async def follow_up_stream(
    request: Request,
    token: str,
    engine: EngineDep,
    wakeups: WakeupsDep,
    after: Annotated[str | None, Query(max_length=20)] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> EventSourceResponse:
    """The card's state again each time something happens to it (after `Last-Event-ID`)."""
    follow = await run_in_threadpool(read_follow_up, engine=engine, token=token)
    set_page_language(request, default=follow.language, chosen=follow.language)
    start = parse_id(last_event_id)
    if start is None:
        start = parse_id(after)
    return EventSourceResponse(
        state_messages(
            request,
            token,
            follow,
            follow.last_event_id if start is None else start,
            engine=engine,
            wakeups=wakeups,
        ),
        ping=HEARTBEAT_SECONDS,
        send_timeout=SEND_TIMEOUT_SECONDS,
        headers=PRIVATE_HEADERS,
    )


async def state_messages(
    request: Request,
    token: str,
    follow: FollowUp,
    after_id: int,
    *,
    engine: Engine,
    wakeups: Wakeups,
) -> AsyncIterator[ServerSentEvent]:
    """After each new event of this card, its state as the page's partial renders it."""
    yield ServerSentEvent(retry=RECONNECT_MILLISECONDS, comment="Tellus follow-up")
    ready = False
    with wakeups.stream():
        while True:
            # Taken before the read: an event committed after the read wakes the wait below.
            ticket = wakeups.ticket(follow.organisation_id)
            newest = await run_in_threadpool(
                card_events_after, engine=engine, card_id=follow.card_id, after_id=after_id
            )
            if newest is not None:
                try:
                    follow = await run_in_threadpool(read_follow_up, engine=engine, token=token)
                except NotFound:
                    return  # the card was deleted: the reconnect gets a 404 and stops
                data = {"status": follow.status, "html": render_state(request, follow)}
                yield ServerSentEvent(event="state", id=str(newest), data=json.dumps(data))
                after_id = newest
            if not ready:
                # Caught up: what a page or a test waits for before it expects news.
                yield ServerSentEvent(event="ready", id=str(after_id), data=str(after_id))
                ready = True
            await wakeups.wait(ticket)


def render_state(request: Request, follow: FollowUp) -> str:
    """The same partial as the page's, with the context a page gets."""
    context: dict[str, Any] = {"request": request, "follow": follow}
    for processor in templates.context_processors:
        context.update(processor(request))
    return templates.get_template("customer/follow_up/_state.html").render(context).strip()


@router.get("/api/v1/follow-up/{token}", tags=["public"], responses=error_responses(404, 503))
async def read_follow_up_json(token: str, engine: EngineDep) -> FollowUpOut:
    """Public, for whoever holds the token: the card's state and replies, nothing internal."""
    follow = await run_in_threadpool(read_follow_up, engine=engine, token=token)
    return FollowUpOut(
        organisation=follow.organisation_name,
        status=follow.status,
        created_at=follow.created_at,
        seen=follow.seen_at is not None,
        seen_at=follow.seen_at,
        closed_at=follow.closed_at,
        replies=[FollowUpReply(body=r.body, created_at=r.created_at) for r in follow.replies],
        passed_on=follow.passed_on_to is not None,
        passed_on_to=follow.passed_on_to,
        passed_on_at=follow.passed_on_at,
        shared=follow.share,
    )
