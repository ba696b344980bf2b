"""The retention job: wipes old cards' contact details and deletes old cards, in batches.

It acts only on a policy its owner confirmed, and only on what is past the policy's days, so a
second run at once finds nothing left to do. Each batch is its own short transaction.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from api.db import writer
from api.lifecycle.walk import CARD, delete_owned, wipe_contacts
from api.lifecycle.wiping import JOB_WAIT_MS, cut_owed, cut_write_ahead_log, merge_search_index
from api.models import Card, RetentionPolicy

log = logging.getLogger("tellus.retention")
BATCH = 500
MINIMUM_DAYS = 30
MAXIMUM_DAYS = 3650
# What a new organisation's owner is asked to confirm.
PROPOSED_CONTACT_DAYS = 180
PROPOSED_CARD_DAYS = 730


@dataclass
class RetentionRun:
    organisation_id: int
    contacts_wiped: int = 0
    cards_deleted: int = 0


def run_retention(*, engine: Engine, now: datetime, batch: int = BATCH) -> list[RetentionRun]:
    """Apply every confirmed policy; returns what each organisation's pass removed."""
    with Session(engine) as session:
        policies = session.exec(
            select(RetentionPolicy).where(col(RetentionPolicy.confirmed_at).is_not(None))
        ).all()
    runs = [apply_policy(engine=engine, policy=policy, now=now, batch=batch) for policy in policies]
    removed = any(run.contacts_wiped or run.cards_deleted for run in runs)
    if removed:
        merge_search_index(engine)
    # Waiting for readers when this pass left deleted text in the log, or an earlier cut was
    # kept from happening; otherwise only a try, which holds no writer up. A cut that readers
    # keep from happening now is owed to the next pass.
    owed = removed or cut_owed(engine)
    cut_write_ahead_log(engine, wait_ms=JOB_WAIT_MS if owed else 0)
    return runs


def apply_policy(
    *, engine: Engine, policy: RetentionPolicy, now: datetime, batch: int
) -> RetentionRun:
    """One organisation's pass: old cards deleted first, then the contact details of the rest."""
    run = RetentionRun(organisation_id=policy.organisation_id)
    if policy.card_days:
        cutoff = now - timedelta(days=policy.card_days)
        while ids := _old_cards(engine, policy.organisation_id, cutoff, batch, contacts=False):
            with Session(writer(engine)) as session:
                run.cards_deleted += delete_owned(session=session, target=CARD, ids=ids)
                session.commit()
    if policy.contact_days:
        cutoff = now - timedelta(days=policy.contact_days)
        while ids := _old_cards(engine, policy.organisation_id, cutoff, batch, contacts=True):
            with Session(writer(engine)) as session:
                wipe_contacts(session=session, card_ids=ids)
                session.commit()
            run.contacts_wiped += len(ids)
    with Session(writer(engine)) as session:
        stored = session.get(RetentionPolicy, policy.organisation_id)
        if stored is not None:
            stored.last_run_at = now
            stored.last_contacts_wiped = run.contacts_wiped
            stored.last_cards_deleted = run.cards_deleted
            session.commit()
    if run.contacts_wiped or run.cards_deleted:
        log.info(
            "retention for organisation %s: %s contacts wiped, %s cards deleted",
            run.organisation_id,
            run.contacts_wiped,
            run.cards_deleted,
        )
    return run


def _old_cards(
    engine: Engine, organisation_id: int, cutoff: datetime, batch: int, *, contacts: bool
) -> list[int]:
    query = select(Card.id).where(
        Card.organisation_id == organisation_id, col(Card.created_at) < cutoff
    )
    if contacts:
        query = query.where(
            or_(
                col(Card.contact_name) != "",
                col(Card.contact_email) != "",
                col(Card.contact_phone) != "",
                col(Card.request_hash) != "",
            )
        )
    with Session(engine) as session:
        return [
            card_id
            for card_id in session.exec(query.order_by(col(Card.id)).limit(batch))
            if card_id
        ]
