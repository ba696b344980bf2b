"""The access log `tellus serve` writes: uvicorn's own lines, whoever formats them."""

import logging
import logging.config

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
@pytest.mark.parametrize("colours", [False, True], ids=["plain", "coloured"])
def test_each_line_is_the_one_uvicorn_writes(args: tuple[object, ...], colours: bool) -> None:
    ours = AccessFormatter(fmt=UVICORN_FORMAT, use_colors=colours)
    uvicorns = UvicornAccessFormatter(fmt=UVICORN_FORMAT, use_colors=colours)

    for level in (logging.INFO, logging.WARNING):
        assert ours.format(access_record(args, level)) == uvicorns.format(
            access_record(args, level)
        )
    if not colours:
        client, method, path, version, _ = args
        line = ours.format(access_record(args))
        assert line.startswith(f'INFO:     {client} - "{method} {path} HTTP/{version}" ')


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
    loggers = [logging.getLogger(name) for name in config["loggers"]]
    kept = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    try:
        logging.config.dictConfig(config)
        [handler] = logging.getLogger("uvicorn.access").handlers
        assert isinstance(handler.formatter, AccessFormatter)
        assert handler.formatter._fmt == UVICORN_FORMAT
    finally:  # the other tests' logging as it was
        for logger, (handlers, level, propagate) in zip(loggers, kept, strict=True):
            logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
    assert LOGGING_CONFIG["formatters"]["access"]["()"] == "uvicorn.logging.AccessFormatter"
    assert {**config, "formatters": LOGGING_CONFIG["formatters"]} == LOGGING_CONFIG
