"""Byte bridges between a unix socket and a loopback TCP port, so a sandbox can be reached across a jail's wall.

A grading jail has a network namespace of its own: its loopback is not the grader's. What crosses is a unix
socket in a folder both sides see. `UnixToTcp` serves such a socket and relays each connection to a TCP port
on this side's loopback (the sandbox's server); `TcpToUnix` listens on this side's loopback and relays each
connection to a unix socket (so that boto3 and `requests`, which speak TCP, reach the other side).
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from pathlib import Path

from localaws.net import no_delay

CHUNK = 1 << 16


class WrongPeer(OSError):
    """A unix socket answered from a process other than the one expected (someone replaced the socket)."""


def peer_pid(connection: socket.socket) -> int:
    """The process id, in this process's view, of the other end of a unix socket."""
    creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[0])


def process_identity(pid: int) -> str:
    """A process's id with its start time: the same pairing never names two processes, even if the id is reused."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return f"{pid}:gone"
    return f"{pid}:{fields[19]}"  # field 22 of stat, the start time, counted after the name's closing parenthesis


def connect_unix(path: Path, expected: str | None = None) -> socket.socket:
    """Connect to the unix socket `path`; with `expected`, refuse unless the server is that very process."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(path))
        if expected is not None and process_identity(peer_pid(connection)) != expected:
            raise WrongPeer(f"{path} is not served by the process the grader started")
    except OSError:
        connection.close()
        raise
    return connection


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Copy bytes until either side closes; then close both."""
    try:
        while data := source.recv(CHUNK):
            target.sendall(data)
    except OSError:
        pass  # one side went away mid-transfer: the other is closed below, as a dropped connection would be
    finally:
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the peer
            end.close()


def _relay(accepted: socket.socket, connect: socket.socket) -> None:
    threading.Thread(target=_pump, args=(accepted, connect), daemon=True).start()
    threading.Thread(target=_pump, args=(connect, accepted), daemon=True).start()


class _Bridge:
    """A listening socket and the thread that accepts on it."""

    def __init__(self, listener: socket.socket) -> None:
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, daemon=True, name="sandbox-bridge")
        self._thread.start()

    def _connect(self) -> socket.socket:
        raise NotImplementedError

    def _accept(self) -> None:
        while True:
            try:
                accepted, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                _relay(accepted, self._connect())
            except OSError:
                accepted.close()  # the other side is not there: this client sees its connection dropped

    def close(self) -> None:
        self._listener.close()


class UnixToTcp(_Bridge):
    """Serve `path`, relaying each connection to 127.0.0.1:`port`."""

    def __init__(self, path: Path, port: int, mode: int = 0o600) -> None:
        self.path, self.port = Path(path), port
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        os.chmod(self.path, mode)
        listener.listen(64)
        super().__init__(listener)

    def _connect(self) -> socket.socket:
        return no_delay(socket.create_connection(("127.0.0.1", self.port)))


class TcpToUnix(_Bridge):
    """Listen on 127.0.0.1 (port `port`, or a free one), relaying each connection to the unix socket `path`.

    With `expected` (a `process_identity`), only to that process: a socket someone else put there is refused.
    """

    def __init__(self, path: Path, port: int = 0, expected: str | None = None) -> None:
        self.path, self.expected = Path(path), expected
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self.port = int(listener.getsockname()[1])
        super().__init__(listener)

    def _connect(self) -> socket.socket:
        return connect_unix(self.path, self.expected)
