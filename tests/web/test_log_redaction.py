"""An invitation link never reaches the access log, even when its page is opened."""

import logging

import pytest

from api.web.log_redaction import install_access_log_redaction

TOKEN = "kT3s9xVb2mQ7pL0aZr5uW8yE1cN4hJ6fD"


def test_uvicorn_access_lines_lose_the_invitation_token(caplog: pytest.LogCaptureFixture) -> None:
    install_access_log_redaction()
    install_access_log_redaction()  # once per process, however many apps are made
    access = logging.getLogger("uvicorn.access")
    assert len(access.filters) == 1
    caplog.set_level(logging.INFO, logger="uvicorn.access")

    # The same call uvicorn's access logger makes for every request.
    access.info(
        '%s - "%s %s HTTP/%s" %d',
        "203.0.113.9:5123",
        "POST",
        f"/invitations/{TOKEN}?x=1",
        "1.1",
        303,
    )
    access.info('%s - "%s %s HTTP/%s" %d', "203.0.113.9:5123", "GET", "/inbox", "1.1", 200)

    assert TOKEN not in caplog.text
    assert "/invitations/…?x=1" in caplog.text
    assert "/inbox" in caplog.text
