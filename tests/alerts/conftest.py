from collections.abc import Iterator

import pytest

from tests.alerts.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on a free port that records what it receives."""
    server = Receiver().start()
    yield server
    server.stop()
