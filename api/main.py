"""The application: `create_app()` wires settings, database, middleware, routes and error pages.

Importing this module builds nothing: `uvicorn --factory api.main:create_app` calls
`create_app()`, and `api.main:app` (for `uvicorn api.main:app`) is built on first access.
"""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from functools import cache

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Scope

from api import (
    accounts,
    alerts,
    analytics,
    customer,
    inbox,
    kudos,
    lifecycle,
    people,
    printing,
    recognition,
    setup,
    staff,
    web,
)
from api.alerts.worker import Worker, default_channels
from api.config import Settings, get_settings
from api.customer.card_process import WriterUnavailable
from api.db import assert_migrated
from api.errors import (
    DATABASE_RETRY_SECONDS,
    AppError,
    LoginRequired,
    TooManyRequests,
    TwoFactorSetupRequired,
)
from api.i18n import N_, translate
from api.runtime import Runtime
from api.setup.profile import LOGO_MAX_BYTES
from api.templating import STATIC, templates
from api.web import api_docs
from api.web.body_limit import BodySizeLimitMiddleware
from api.web.log_redaction import install_access_log_redaction
from api.web.middleware import (
    CustomerCompressionMiddleware,
    OriginCheckMiddleware,
    SecurityHeadersMiddleware,
)
from api.web.request_route import check_request_routes
from qr.codes import drawing_fingerprint

log = logging.getLogger("tellus")
# How long a client waits before sending again while the database is unreachable.


