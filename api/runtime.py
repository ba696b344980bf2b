"""What one process of the app holds while it runs: settings, engine, caches, keys.

`create_app()` builds one `Runtime` and stores it on the app; routes reach its parts only through
the dependencies in `api.web.deps`. The secret key and the VAPID keys live in the database, so
they are read when the app starts (its lifespan), not when it is built.
"""

from sqlalchemy import Engine

from api.alerts.channels.webpush import VapidKeys, vapid_keys
from api.app_settings import load_secret_key
from api.config import Settings
from api.customer.card_pages import CardPages
from api.customer.card_process import StoreInProcess
from api.customer.card_writer import CardWriter, GroupStore, StoreHere
from api.customer.cards import insert_card, insert_cards
from api.customer.codes import CodeCache
from api.db import create_db_engine
from api.inbox.wakeups import Wakeups
from api.protection.limiter import CardLimiter


def card_store(settings: Settings, engine: Engine) -> GroupStore:
    """Where this process's card writer stores its groups (Settings.card_writer)."""
    # An in-memory database is the process's own: nobody else can store into it.
    in_memory = engine.dialect.name == "sqlite" and (
        engine.url.database in (None, "", ":memory:") or engine.url.query.get("mode") == "memory"
    )
    if settings.card_writer != "thread" and not in_memory:
        return StoreInProcess(settings.database_url)
    return StoreHere(engine, store_one=insert_card, store_many=insert_cards)


class NotStarted(RuntimeError):
    """A key read before the app's lifespan loaded it."""


class Runtime:
    """The process's settings, engine, code cache, card and thank-you pages, card writer,
    wake-ups and card limiter; its keys once started."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_db_engine(settings.database_url)
        self.code_cache = CodeCache(ttl=settings.code_cache_seconds)
        self.card_pages = CardPages()
        # Apart, so that the ten faces and replies of a busy code never push card pages out.
        self.thanks_pages = CardPages()
        self.card_writer = CardWriter(card_store(settings, self.engine))
        self.wakeups = Wakeups(self.engine)
        self.card_limiter = CardLimiter.from_settings(settings, self.engine)
        self._secret_key: str | None = None
        self._vapid_keys: VapidKeys | None = None

    def load_keys(self) -> None:
        """Read (or make, the first time) the secret key and the VAPID keys."""
        self._secret_key = load_secret_key(engine=self.engine, settings=self.settings)
        self._vapid_keys = vapid_keys(engine=self.engine, settings=self.settings)

    @property
    def secret_key(self) -> str:
        if self._secret_key is None:
            raise NotStarted("The secret key is read when the app starts (its lifespan).")
        return self._secret_key

    @property
    def vapid_keys(self) -> VapidKeys:
        if self._vapid_keys is None:
            raise NotStarted("The VAPID keys are read when the app starts (its lifespan).")
        return self._vapid_keys
