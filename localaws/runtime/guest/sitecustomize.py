"""Loaded first in every execution environment the sandbox starts (it is first on PYTHONPATH).

Two jobs: keep handler code off the internet (only loopback, where the sandbox lives, is reachable), and end
the environment when the sandbox that started it goes away, so no process outlives it.
"""

import ipaddress
import os
import socket
import threading

_MESSAGE = (
    "lambda-course sandbox: no internet here: {target} is outside the sandbox. Handlers can only reach the "
    "sandbox's local AWS. Create boto3 clients without endpoint_url (the sandbox sets AWS_ENDPOINT_URL), "
    "and do not call outside services from a handler in this course."
)


class SandboxNetworkError(RuntimeError):
    """Raised instead of opening a connection that would leave the machine."""


def _is_loopback(host):
    if host in ("localhost", "localhost.localdomain", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard_address(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(str(address[0])):
        raise SandboxNetworkError(_MESSAGE.format(target=f"{address[0]}:{address[1]}"))


def _install_network_guard():
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        _guard_address(self, address)
        return original_connect(self, address)

    def connect_ex(self, address):
        _guard_address(self, address)
        return original_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _is_loopback(str(name)):
            raise SandboxNetworkError(_MESSAGE.format(target=name))
        return original_getaddrinfo(host, *args, **kwargs)

    # the whole point of this guard: every socket's connect goes through the loopback check
    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo


def _watch_lifeline():
    fd = os.environ.pop("LAMBDA_COURSE_LIFELINE_FD", None)
    if fd is None:
        return

    def wait_for_parent():
        try:
            os.read(int(fd), 1)  # returns (EOF) only when the sandbox process has gone
        finally:
            os._exit(137)

    threading.Thread(target=wait_for_parent, name="sandbox-lifeline", daemon=True).start()


if os.environ.get("LAMBDA_COURSE_GUEST") == "1":
    _install_network_guard()
    _watch_lifeline()
