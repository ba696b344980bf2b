"""The outbound guard: every spelling of the server's own network is refused, and every name
whose addresses lead there; what the operator allows is trusted; public addresses pass."""

import ipaddress

import pytest
from pydantic import ValidationError

from api.config import Settings
from api.outbound.destinations import (
    NOT_AN_ADDRESS,
    NOT_FOUND,
    PRIVATE_NETWORK,
    AllowedHosts,
    OutboundError,
    check_destination,
    check_url,
    parse_allowed_hosts,
    resolve_destination,
)

NOTHING_ALLOWED: AllowedHosts = frozenset()

# Hosts as they stand in a URL (brackets and all), each one leading to this machine or a network
# it sits on. The system's resolver reads the odd IPv4 forms (decimal, hex, octal, short).
OWN_NETWORK = [
    "127.0.0.1",
    "127.0.0.2",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "localhost",
    "LOCALHOST",
    "localhost.",
    "LocalHost.",
    "2130706433",
    "0x7f000001",
    "0x7F.1",
    "127.1",
    "0177.0.0.1",
    "0.0.0.0",
    "0",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:10.0.0.1]",
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "[64:ff9b::a00:1]",  # NAT64 of 10.0.0.1
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo
    "[fe80::1]",
    "[fc00::1]",
    "[fd00::a]",
    "[fec0::1]",
    "[ff02::1]",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "192.0.2.1",
    "198.18.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
]


def refusal(host: str, port: int = 443, allowed: AllowedHosts = NOTHING_ALLOWED) -> str:
    with pytest.raises(OutboundError) as refused:
        resolve_destination(host, port, allowed=allowed)
    return refused.value.template


@pytest.mark.parametrize("host", OWN_NETWORK)
def test_every_spelling_of_the_servers_own_network_is_refused(host: str) -> None:
    assert refusal(host) == PRIVATE_NETWORK


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "localhost.", "0x7f000001"])
def test_a_url_on_the_servers_own_network_is_refused_when_saved(host: str) -> None:
    with pytest.raises(OutboundError) as refused:
        check_url(f"https://{host}:8443/hook", allowed=NOTHING_ALLOWED)
    assert refused.value.template == PRIVATE_NETWORK
    assert refused.value.status_code == 422


@pytest.mark.parametrize(
    "addresses",
    [["127.0.0.1"], ["::1"], ["93.184.215.14", "10.1.2.3"], ["2606:2800:21f::1", "fd00::1"]],
)
def test_a_name_is_refused_if_any_of_its_addresses_is_private(
    names: dict[str, list[str]], addresses: list[str]
) -> None:
    names["hooks.attacker.example"] = addresses
    assert refusal("hooks.attacker.example") == PRIVATE_NETWORK
    assert refusal("HOOKS.attacker.example.") == PRIVATE_NETWORK


@pytest.mark.parametrize(
    "addresses",
    [["93.184.215.14"], ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "93.184.215.14"]],
)
def test_a_public_name_gives_the_address_that_was_checked(
    names: dict[str, list[str]], addresses: list[str]
) -> None:
    names["hooks.example.com"] = addresses
    destination = resolve_destination("Hooks.Example.com.", 443, allowed=NOTHING_ALLOWED)
    assert (destination.host, destination.port) == ("hooks.example.com", 443)
    assert destination.address == addresses[0]


@pytest.mark.parametrize(
    "host", ["8.8.8.8", "[2001:4860:4860::8888]", "[::ffff:8.8.8.8]", "[64:ff9b::808:808]"]
)
def test_a_public_address_is_accepted(host: str) -> None:
    destination = resolve_destination(host, 443, allowed=NOTHING_ALLOWED)
    assert ipaddress.ip_address(destination.address) == ipaddress.ip_address(host.strip("[]"))


def test_a_name_that_cannot_be_found_is_kept_when_saved_and_refused_when_used() -> None:
    # .invalid never resolves (RFC 6761); the name may exist later, and is checked then.
    check_destination("hooks.tellus.invalid", 443, allowed=NOTHING_ALLOWED)
    check_url("https://hooks.tellus.invalid/x", allowed=NOTHING_ALLOWED)
    assert refusal("hooks.tellus.invalid") == NOT_FOUND


@pytest.mark.parametrize(
    "url", ["https:///x", "https://hooks.example.com:99999/x", "https://hooks.example.com:x/"]
)
def test_an_address_without_a_server_is_refused(url: str) -> None:
    with pytest.raises(OutboundError) as refused:
        check_url(url, allowed=NOTHING_ALLOWED)
    assert refused.value.template == NOT_AN_ADDRESS


def test_the_operators_allowed_hosts_are_trusted_as_written(names: dict[str, list[str]]) -> None:
    names["relay.internal"] = ["10.0.0.25"]
    allowed = parse_allowed_hosts("relay.internal, 127.0.0.1:8025 [::1]:25")

    assert resolve_destination("relay.internal", 587, allowed=allowed).address == "10.0.0.25"
    assert resolve_destination("RELAY.internal.", 25, allowed=allowed).address == "10.0.0.25"
    assert resolve_destination("127.0.0.1", 8025, allowed=allowed).address == "127.0.0.1"
    assert resolve_destination("[0:0:0:0:0:0:0:1]", 25, allowed=allowed).address == "::1"
    # Another port, or another spelling of an allowed address, is not what the operator wrote.
    assert refusal("127.0.0.1", 8026, allowed) == PRIVATE_NETWORK
    assert refusal("127.1", 8025, allowed) == PRIVATE_NETWORK
    assert refusal("localhost", 8025, allowed) == PRIVATE_NETWORK
    assert refusal("[::1]", 26, allowed) == PRIVATE_NETWORK


def test_the_allowed_hosts_setting_is_read_and_checked() -> None:
    allow = "relay.internal,[::1]:25 ::1 127.0.0.1:8025"
    settings = Settings(outbound_allow=allow, _env_file=None)  # type: ignore[call-arg]
    assert settings.outbound_allowed == {
        ("relay.internal", None),
        ("::1", 25),
        ("::1", None),
        ("127.0.0.1", 8025),
    }
    assert Settings(_env_file=None).outbound_allowed == frozenset()  # type: ignore[call-arg]
    for wrong in ["relay:smtp", "127.0.0.1:0", "[::1]x", "relay:x:y", ":25"]:
        with pytest.raises(ValidationError, match="TELLUS_OUTBOUND_ALLOW"):
            Settings(outbound_allow=wrong, _env_file=None)  # type: ignore[call-arg]
