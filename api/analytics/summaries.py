"""Keeping the summary tables: counted in the transaction that writes the card's event.

Every change that analytics counts (a card, a step past seen, a reply, a compliment passed on)
writes an event through api.inbox.events.record_event, which calls `count_event` in the same
transaction: the figures are never ahead of, nor behind, the cards. Deleting a card touches no
summary, so old figures outlive the retention of old cards. Each count goes to its quarter-hour
row and to the row of each longer block (SPANS_OF: UTC hours, days and runs of days) holding it.
"""

import math
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Table, delete, func, insert, literal
from sqlalchemy import select as select_core
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from api.db_direct import execute_many
from api.models import (
    AnalyticsBucket,
    AnalyticsResponse,
    AnalyticsSpan,
    AnalyticsSpanResponse,
    Card,
    CardStatus,
    Event,
    EventKind,
    PassOn,
    Reply,
)

QUARTER_SECONDS = 900
# The blocks the counts are summed in again, in quarter-hours, each a multiple of the one before:
# a UTC day, 8 days, 64 days, and for the cards also an hour (the series and the heatmap read a
# long period hour by hour; response times are read as totals, so whole days serve them).
SPANS = (96, 768, 6144)
HOUR = 4
SPANS_OF: dict[type[AnalyticsBucket | AnalyticsResponse], tuple[int, ...]] = {
    AnalyticsBucket: (HOUR, *SPANS),
    AnalyticsResponse: SPANS,
}
SPAN_OF = {AnalyticsBucket: AnalyticsSpan, AnalyticsResponse: AnalyticsSpanResponse}
NEGATIVE_RATINGS = (1, 2)
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
# Steps past seen: the first of them is when a negative card was acknowledged.
HANDLED = {CardStatus.acknowledged, CardStatus.resolved, CardStatus.dismissed}
RATING_COLUMNS = tuple(f"rating_{rating}" for rating in range(1, 6))

Keys = tuple[int, int, int, int, int]


def quarter_of(moment: datetime) -> int:
    """The UTC quarter-hour a moment falls in: seconds since the epoch // 900."""
    return math.floor(moment.timestamp()) // QUARTER_SECONDS


def response_bin(seconds: float) -> int:
    """The upper edge, in minutes, of the histogram bin a response time falls in: every
    minute up to two hours, every 15 minutes up to a day, every hour up to two weeks, then
    every day. Medians and 90th percentiles are read as "within" an edge."""
    minutes = max(1, math.ceil(seconds / 60))
    for limit, step in ((120, 1), (1440, 15), (20160, 60)):
        if minutes <= limit:
            return math.ceil(minutes / step) * step
    return math.ceil(minutes / 1440) * 1440


def card_keys(card: Card, quarter: int) -> Keys:
    return (
        card.organisation_id,
        quarter,
        card.location_id or 0,
        card.employee_id or 0,
        card.code_id or 0,
    )


def count_event(*, session: Session, event: Event, card: Card) -> None:
    """Count what this event changed (the caller's transaction commits it)."""
    if event.kind == EventKind.card_created:
        count_cards_created(connection=session.connection(), cards=[card])
    elif event.kind == EventKind.card_status:
        _count_step(session, card, CardStatus(event.data["from"]), CardStatus(event.data["to"]))
    elif event.kind == EventKind.card_replied:
        reply = session.get(Reply, event.data["reply_id"])
        moment = reply.created_at if reply is not None else event.created_at
        _add(session, AnalyticsBucket, card_keys(card, quarter_of(moment)), {"replies": 1})
    elif event.kind == EventKind.card_passed_on:
        pass_on = session.get(PassOn, event.data["pass_on_id"])
        moment = pass_on.created_at if pass_on is not None else event.created_at
        _add(session, AnalyticsBucket, card_keys(card, quarter_of(moment)), {"passed_on": 1})


def count_cards_created(*, connection: Connection, cards: list[Card]) -> None:
    """Count new cards (the caller's transaction commits it): two statements for any number
    of cards, each adding to one row per quarter-hour, place, person and code among them."""
    tally: dict[Keys, Counter[str]] = {}
    for card in cards:
        keys = card_keys(card, quarter_of(card.created_at))
        tally.setdefault(keys, Counter())[f"rating_{card.rating}"] += 1
    # Every rating's column in every row (most add 0): one statement fits them all.
    _add_many(
        connection,
        AnalyticsBucket,
        [(keys, {name: counts[name] for name in RATING_COLUMNS}) for keys, counts in tally.items()],
    )


