from collections.abc import Iterator

import pytest

from api.config import Settings
from tests.alerts.receiver import Receiver
from tests.smtp import SmtpServer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on a free port that records what it receives."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def mail(settings: Settings, smtp_server: SmtpServer) -> SmtpServer:
    """The real SMTP server, set as the app's mail server."""
    settings.smtp_url = smtp_server.url
    return smtp_server
