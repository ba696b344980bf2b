"""Looking up a printed code: the first thing every customer's scan does, so it is cached."""

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from api.models import Code, Employee, EmployeeLocation, Location, Organisation, RetentionPolicy
from api.setup.card_texts import CardWording, card_wordings
from qr.tokens import normalize_token


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str


@dataclass(frozen=True)
class CodeContext:
    """Everything the card page needs about a code, read once and shared between requests."""

    code_id: int
    token: str
    revoked: bool
    organisation_id: int
    organisation_name: str
    organisation_slug: str
    accent_colour: str
    default_language: str
    review_links: tuple[tuple[str, str], ...]
    location_id: int | None
    location_name: str | None
    employee_id: int | None
    employee_name: str | None
    staff: tuple[StaffMember, ...]
    # For a revoked code: an active code of the same location, to offer the customer instead.
    replacement_token: str | None = None
    # The logo's URL, carrying its content hash so that it can be cached for good.
    logo_url: str | None = None
    # The organisation's own card texts, per language (see api.setup.card_texts).
    wordings: tuple[CardWording, ...] = ()
    # Its confirmed retention (api.lifecycle): the days after which contact details are wiped
    # and cards deleted; None: kept.
    contact_days: int | None = None
    card_days: int | None = None

    def wording(self, language: str) -> CardWording:
        """The texts the owner wrote for this language, {name} filled in with the code's
        employee or place; blank fields keep the built-in text."""
        found = next((item for item in self.wordings if item.language == language), None)
        if found is None:
            return CardWording(language)
        name = self.employee_name or self.location_name or self.organisation_name
        return found.for_name(name).for_days(self.contact_days or self.card_days)

    def staff_member(self, employee_id: int) -> StaffMember | None:
        return next((member for member in self.staff if member.id == employee_id), None)


class CodeCache:
    """A short-lived per-process cache: a revoked code stops working everywhere within `ttl`."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[float, CodeContext | None]] = {}
        self._lock = Lock()
        # The loads under way, by token (see find_code); touched only on the event loop.
        self.loading: dict[str, asyncio.Task[CodeContext | None]] = {}

    def get(self, token: str) -> tuple[bool, CodeContext | None]:
        entry = self._entries.get(token)
        if entry is None or entry[0] < self.clock():
            return False, None
        return True, entry[1]

    def put(self, token: str, context: CodeContext | None) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[token] = (self.clock() + self.ttl, context)

    def invalidate(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)

    def invalidate_organisation(self, organisation_id: int) -> None:
        """Drop this process's entries of one organisation (other processes: within `ttl`)."""
        with self._lock:
            stale = [
                token
                for token, (_, context) in self._entries.items()
                if context is not None and context.organisation_id == organisation_id
            ]
            for token in stale:
                del self._entries[token]


# For a writer with no card pages of its own to refresh (the command line, the demo data): other
# processes' caches lapse within their `ttl`, as after any change.
NO_CACHE = CodeCache(ttl=0)


async def find_code(*, cache: CodeCache, engine: Engine, token: str) -> CodeContext | None:
    """The code behind a scanned token, from the per-process cache when it is fresh.

    When a busy code's entry lapses, every request waiting on it shares one load: without that,
    each of the dozens of customers in flight read the code from the database again, at once."""
    key = token.upper()
    hit, context = cache.get(key)
    if hit:
        return context
    loop = asyncio.get_running_loop()
    loading = cache.loading.get(key)
    if loading is None or loading.get_loop() is not loop:
        loading = loop.create_task(_load_into(cache, key, engine=engine, token=token))
        cache.loading[key] = loading
    # Shielded: a customer who hangs up does not cancel the load the others wait for.
    return await asyncio.shield(loading)


async def _load_into(
    cache: CodeCache, key: str, *, engine: Engine, token: str
) -> CodeContext | None:
    try:
        context = await run_in_threadpool(load_code_context, engine=engine, raw_token=token)
        cache.put(key, context)
        return context
    finally:
        if cache.loading.get(key) is asyncio.current_task():
            del cache.loading[key]


def load_code_context(*, engine: Engine, raw_token: str) -> CodeContext | None:
    """A code with its organisation, target and the staff a customer may name; None if unknown."""
    token = normalize_token(raw_token)
    if token is None:
        return None
    with Session(engine) as session:
        row = session.exec(
            select(Code, Organisation)
            .join(Organisation, Organisation.id == Code.organisation_id)  # type: ignore[arg-type]
            .where(Code.token == token)
        ).first()
        if row is None:
            return None
        code, organisation = row
        location = session.get(Location, code.location_id) if code.location_id else None
        employee = session.get(Employee, code.employee_id) if code.employee_id else None
        staff: tuple[StaffMember, ...] = ()
        if location is not None and employee is None:
            staff = _staff_at(session, location.id)  # type: ignore[arg-type]
        wordings = card_wordings(session=session, organisation_id=organisation.id)  # type: ignore[arg-type]
        policy = session.get(RetentionPolicy, organisation.id)
        confirmed = policy is not None and policy.confirmed_at is not None
        replacement = None
        if code.revoked_at is not None and location is not None:
            replacement = _active_code_at(session, location.id)  # type: ignore[arg-type]
    assert code.id is not None
    assert organisation.id is not None
    return CodeContext(
        code_id=code.id,
        token=code.token,
        revoked=code.revoked_at is not None or (employee is not None and not employee.active),
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        organisation_slug=organisation.slug,
        accent_colour=organisation.accent_colour,
        default_language=organisation.default_language,
        review_links=tuple(
            (link.get("label", ""), link.get("url", "")) for link in organisation.review_links or []
        ),
        location_id=location.id if location else None,
        location_name=location.name if location else None,
        employee_id=employee.id if employee else None,
        employee_name=employee.display_name if employee else None,
        staff=staff,
        replacement_token=replacement,
        logo_url=logo_url(organisation),
        wordings=wordings,
        contact_days=policy.contact_days if policy and confirmed else None,
        card_days=policy.card_days if policy and confirmed else None,
    )


def logo_url(organisation: Organisation) -> str | None:
    """The organisation's logo at a fingerprinted address (cached for good), or None."""
    if not organisation.logo:
        return None
    return f"/logo/{organisation.slug}.png?v={hashlib.sha256(organisation.logo).hexdigest()[:12]}"


def _staff_at(session: Session, location_id: int) -> tuple[StaffMember, ...]:
    rows = session.exec(
        select(Employee.id, Employee.display_name)
        .join(EmployeeLocation, EmployeeLocation.employee_id == Employee.id)  # type: ignore[arg-type]
        .where(EmployeeLocation.location_id == location_id, Employee.active)
        .order_by(Employee.display_name)
    ).all()
    return tuple(StaffMember(id=id_, name=name) for id_, name in rows if id_ is not None)


def _active_code_at(session: Session, location_id: int) -> str | None:
    """An active code for the location itself (not a badge), oldest first."""
    return session.exec(
        select(Code.token)
        .where(
            Code.location_id == location_id,
            col(Code.employee_id).is_(None),
            col(Code.revoked_at).is_(None),
        )
        .order_by(col(Code.id))
    ).first()
