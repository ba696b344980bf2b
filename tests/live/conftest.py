"""Two uvicorn processes on one database (a SQLite file, or a PostgreSQL database), per module.

What one process writes, a stream served by the other must see: the event table is shared, and
each process wakes its own streams (LISTEN/NOTIFY on PostgreSQL, a poll on SQLite).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.browser.conftest import LiveServer, run_live_server


@dataclass(frozen=True)
class TwoServers:
    a: LiveServer
    b: LiveServer


@pytest.fixture(scope="module")
def two_servers(
    live_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TwoServers]:
    with (
        run_live_server(live_database_url, tmp_path_factory.mktemp("uvicorn-a")) as a,
        run_live_server(live_database_url, tmp_path_factory.mktemp("uvicorn-b")) as b,
    ):
        yield TwoServers(a=a, b=b)
