"""The card page and its thank-you page, rendered once and served many times.

Every scan opens the same page but for its CSP nonce, its signed form token and its idempotency
key; every card sent on it gets the same thank-you page but for the nonce and the customer's
private follow-up link. A page is rendered once with a marker in place of each such value, split
at the markers, and each request joins the pieces around its own values (escaped as the
template would have), keeping `no-store`.

A rendered page is kept for what the template reads: the code's `CodeContext` (everything an
owner can change that shows on the card is in it), from the request its path, query string and
chosen language, and the caller's `variant` (the thank-you page's: which face and whether a reply
was asked for). It is reused while the code cache hands out an equal context; a change makes the
cache load a different one (at once in the process that made it, within
TELLUS_CODE_CACHE_SECONDS in the others: see api.customer.codes), and the page is rendered again.
A template may read more of the request, or of the card, only if `page_key` or the variant
includes it.
"""

import re
import secrets
import struct
import zlib
from collections.abc import Callable, Hashable, Mapping
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
FOLLOW_UP_URL = f"follow-up-url-{_MARKER}"
SPLIT = re.compile(f"({NONCE}|{FORM_TOKEN}|{IDEMPOTENCY_KEY}|{FOLLOW_UP_URL})")
# About 25 KB a page: a process keeps at most this many, and none for a long query string.
MOST_PAGES = 2_000
LONGEST_QUERY = 100
# zlib.crc32 lets other threads run while it reads more than 5 KB, and the event loop then waits
# for its turn again: a page's texts are checksummed in pieces no longer than this.
CRC_PIECE = 4096

PageKey = tuple[str, bytes, str, Hashable]


@dataclass(frozen=True)
class Fragments:
    """A rendered page cut at its markers: `texts[0]`, `markers[0]`, `texts[1]`, ..., `texts[-1]`,
    each text also compressed on its own and cut in pieces to checksum (see `gzipped`)."""

    context: CodeContext
    texts: tuple[bytes, ...]
    markers: tuple[str, ...]
    deflated: tuple[bytes, ...]
    pieces: tuple[tuple[memoryview, ...], ...]
    headers: tuple[tuple[str, str], ...]
    media_type: str | None

    @classmethod
    def of(cls, context: CodeContext, body: str, response: Response) -> "Fragments":
        pieces = SPLIT.split(body)
        texts = tuple(piece.encode() for piece in pieces[::2])
        return cls(
            context=context,
            texts=texts,
            markers=tuple(pieces[1::2]),
            deflated=tuple(
                deflate(text, last=index == len(texts) - 1) for index, text in enumerate(texts)
            ),
            pieces=tuple(
                tuple(
                    memoryview(text)[start : start + CRC_PIECE]  # views: nothing copied
                    for start in range(0, len(text), CRC_PIECE)
                )
                for text in texts
            ),
            headers=tuple(
                (name, value)
                for name, value in response.headers.items()
                if name not in ("content-length", "content-type")
            ),
            media_type=response.media_type,
        )

    def plain(self, values: dict[str, bytes]) -> bytes:
        pieces = [self.texts[0]]
        for marker, text in zip(self.markers, self.texts[1:], strict=True):
            pieces += [values[marker], text]
        return b"".join(pieces)

    def gzipped(self, values: dict[str, bytes]) -> bytes:
        """The page as gzip without compressing it again: each text was deflated on its own and
        ends on a full flush (byte-aligned, nothing referring back), so a value can go between
        two of them as a stored block. What the customer receives is the same page."""
        pieces = [GZIP_HEADER, self.deflated[0]]
        crc = checksum(self.pieces[0], 0)
        size = len(self.texts[0])
        for marker, deflated, text, text_pieces in zip(
            self.markers, self.deflated[1:], self.texts[1:], self.pieces[1:], strict=True
        ):
            value = values[marker]
            pieces += [STORED_BLOCK + struct.pack("<HH", len(value), len(value) ^ 0xFFFF), value]
            pieces.append(deflated)
            crc = checksum(text_pieces, zlib.crc32(value, crc))
            size += len(value) + len(text)
        pieces.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
        return b"".join(pieces)


# gzip (RFC 1952): deflate, no name, no time; a stored deflate block (RFC 1951) after a flush.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
STORED_BLOCK = b"\x00"


def checksum(pieces: tuple[memoryview, ...], crc: int) -> int:
    """The CRC-32 of the text so far, `crc`, continued over the pieces."""
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    return crc


def deflate(text: bytes, *, last: bool) -> bytes:
    """Raw deflate of one text, on its own: a full flush, or the stream's final block."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(text) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH
    )


def accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def page_key(request: Request, variant: Hashable) -> PageKey:
    """What a customer's page reads from a request, besides its per-request values."""
    scope = request.scope
    return scope["path"], scope["query_string"], page_language(request).tag, variant


class CardPages:
    """This process's rendered card pages (see the module's docstring)."""

    def __init__(self) -> None:
        self._pages: dict[PageKey, Fragments] = {}

    def serve(
        self,
        request: Request,
        context: CodeContext,
        *,
        values: Mapping[str, str],
        render: Callable[[], Response],
        variant: Hashable = None,
    ) -> Response:
        """The page for this request: `render()` renders it with the markers in `values` in
        place of this request's values, and `request.state.csp_nonce` as the nonce's."""
        key = page_key(request, variant)
        fragments = self._pages.get(key)
        if fragments is None or not (fragments.context is context or fragments.context == context):
            fragments = self._render(request, context, render)
            if len(self._pages) >= MOST_PAGES:
                self._pages.clear()
            if len(key[1]) <= LONGEST_QUERY:
                self._pages[key] = fragments
        own = {marker: str(escape(value)).encode() for marker, value in values.items()}
        own[NONCE] = str(escape(request.state.csp_nonce)).encode()
        headers = dict(fragments.headers)
        # Compressed here, once per page (see Fragments.gzipped); the compression middleware
        # passes on a response that has its encoding already (and marks the others' Vary).
        if accepts_gzip(request):
            headers["vary"] = ", ".join(filter(None, (headers.get("vary"), "Accept-Encoding")))
            headers["content-encoding"] = "gzip"
            body = fragments.gzipped(own)
        else:
            body = fragments.plain(own)
        return Response(body, headers=headers, media_type=fragments.media_type)

    def clear(self) -> None:
        self._pages.clear()

    @staticmethod
    def _render(
        request: Request, context: CodeContext, render: Callable[[], Response]
    ) -> Fragments:
        nonce = request.state.csp_nonce
        request.state.csp_nonce = NONCE
        try:
            response = render()
        finally:
            request.state.csp_nonce = nonce
        assert response.status_code == 200
        return Fragments.of(context, bytes(response.body).decode(), response)
