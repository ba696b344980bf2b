"""If-None-Match as browsers and caches send it: one ETag or several, weak or strong, or `*`."""

import re

import pytest
from starlette.requests import Request

from api.web.conditional import browser_has, etag_of


def request_with(*if_none_match: str) -> Request:
    """A request with these If-None-Match lines (a field may come as several)."""
    headers = [(b"if-none-match", line.encode()) for line in if_none_match]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


ETAG = etag_of(b"the same bytes")


@pytest.mark.parametrize(
    "header",
    [
        ETAG,
        ETAG.removeprefix("W/"),
        f'W/"other", {ETAG}',
        f'"other",{ETAG.removeprefix("W/")}',
        "*",
    ],
)
def test_the_browser_has_the_bytes_when_it_names_their_etag(header: str) -> None:
    assert browser_has(request_with(header), ETAG)


def test_the_etag_may_come_on_a_later_line_of_the_field() -> None:
    assert browser_has(request_with('W/"other"', ETAG), ETAG)


@pytest.mark.parametrize("header", ["", 'W/"other"', etag_of(b"other bytes"), ETAG[3:-1]])
def test_anything_else_gets_the_bytes(header: str) -> None:
    assert not browser_has(request_with(header), ETAG)
    assert not browser_has(request_with(), ETAG)


def test_the_etag_is_weak_and_follows_the_bytes() -> None:
    assert re.fullmatch(r'W/"[0-9a-f]{32}"', ETAG)
    assert ETAG == etag_of("the same bytes")
    assert ETAG != etag_of(b"the same bytes.")
