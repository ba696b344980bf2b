"""Values shared by every process and host through the database."""

from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.config import Settings
from api.db import writer
from api.models import AppSetting
from api.security import new_secret

SECRET_KEY = "secret_key"


def shared_value(*, engine: Engine, key: str, create: Callable[[], str]) -> str:
    """The value stored under `key`; the first process to ask stores `create()` for everyone."""
    with Session(writer(engine)) as session:
        stored = session.get(AppSetting, key)
        if stored:
            return stored.value
        session.add(AppSetting(key=key, value=create()))
        try:
            session.commit()
        except IntegrityError:
            # Another process stored one first: everyone uses that one.
            session.rollback()
    with Session(engine) as session:
        stored = session.get(AppSetting, key)
        assert stored is not None
        return stored.value


def stored_secret_key(*, session: Session, settings: Settings) -> str:
    """The same key as `load_secret_key`, read where only a database session is at hand."""
    if settings.secret_key:
        return settings.secret_key
    stored = session.get(AppSetting, SECRET_KEY)
    if stored is None:
        raise RuntimeError("No secret key yet: the app stores one when it starts.")
    return stored.value


def load_secret_key(*, engine: Engine, settings: Settings) -> str:
    """The environment's key in production; elsewhere one made once and kept in the database."""
    if settings.secret_key:
        return settings.secret_key
    return shared_value(engine=engine, key=SECRET_KEY, create=lambda: new_secret(48))
