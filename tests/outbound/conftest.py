import pytest

from api.outbound import destinations


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names the test gives addresses, as a DNS server it controls would; the system's
    resolver answers for every other host."""
    table: dict[str, list[str]] = {}
    system = destinations.lookup

    def lookup(host: str, port: int) -> list[str]:
        return table[host] if host in table else system(host, port)

    monkeypatch.setattr(destinations, "lookup", lookup)
    return table
