"""For load balancers: the app is up and its database answers."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from api.web.deps import EngineDep

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def health(engine: EngineDep) -> dict[str, str]:
    def ping() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    await run_in_threadpool(ping)
    return {"status": "ok"}
