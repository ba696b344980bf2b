"""Answers a browser may hold already: an ETag, and a 304 with no body when the browser has it.

The ETags are weak (`W/"…"`): the customers' paths are gzipped on the way out
(api.web.middleware), so the same ETag stands for the plain and the compressed bytes.
"""

import hashlib

from starlette.requests import Request
from starlette.responses import Response


def etag_of(content: bytes | str) -> str:
    """A weak ETag for these bytes (or for a text naming everything the answer depends on)."""
    data = content.encode() if isinstance(content, str) else content
    return f'W/"{hashlib.sha256(data).hexdigest()[:32]}"'


def browser_has(request: Request, etag: str) -> bool:
    """Whether the request's If-None-Match names this ETag, or any (`*`), compared weakly as
    RFC 9110 asks: `W/"x"` and `"x"` match."""
    # The field may come as several lines: together they are one list.
    header = ",".join(request.headers.getlist("if-none-match"))
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
    return "*" in tags or etag.removeprefix("W/") in tags


def not_modified(headers: dict[str, str]) -> Response:
    """The 304: no body, and the headers the full answer would carry (its ETag, its caching)."""
    return Response(status_code=304, headers=headers)


def bytes_or_not_modified(
    request: Request, body: bytes, *, media_type: str, headers: dict[str, str]
) -> Response:
    """`body` with its ETag, or a 304 when the browser holds these bytes already."""
    headers = {**headers, "ETag": etag_of(body)}
    if browser_has(request, headers["ETag"]):
        return not_modified(headers)
    return Response(body, media_type=media_type, headers=headers)
