"""One HTTP POST to an address an owner or manager gave (a webhook, a push service): to the
address that was checked, TLS still verifying the host name, no redirects, short timeouts."""

from collections.abc import Mapping

import httpx

from api.outbound.destinations import (
    ANSWER_SECONDS,
    CONNECT_SECONDS,
    COULD_NOT_CONNECT,
    DEFAULT_PORTS,
    NOT_AN_ADDRESS,
    TIMED_OUT,
    AllowedHosts,
    OutboundError,
    Timeouts,
    resolve_destination,
)
from api.outbound.tls import http_tls


class CheckedTransport(httpx.BaseTransport):
    """Sends each request to the address its host resolved to and passed the guard. The Host
    header and TLS (SNI and the certificate check) keep the name; no second lookup happens."""

    def __init__(self, allowed: AllowedHosts) -> None:
        self.allowed = allowed
        self.transport = httpx.HTTPTransport(verify=http_tls())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or DEFAULT_PORTS[url.scheme]
        host = url.raw_host.decode("ascii")
        destination = resolve_destination(host, port, allowed=self.allowed)
        request.url = url.copy_with(host=destination.address)
        request.extensions = {**request.extensions, "sni_hostname": destination.host}
        return self.transport.handle_request(request)

    def close(self) -> None:
        self.transport.close()


def post(
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    allowed: AllowedHosts,
    timeouts: Timeouts | None = None,
) -> int:
    """POST once and answer the status; a redirect is an answer like any other, not followed.
    The body of the answer is never read. OutboundError says what failed, in general terms.
    `timeouts`: the alert worker's own; CONNECT_SECONDS and ANSWER_SECONDS otherwise."""
    timeouts = timeouts or Timeouts(connect=CONNECT_SECONDS, answer=ANSWER_SECONDS)
    timeout = httpx.Timeout(timeouts.answer, connect=timeouts.connect)
    try:
        if httpx.URL(url).scheme not in DEFAULT_PORTS:
            raise OutboundError(NOT_AN_ADDRESS)
        transport = CheckedTransport(allowed)
        with (
            httpx.Client(transport=transport, timeout=timeout, trust_env=False) as client,
            client.stream("POST", url, content=content, headers=dict(headers)) as response,
        ):
            return response.status_code
    except httpx.InvalidURL as error:
        raise OutboundError(NOT_AN_ADDRESS) from error
    except httpx.TimeoutException as error:
        raise OutboundError(TIMED_OUT) from error
    except httpx.HTTPError as error:
        raise OutboundError(COULD_NOT_CONNECT) from error
