"""The card page, rendered once and served many times: only three values change per request.

Every scan opens the same page but for its CSP nonce, its signed form token and its idempotency
key. The page is rendered once with a marker in place of each, split at the markers, and each
request joins the pieces around its own values (escaped as the template would have), keeping
`no-store`.

A rendered page is kept for what the template reads: the code's `CodeContext` (everything an
owner can change that shows on the card is in it) and, from the request, its path, query string
and chosen language. It is reused while the code cache hands out an equal context; a change
makes the cache load a different one (at once in the process that made it, within
TELLUS_CODE_CACHE_SECONDS in the others: see api.customer.codes), and the page is rendered again.
A template may read more of the request only if `page_key` includes it.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from markupsafe import escape
from starlette.responses import Response

from api.customer.codes import CodeContext
from api.i18n import page_language

# Random per process, so no text an owner or a customer types can contain one.
_MARKER = secrets.token_hex(12)
NONCE = f"nonce-{_MARKER}"
FORM_TOKEN = f"form-token-{_MARKER}"
IDEMPOTENCY_KEY = f"idempotency-key-{_MARKER}"
SPLIT = re.compile(f"({NONCE}|{FORM_TOKEN}|{IDEMPOTENCY_KEY})")
MOST_PAGES = 10_000

PageKey = tuple[str, str, str]


@dataclass(frozen=True)
class Fragments:
    """A rendered page cut at its markers: text, marker, text, marker, ..., text."""

    context: CodeContext
    parts: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]
    media_type: str | None

    def join(self, values: dict[str, str]) -> bytes:
        return "".join(
            values[part] if index % 2 else part for index, part in enumerate(self.parts)
        ).encode()


def page_key(request: Request) -> PageKey:
    """What the card template reads from a request, besides the three per-request values."""
    return request.url.path, request.url.query, page_language(request).tag


class CardPages:
    """This process's rendered card pages (see the module's docstring)."""

    def __init__(self) -> None:
        self._pages: dict[PageKey, Fragments] = {}

    def serve(
        self,
        request: Request,
        context: CodeContext,
        *,
        form_token: str,
        idempotency_key: str,
        render: Callable[..., Response],
    ) -> Response:
        """The page for this request: `render(form_token=..., idempotency_key=...)` renders it,
        with `request.state.csp_nonce` as this request's nonce."""
        key = page_key(request)
        fragments = self._pages.get(key)
        if fragments is None or not (fragments.context is context or fragments.context == context):
            fragments = self._render(request, context, render)
            if len(self._pages) >= MOST_PAGES:
                self._pages.clear()
            self._pages[key] = fragments
        values = {
            NONCE: str(escape(request.state.csp_nonce)),
            FORM_TOKEN: str(escape(form_token)),
            IDEMPOTENCY_KEY: str(escape(idempotency_key)),
        }
        return Response(
            fragments.join(values),
            headers=dict(fragments.headers),
            media_type=fragments.media_type,
        )

    def clear(self) -> None:
        self._pages.clear()

    @staticmethod
    def _render(
        request: Request, context: CodeContext, render: Callable[..., Response]
    ) -> Fragments:
        nonce = request.state.csp_nonce
        request.state.csp_nonce = NONCE
        try:
            response = render(form_token=FORM_TOKEN, idempotency_key=IDEMPOTENCY_KEY)
        finally:
            request.state.csp_nonce = nonce
        assert response.status_code == 200
        headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name not in ("content-length", "content-type")
        )
        body = bytes(response.body).decode()
        return Fragments(
            context=context,
            parts=tuple(SPLIT.split(body)),
            headers=headers,
            media_type=response.media_type,
        )
