"""The access log `tellus serve` writes: uvicorn's own lines, whoever formats them."""

import importlib
import logging
import sys

import pytest
from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter as UvicornAccessFormatter

from api.web.access_log import UVICORN_FORMAT, AccessFormatter, log_config

# (client, method, path with query, HTTP version, status): what uvicorn logs for each request.
REQUESTS = [
    ("203.0.113.9:5123", "POST", "/api/v1/codes/K7QW2M9X/cards", "1.1", 201),
    ("[2001:db8::1]:443", "GET", "/c/K7QW2M9X?lang=de", "1.1", 200),
    ("127.0.0.1:80", "POST", "/login", "1.0", 303),
    ("198.51.100.7:9", "POST", "/c/K7QW2M9X", "2", 429),
    ("198.51.100.7:9", "GET", "/odd", "1.1", 599),  # no phrase for this status
]


def access_record(args: tuple[object, ...], level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access", level, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )


@pytest.mark.parametrize("args", REQUESTS, ids=[str(args[-1]) for args in REQUESTS])
def test_each_line_is_the_one_uvicorn_writes(args: tuple[object, ...]) -> None:
    ours = AccessFormatter(fmt=UVICORN_FORMAT, use_colors=False)
    uvicorns = UvicornAccessFormatter(fmt=UVICORN_FORMAT, use_colors=False)

    for level in (logging.INFO, logging.WARNING):
        assert ours.format(access_record(args, level)) == uvicorns.format(
            access_record(args, level)
        )
    client, method, path, version, _ = args
    line = ours.format(access_record(args))
    assert line.startswith(f'INFO:     {client} - "{method} {path} HTTP/{version}" ')


def test_a_terminal_still_gets_colours_and_an_error_its_traceback() -> None:
    args = REQUESTS[0]
    coloured = AccessFormatter(fmt=UVICORN_FORMAT, use_colors=True).format(access_record(args))
    assert "\x1b[" in coloured
    assert "201 Created" in coloured

    try:
        raise RuntimeError("the app failed")
    except RuntimeError:
        record = access_record(args)
        record.exc_info = sys.exc_info()
    line = AccessFormatter(fmt=UVICORN_FORMAT, use_colors=False).format(record)
    assert line.startswith('INFO:     203.0.113.9:5123 - "POST ')
    assert "Traceback" in line
    assert "RuntimeError: the app failed" in line


def test_a_line_of_another_shape_or_format_is_left_to_uvicorn() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s %s", (1, 2), None)
    # As uvicorn's own formatter fails on it.
    with pytest.raises(ValueError, match="not enough values to unpack"):
        AccessFormatter(fmt=UVICORN_FORMAT, use_colors=False).format(record)
    with pytest.raises(ValueError, match="not enough values to unpack"):
        UvicornAccessFormatter(fmt=UVICORN_FORMAT, use_colors=False).format(record)

    fmt = "%(client_addr)s %(status_code)s"
    args = REQUESTS[0]
    assert AccessFormatter(fmt=fmt, use_colors=False).format(
        access_record(args)
    ) == UvicornAccessFormatter(fmt=fmt, use_colors=False).format(access_record(args))


def test_the_served_configuration_uses_it_and_leaves_uvicorns_alone() -> None:
    config = log_config()
    module, _, name = config["formatters"]["access"]["()"].rpartition(".")

    assert getattr(importlib.import_module(module), name) is AccessFormatter
    assert config["formatters"]["access"]["fmt"] == UVICORN_FORMAT
    assert LOGGING_CONFIG["formatters"]["access"]["()"] == "uvicorn.logging.AccessFormatter"
    assert {**config, "formatters": LOGGING_CONFIG["formatters"]} == LOGGING_CONFIG
