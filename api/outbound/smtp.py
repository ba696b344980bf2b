"""smtplib connected to an address that was checked, while STARTTLS and TLS verify the name."""

import smtplib
import socket
import ssl


class CheckedSMTP(smtplib.SMTP):
    """An SMTP connection to `address`; `host` stays the name STARTTLS verifies."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.address = address
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self.address, port), timeout)


class CheckedSMTPSSL(smtplib.SMTP_SSL):
    """An SMTP connection over TLS to `address`, the certificate checked against `host`."""

    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        self.address, self.tls_name = address, host
        super().__init__(host, port, timeout=timeout, context=context)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        connection = socket.create_connection((self.address, port), timeout)
        return self.context.wrap_socket(connection, server_hostname=self.tls_name)
