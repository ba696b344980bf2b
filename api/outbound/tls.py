"""The TLS contexts of the connections Tellus makes (mail, webhooks, push), made once, not once
a connection.

Making one loads every trusted certificate authority: about 20 ms of CPU, which every mail and
every POST used to pay, in the threads that send the alerts. Each connection still checks its
own host's certificate and name.
"""

import ssl
import threading
from functools import cache

import httpx

_threads = threading.local()


@cache
def mail_tls() -> ssl.SSLContext:
    """The standard library's default for STARTTLS and TLS (the system's authorities), shared by
    every thread: smtplib only opens connections with it, it never changes it."""
    return ssl.create_default_context()


def http_tls() -> ssl.SSLContext:
    """httpx's default for HTTPS (certifi's authorities, or SSL_CERT_FILE's when it is set), one
    a thread: httpcore sets the context's ALPN protocols at every connection it opens, and a
    context must not change while another thread opens a connection with it."""
    context: ssl.SSLContext | None = getattr(_threads, "http", None)
    if context is None:
        context = _threads.http = httpx.create_ssl_context()
    return context
