"""The card page benchmark's reference: a bare `async def` route returning fixed bytes.

The same compression middleware as the app's customer pages, one uvicorn worker, the same uvicorn
options as `tellus serve`. The bytes come from the file named by BENCH_PAGE_FILE.
Usage: python bench/bare_page.py PORT
"""

import os
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from starlette.responses import Response

from api.web.middleware import CustomerCompressionMiddleware

PAGE = Path(os.environ["BENCH_PAGE_FILE"]).read_bytes()
app = FastAPI()
app.add_middleware(CustomerCompressionMiddleware)


@app.get("/c/{token}")
async def bare_page(token: str) -> Response:
    """The same bytes every time, as HTML."""
    return Response(PAGE, media_type="text/html; charset=utf-8")


if __name__ == "__main__":
    uvicorn.run(
        app, host="127.0.0.1", port=int(sys.argv[1]), proxy_headers=True, server_header=False
    )