def _count_step(session: Session, card: Card, before: CardStatus, after: CardStatus) -> None:
    if card.rating not in NEGATIVE_RATINGS:
        return
    keys = card_keys(card, quarter_of(card.created_at))
    moment = getattr(card, f"{after}_at")
    seconds = (moment - card.created_at).total_seconds()
    if after in HANDLED and before not in HANDLED:
        _add_response(session, keys, ACKNOWLEDGED, seconds)
    if after == CardStatus.resolved:
        _add_response(session, keys, RESOLVED, seconds)


def _add_response(session: Session, keys: Keys, step: str, seconds: float) -> None:
    _add(session, AnalyticsResponse, (*keys, step, response_bin(seconds)), {"cards": 1})


KEY_COLUMNS = ("organisation_id", "quarter", "location_id", "employee_id", "code_id")


def _add(
    session: Session,
    model: type[AnalyticsBucket | AnalyticsResponse],
    keys: tuple[Any, ...],
    counts: dict[str, int],
) -> None:
    """Add to a summary row and to its blocks' rows, creating them if needed: upserts, safe
    under concurrent writers."""
    _add_many(session.connection(), model, [(keys, counts)])


def _add_many(
    connection: Connection,
    model: type[AnalyticsBucket | AnalyticsResponse],
    changes: list[tuple[tuple[Any, ...], dict[str, int]]],
) -> None:
    """`_add` for several rows whose counts name the same columns, in two statements. Rows go
    in key order, so that two PostgreSQL writers meet them in the same order, never deadlocking."""
    if not changes:
        return
    counted = tuple(changes[0][1])
    rows = [
        dict(zip(rows_keys(model), keys, strict=True)) | counts
        for keys, counts in sorted(changes, key=lambda change: change[0])
    ]
    # Rows of two quarter-hours can share a block: it gets their sum, in one row of its own.
    blocks: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        for span in SPANS_OF[model]:
            block = row | {"span": span, "quarter": row["quarter"] // span * span}
            key = tuple(value for name, value in block.items() if name not in counted)
            if key in blocks:
                for name in counted:
                    blocks[key][name] += block[name]
            else:
                blocks[key] = block
    _upsert(connection, model.__table__, rows, counted)  # type: ignore[union-attr]
    ordered = [blocks[key] for key in sorted(blocks)]
    _upsert(connection, SPAN_OF[model].__table__, ordered, counted)  # type: ignore[attr-defined]


def _upsert(
    connection: Connection, table: Table, rows: list[dict[str, Any]], counted: tuple[str, ...]
) -> None:
    """Add each row's counts (the columns `counted`) to the row with its keys, in one statement
    run for every row (on the driver's cursor: api.db_direct)."""
    keys = tuple(name for name in rows[0] if name not in counted)
    statement = _upsert_statement(connection.dialect.name, table, keys, counted)
    execute_many(connection, statement, rows)


@cache
def _upsert_statement(
    dialect_name: str, table: Table, key_names: tuple[str, ...], count_names: tuple[str, ...]
) -> Insert:
    """The upsert that adds `count_names` to a row found by `key_names`, built once: each card
    runs several, and building one (its `excluded` alias copies every column) cost more than
    running it."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    upsert: Insert = statement.on_conflict_do_update(
        index_elements=list(key_names),
        set_={name: table.c[name] + statement.excluded[name] for name in count_names},
    )
    return upsert


def rebuild_summaries(
    *, session: Session, organisation_id: int, since: datetime | None = None
) -> int:
    """Count an organisation's summaries again from its cards, replies and pass-ons, from the
    quarter-hour of `since` (default: its oldest card) on; earlier figures, whose cards may have
    been deleted, are kept. Returns how many cards were counted; commits."""
    if since is None:
        oldest = session.exec(
            select(Card.created_at)
            .where(Card.organisation_id == organisation_id)
            .order_by(col(Card.created_at))
            .limit(1)
        ).first()
        if oldest is None:
            return 0
        since = oldest
    start = quarter_of(since)
    since = datetime.fromtimestamp(start * QUARTER_SECONDS, UTC)
    for model in (AnalyticsBucket, AnalyticsResponse):
        session.connection().execute(
            delete(model).where(
                col(model.organisation_id) == organisation_id, col(model.quarter) >= start
            )
        )
    buckets: Counter[tuple[Any, ...]] = Counter()
    responses: Counter[tuple[Any, ...]] = Counter()
    counted = 0
    for card in _cards_from(session, organisation_id, since):
        counted += 1
        _tally_card(card, buckets, responses)
    answers = (
        (Reply.card_id, Reply.created_at, "replies"),
        (PassOn.card_id, PassOn.created_at, "passed_on"),
    )
    for card_id, moment_column, name in answers:
        rows = session.exec(
            select(Card, moment_column)
            .join_from(Card, card_id.class_, col(card_id) == Card.id)  # type: ignore[attr-defined]
            .where(Card.organisation_id == organisation_id, col(moment_column) >= since)
        )
        for card, moment in rows:
            buckets[(*card_keys(card, quarter_of(moment)), name)] += 1
    _write(session, AnalyticsBucket, buckets)
    _write(session, AnalyticsResponse, responses)
    for model in (AnalyticsBucket, AnalyticsResponse):
        _sum_spans(session, model, organisation_id, start)
    session.commit()
    return counted


def _sum_spans(
    session: Session,
    model: type[AnalyticsBucket | AnalyticsResponse],
    organisation_id: int,
    start: int,
) -> None:
    """Sum the blocks again from the quarter-hour rows, from the block holding `start` on."""
    source: Table = model.__table__  # type: ignore[union-attr]
    target: Table = SPAN_OF[model].__table__  # type: ignore[attr-defined]
    keys = [name for name in rows_keys(model) if name not in ("organisation_id", "quarter")]
    counts = [column.name for column in source.columns if column.name not in rows_keys(model)]
    for span in SPANS_OF[model]:
        first = start // span * span
        session.connection().execute(
            delete(target).where(
                target.c.organisation_id == organisation_id,
                target.c.span == span,
                target.c.quarter >= first,
            )
        )
        block = (source.c.quarter // span) * span
        rows = (
            select_core(
                source.c.organisation_id,
                literal(span),
                block,
                *(source.c[name] for name in keys),
                *(func.sum(source.c[name]) for name in counts),
            )
            .where(source.c.organisation_id == organisation_id, source.c.quarter >= first)
            .group_by(source.c.organisation_id, block, *(source.c[name] for name in keys))
        )
        names = ["organisation_id", "span", "quarter", *keys, *counts]
        session.connection().execute(insert(target).from_select(names, rows))


def _cards_from(session: Session, organisation_id: int, since: datetime) -> Iterable[Card]:
    return session.exec(
        select(Card)
        .where(Card.organisation_id == organisation_id, col(Card.created_at) >= since)
        .execution_options(yield_per=5000)
    )


def _tally_card(
    card: Card, buckets: Counter[tuple[Any, ...]], responses: Counter[tuple[Any, ...]]
) -> None:
    keys = card_keys(card, quarter_of(card.created_at))
    buckets[(*keys, f"rating_{card.rating}")] += 1
    if card.rating not in NEGATIVE_RATINGS:
        return
    handled = [
        moment
        for moment in (card.acknowledged_at, card.resolved_at, card.dismissed_at)
        if moment is not None
    ]
    if handled:
        seconds = (min(handled) - card.created_at).total_seconds()
        responses[(*keys, ACKNOWLEDGED, response_bin(seconds))] += 1
    if card.resolved_at is not None:
        seconds = (card.resolved_at - card.created_at).total_seconds()
        responses[(*keys, RESOLVED, response_bin(seconds))] += 1


def _write(
    session: Session,
    model: type[AnalyticsBucket | AnalyticsResponse],
    tally: Counter[tuple[Any, ...]],
) -> None:
    """Insert the tallied rows (the rebuilt range was emptied first) in batches."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key, count in tally.items():
        if model is AnalyticsBucket:
            *keys, name = key
            row = rows.setdefault(tuple(keys), dict(zip(KEY_COLUMNS, keys, strict=True)))
            row[name] = count
        else:
            rows[key] = {**dict(zip(rows_keys(model), key, strict=True)), "cards": count}
    table: Table = model.__table__  # type: ignore[union-attr]
    counts = [column.name for column in table.columns if column.name not in rows_keys(model)]
    batch = [dict.fromkeys(counts, 0) | row for row in rows.values()]
    for first in range(0, len(batch), 5000):
        session.connection().execute(insert(table), batch[first : first + 5000])


def rows_keys(model: type[AnalyticsBucket | AnalyticsResponse]) -> tuple[str, ...]:
    return KEY_COLUMNS if model is AnalyticsBucket else (*KEY_COLUMNS, "step", "minutes")
