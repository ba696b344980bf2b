"""Dependencies shared by routes: the runtime's parts, the database session, the signed-in
manager, the API tenant. This is the one module that reads the runtime from the request."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Form, Header, Path, Request
from sqlalchemy import Engine
from sqlmodel import Session

from api.accounts.gate import session_cookie_name
from api.accounts.service import SignedIn, load_session
from api.alerts.channels.webpush import VapidKeys
from api.config import Settings
from api.customer.codes import CodeCache
from api.db import writer
from api.errors import (
    Forbidden,
    LoginRequired,
    StaffSignInRequired,
    TwoFactorSetupRequired,
    Unauthorized,
)
from api.i18n import FALLBACK, N_, set_page_language
from api.inbox.wakeups import Wakeups
from api.protection.limiter import CardLimiter
from api.runtime import Runtime
from api.security import same_secret
from api.setup.api_keys.service import authenticate_api_key
from api.tenancy import Tenant
from api.web.id_rule import LARGEST_ID

# An id in a JSON route's path (`{card_id:id}`): the convertor applies the rule; this states it in
# the OpenAPI document too. Zero fits the rule (and is the 404 of a missing row, as in a page's
# path), so the document's range starts there.
PathId = Annotated[int, Path(ge=0, le=LARGEST_ID)]


def runtime_of(request: Request) -> Runtime:
    """The runtime create_app() stored on the app."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    """The app's runtime, as a dependency (async: no worker thread to read an attribute)."""
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings_dep(runtime: RuntimeDep) -> Settings:
    return runtime.settings


def get_engine(runtime: RuntimeDep) -> Engine:
    return runtime.engine


def get_code_cache(runtime: RuntimeDep) -> CodeCache:
    return runtime.code_cache


def get_wakeups(runtime: RuntimeDep) -> Wakeups:
    return runtime.wakeups


def get_card_limiter(runtime: RuntimeDep) -> CardLimiter:
    return runtime.card_limiter


def get_secret_key(runtime: RuntimeDep) -> str:
    return runtime.secret_key


def get_vapid_keys(runtime: RuntimeDep) -> VapidKeys:
    return runtime.vapid_keys


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]
CodeCacheDep = Annotated[CodeCache, Depends(get_code_cache)]
WakeupsDep = Annotated[Wakeups, Depends(get_wakeups)]
SecretKeyDep = Annotated[str, Depends(get_secret_key)]
VapidKeysDep = Annotated[VapidKeys, Depends(get_vapid_keys)]
CardLimiterDep = Annotated[CardLimiter, Depends(get_card_limiter)]


def get_session(engine: EngineDep) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def get_write_session(engine: EngineDep) -> Iterator[Session]:
    """A session for a request that changes data (see api.db.writer)."""
    with Session(writer(engine), expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def get_signed_in_any(request: Request, session: SessionDep, settings: SettingsDep) -> SignedIn:
    """The person behind the session cookie (staff too), even one who still owes a two-factor
    set-up: for their own account's pages and signing out."""
    token = request.cookies.get(session_cookie_name(settings))
    signed_in = load_session(session=session, token=token) if token else None
    if signed_in is None:
        raise LoginRequired()
    signed_in_page(request, signed_in)
    return signed_in


def signed_in_page(request: Request, signed_in: SignedIn) -> None:
    """A signed-in person's page speaks their own language, else their browser's."""
    request.state.signed_in = signed_in
    set_page_language(request, default=FALLBACK, chosen=signed_in.user.language or None)


def get_signed_in(request: Request, session: SessionDep, settings: SettingsDep) -> SignedIn:
    """The manager behind the session cookie, or a redirect to the sign-in page (or to the
    two-factor set-up, where the organisation requires it and it is missing)."""
    signed_in = get_signed_in_any(request, session, settings)
    if signed_in.is_staff:
        raise LoginRequired()  # a staff session opens only the staff pages
    if signed_in.two_factor_missing:
        raise TwoFactorSetupRequired()
    return signed_in


CurrentManager = Annotated[SignedIn, Depends(get_signed_in)]


def get_staff_member(request: Request, session: SessionDep, settings: SettingsDep) -> SignedIn:
    """The staff member behind the session cookie; anyone else is sent to ask for a staff link."""
    token = request.cookies.get(session_cookie_name(settings))
    signed_in = load_session(session=session, token=token) if token else None
    if signed_in is None or not signed_in.is_staff:
        raise StaffSignInRequired()
    signed_in_page(request, signed_in)
    if signed_in.two_factor_missing:
        raise TwoFactorSetupRequired()
    return signed_in


StaffMember = Annotated[SignedIn, Depends(get_staff_member)]


def require_owner_session(manager: CurrentManager) -> SignedIn:
    """An owner's session: a set-up page refuses anyone else before it reads a form or a file."""
    if not manager.tenant.is_owner:
        raise Forbidden(N_("Only an owner can change the organisation's set-up."))
    return manager


# On every owner router (the set-up pages): `APIRouter(dependencies=[OWNER_ONLY])`.
OWNER_ONLY = Depends(require_owner_session)
# Only for the pages that let such a person set up two-factor, switch organisation or sign out.
SettingUpManager = Annotated[SignedIn, Depends(get_signed_in_any)]


def get_signed_in_briefly(request: Request, runtime: RuntimeDep) -> SignedIn:
    """The signed-in manager, on a database session closed at once: for a response that stays
    open (a stream), which must not hold a pooled connection for its whole life."""
    with Session(runtime.engine, expire_on_commit=False) as session:
        return get_signed_in(request, session, runtime.settings)


StreamingManager = Annotated[SignedIn, Depends(get_signed_in_briefly)]


def check_csrf(manager: CurrentManager, csrf_token: Annotated[str, Form()] = "") -> SignedIn:
    """Every manager form carries the session's CSRF token."""
    return check_csrf_any(manager, csrf_token)


def check_csrf_any(manager: SettingUpManager, csrf_token: Annotated[str, Form()] = "") -> SignedIn:
    """The CSRF check for the forms a person owing a two-factor set-up may still send."""
    if not same_secret(csrf_token, manager.csrf_token):
        raise Forbidden("This form has expired. Go back, reload the page and try again.")
    return manager


CsrfCheckedManager = Annotated[SignedIn, Depends(check_csrf)]
CsrfCheckedSettingUpManager = Annotated[SignedIn, Depends(check_csrf_any)]


def check_csrf_header(
    manager: CurrentManager, x_csrf_token: Annotated[str, Header()] = ""
) -> SignedIn:
    """A page's script that POSTs JSON sends the session's CSRF token in X-CSRF-Token."""
    if not same_secret(x_csrf_token, manager.csrf_token):
        raise Forbidden("This form has expired. Go back, reload the page and try again.")
    return manager


CsrfHeaderManager = Annotated[SignedIn, Depends(check_csrf_header)]


def get_api_tenant(request: Request, session: SessionDep) -> Tenant:
    """The organisation of the bearer API key."""
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise Unauthorized("Send an API key as `Authorization: Bearer <key>`.")
    tenant = authenticate_api_key(session=session, presented=presented.strip())
    if tenant is None:
        raise Unauthorized("This API key is not valid or was revoked.")
    return tenant


ApiTenant = Annotated[Tenant, Depends(get_api_tenant)]
