"""What the local AWS's loopback servers and bridges share: TCP_NODELAY on every connection.

Small answers written in pieces would otherwise wait about 40 ms each for a delayed ACK (Nagle's algorithm):
that alone would make a warm invoke through boto3 ten times slower than it is.
"""

from __future__ import annotations

import socket


def no_delay(connection: socket.socket) -> socket.socket:
    """Turn off Nagle's algorithm on a TCP socket (a listening one passes it on to what it accepts); return it."""
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


class NoDelayRequestHandler:
    """Mixin for http.server and werkzeug request handlers: TCP_NODELAY on each connection, and no access log.

    Put it first among the bases, e.g. `class Handler(NoDelayRequestHandler, WSGIRequestHandler)`.
    """

    connection: socket.socket

    def setup(self) -> None:
        super().setup()  # type: ignore[misc]  # a mixin: the handler class it is mixed into has setup()
        no_delay(self.connection)

    def log_request(self, *args: object, **kwargs: object) -> None:
        """Stay quiet: these servers answer the sandbox's own clients, on loopback."""


__all__ = ["NoDelayRequestHandler", "no_delay"]
