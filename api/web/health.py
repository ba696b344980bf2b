"""For load balancers: the app is up and its database answers."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.responses import JSONResponse, Response

from api.errors import DATABASE_RETRY_SECONDS
from api.web.deps import EngineDep

router = APIRouter(include_in_schema=False)


# HEAD as well: some uptime monitors ask that way.
@router.api_route("/healthz", methods=["GET", "HEAD"])
async def health(engine: EngineDep) -> Response:
    """200 while the database answers; 503 (take this process out of rotation) while it doesn't."""

    def ping() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except (OperationalError, InterfaceError, PoolTimeout):
        return JSONResponse(
            {"status": "database unavailable"},
            status_code=503,
            headers={"Retry-After": str(DATABASE_RETRY_SECONDS)},
        )
    return JSONResponse({"status": "ok"})
