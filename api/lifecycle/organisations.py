"""Deleting an organisation: all it owns, and the accounts of people who belong nowhere else."""

from sqlmodel import Session, col, select

from api.lifecycle.walk import ACCOUNT, ORGANISATION, delete_owned
from api.models import Membership


def delete_organisation(*, session: Session, organisation_id: int) -> None:
    """Delete the organisation, everything the schema walk finds it owns, and the accounts
    left with no organisation (the caller commits)."""
    members = list(
        session.exec(
            select(Membership.user_id).where(Membership.organisation_id == organisation_id)
        ).all()
    )
    delete_owned(session=session, target=ORGANISATION, ids=[organisation_id])
    if not members:
        return
    still_members = set(
        session.exec(
            select(Membership.user_id).where(col(Membership.user_id).in_(members)).distinct()
        ).all()
    )
    alone = [user_id for user_id in members if user_id not in still_members]
    delete_owned(session=session, target=ACCOUNT, ids=alone)
