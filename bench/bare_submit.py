"""The submission benchmark's reference: a bare `async def` route that reads a card and answers.

The same path, body model (api.customer.schemas.CardIn), status and uvicorn options as the app's
`POST /api/v1/codes/{token}/cards`, with nothing else: no middleware, no limits, no database.
What the framework alone costs a request on this machine, in the same run as the app.
Usage: python bench/bare_submit.py PORT
"""

import sys
from datetime import UTC, datetime
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Header

from api.customer.schemas import CardIn, CardReceipt

app = FastAPI()


@app.post("/api/v1/codes/{token}/cards", status_code=201)
async def bare_card(
    token: str, card: CardIn, idempotency_key: Annotated[str, Header()]
) -> CardReceipt:
    """A receipt of the same shape as the app's, for a card never stored."""
    return CardReceipt(id=1, created_at=datetime.now(UTC), follow_up_url=f"/f/{token}")


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        proxy_headers=True,
        server_header=False,
        log_level="warning",
    )