class FingerprintedStatic(StaticFiles):
    """Static files; a URL carrying its content hash (`?v=`) is cached for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            fingerprinted = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = (
                "public, max-age=31536000, immutable" if fingerprinted else "public, max-age=300"
            )
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app on `settings` (by default the environment's); served with `uvicorn --factory`."""
    settings = settings or get_settings()
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Builds every route's context (what FastAPI otherwise builds at a route's first
        # request) and checks the card's routes against them, before anything starts: here,
        # not in create_app, where the building would cost every app made a third of a second.
        check_request_routes(app.routes)
        assert_migrated(runtime.engine)
        runtime.load_keys()
        # The QR links' and ETags' version (a sample drawn, some milliseconds), off the loop.
        await asyncio.to_thread(drawing_fingerprint)
        # What started is stopped in the reverse order, each part even if stopping one before
        # it failed: the cards in flight are stored whatever the alerts' worker did.
        async with AsyncExitStack() as started:
            started.callback(runtime.engine.dispose)
            started.push_async_callback(runtime.card_limiter.close_on_loop)
            # On SQLite, its process imports and opens the database meanwhile (a second or so).
            await asyncio.to_thread(runtime.card_writer.start)
            started.push_async_callback(asyncio.to_thread, runtime.card_writer.stop)
            await runtime.wakeups.start()
            started.push_async_callback(runtime.wakeups.stop)
            if settings.worker_in_process:
                worker = Worker(
                    engine=runtime.engine, settings=settings, channels=default_channels()
                )
                worker.start_thread()
                started.push_async_callback(asyncio.to_thread, worker.stop)
            freeze_startup_objects(app)
            yield

    app = FastAPI(
        title="Tellus",
        summary="QR comment cards: customers' cards to the managers who can act on them.",
        version="0.1.0",
        lifespan=lifespan,
        # Served by api.web.api_docs, from this origin, under the strict CSP.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    api_docs.add_referenced_schemas(app)
    install_access_log_redaction()
    # The one place the runtime is stored; api.web.deps is the one place that reads it.
    app.state.runtime = runtime

    app.add_middleware(CustomerCompressionMiddleware)
    # Room for the multipart envelope around the largest logo the service accepts.
    app.add_middleware(
        BodySizeLimitMiddleware,
        limits={
            "/admin/organisation/logo": LOGO_MAX_BYTES + 64 * 1024,
            "/api/v1/organisation/logo": LOGO_MAX_BYTES + 64 * 1024,
        },
    )
    app.add_middleware(OriginCheckMiddleware, allowed_origin=settings.origin)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    app.mount("/static", FingerprintedStatic(directory=STATIC), name="static")
    app.mount(api_docs.ASSETS, api_docs.assets(), name="api-docs-assets")
    # Each package's routers() come in the order they must be tried (the inbox's
    # /inbox/stream, /inbox/templates, /inbox/sw.js and /inbox/export.csv before
    # /inbox/{card_id}); the packages' order keeps the customer's public
    # GET /api/v1/codes/{token} before set-up's PUT /api/v1/codes/{code_id}.
    for feature in (
        customer,
        accounts,
        staff,
        inbox,
        recognition,
        kudos,
        setup,
        printing,
        people,
        alerts,
        lifecycle,
        analytics,
        web,
    ):
        for router in feature.routers():
            app.include_router(router)
    add_error_handlers(app)
    return app


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(
    request: Request, status_code: int, message: str, params: Mapping[str, object] | None = None
) -> Response:
    """One shape for every error: JSON under /api/, a plain page elsewhere, no internals."""
    if wants_json(request):
        detail = message % params if params else message
        return JSONResponse({"detail": detail}, status_code=status_code)
    name = "errors/404.html" if status_code == 404 else "errors/error.html"
    shown = translate(request, message)
    return templates.TemplateResponse(
        request,
        name,
        {"status_code": status_code, "message": shown % params if params else shown},
        status_code=status_code,
    )


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, error: AppError) -> Response:
        if isinstance(error, LoginRequired) and not wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if request.method != "GET":
                target = "/inbox"
            login = error.sign_in_path
            return RedirectResponse(f"{login}?next={_quote(target)}", status_code=303)
        if isinstance(error, TwoFactorSetupRequired) and not wants_json(request):
            return RedirectResponse("/account/security", status_code=303)
        response = error_response(request, error.status_code, error.message, error.params)
        if isinstance(error, TooManyRequests):
            response.headers["Retry-After"] = str(error.retry_after)
        if error.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        messages = {
            404: N_("There is nothing here."),
            405: N_("This address does not take that request."),
        }
        message = messages.get(error.status_code, N_("The request could not be handled."))
        response = error_response(request, error.status_code, message)
        # Such as the Allow header that a 405 must carry.
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(WriterUnavailable)
    async def database_unavailable(request: Request, error: Exception) -> Response:
        """The database can't be reached (stopped, restarting, its pool exhausted, the card
        writer's process gone): a 503 that says when to try again. The card page's script keeps
        the card and sends it again."""
        log.error("Database unavailable on %s %s: %s", request.method, request.url.path, error)
        message = N_("Tellus is unavailable for a moment. Please try again shortly.")
        response = error_response(request, 503, message)
        response.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        if wants_json(request):
            details = [
                {"field": ".".join(str(part) for part in item["loc"][1:]), "message": item["msg"]}
                for item in error.errors()
            ]
            return JSONResponse({"detail": "Invalid request.", "errors": details}, status_code=422)
        return error_response(request, 422, N_("Some of what was sent is not valid."))


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def freeze_startup_objects(app: FastAPI) -> None:
    """Put what starting made (modules, routes, schemas, the tables' metadata: most of the heap)
    out of the garbage collector's reach. A full collection then walks only what the requests
    made since, instead of stopping every request in flight for 125–250 ms (about one card in
    fifty, bench/README.md: inbox_latency.py)."""
    # FastAPI builds an included route's context (its dependencies, its fields: 40,000 objects
    # in all) when a request first looks for it: build them now, to be frozen with the rest.
    for _ in iter_route_contexts(app.routes):
        pass
    freeze_heap()


# Young objects the collector lets pile up before it looks at them: a request makes hundreds
# that all die with it, and at the default 700 the collector ran about once every eight cards,
# 7 % of a card's time (bench/README.md, submissions.py).
YOUNG_OBJECTS_BEFORE_COLLECTING = 10_000


@cache
def freeze_heap() -> None:
    """Once a process (the tests start many apps in one)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_BEFORE_COLLECTING, middle, old)


@cache
def default_app() -> FastAPI:
    """The app on the environment's settings, built once, when first asked for."""
    return create_app()


def __getattr__(name: str) -> FastAPI:
    # PEP 562: `api.main.app` is looked up here only because no module attribute has that name.
    if name == "app":
        return default_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
