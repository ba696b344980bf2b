"""The TLS contexts of the connections Tellus makes (mail, webhooks, push), made once a process.

Making one loads every trusted certificate authority: about 20 ms of CPU, which every mail and
every POST used to pay, in the thread that sends the alerts. A context holds no connection's
state, and threads may share it; each connection still checks its own host's certificate.
"""

import ssl
from functools import cache

import httpx


@cache
def mail_tls() -> ssl.SSLContext:
    """The standard library's default for STARTTLS and TLS: the system's authorities."""
    return ssl.create_default_context()


@cache
def http_tls() -> ssl.SSLContext:
    """httpx's default for HTTPS: certifi's authorities, or SSL_CERT_FILE's when it is set."""
    return httpx.create_ssl_context()
