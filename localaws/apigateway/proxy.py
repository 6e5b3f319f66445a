"""HTTP_PROXY integrations: forward the request to an HTTP endpoint, which in the sandbox must be on loopback.

The data plane never sends traffic off this machine: a URI whose host is not a loopback address is
refused with a 502 saying so. Private integrations (a VPC link to a load balancer or Cloud Map service)
name an ARN rather than a URL; `register_private_target` maps such an ARN to a loopback URL standing in
for the service.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import requests

from localaws.apigateway.messages import TIMED_OUT, HttpRequest, HttpResponse, gateway_error

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
_private_targets: dict[str, str] = {}
_session = requests.Session()
_session.trust_env = False  # never route through a proxy from the environment


def register_private_target(arn: str, url: str) -> None:
    """Make integrations whose URI is `arn` (e.g. an ELB listener) forward to `url`, a loopback address."""
    _private_targets[arn] = url.rstrip("/")


def is_loopback(url: str) -> bool:
    """True if the URL's host is localhost or a loopback IP address (no name is resolved)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def expand(uri: str, params: dict[str, str], path: str = "") -> str:
    """Put path parameters into `{name}` / `{name+}` placeholders of the integration URI.

    A private integration (a load balancer listener behind a VPC link) gets the request's own path, as API
    Gateway passes it through to the load balancer.
    """
    if uri in _private_targets:
        return _private_targets[uri] + (path if path.startswith("/") else f"/{path}")
    return re.sub(
        r"\{([\w.-]+?)\+?\}", lambda m: params.get(m[1], params.get(m[1].split(".")[-1], m[0])), uri
    )


def _target_url(uri: str, request: HttpRequest) -> str:
    if request.raw_query and "?" not in uri:
        return f"{uri}?{request.raw_query}"
    return uri


def forward(request: HttpRequest, uri: str, method: str, timeout: float) -> HttpResponse:
    """Send the request on to `uri`; the endpoint's status, headers and body come back unchanged."""
    if not is_loopback(uri):
        return gateway_error(
            502,
            "Bad Gateway",
            reason=f"the sandbox forwards HTTP integrations only to loopback "
            f"URLs (http://127.0.0.1:<port>/...), not to {uri}",
        )
    headers = {key: value for key, value in request.headers if key.lower() not in _HOP_BY_HOP}
    headers["X-Forwarded-For"] = request.source_ip
    try:
        answer = _session.request(
            method if method != "ANY" else request.method,
            _target_url(uri, request),
            headers=headers,
            data=request.body or None,
            timeout=timeout,
            allow_redirects=False,
            stream=False,
        )
    except requests.Timeout:
        return gateway_error(504, TIMED_OUT, reason=f"{uri} did not answer within {timeout:g} s")
    except requests.RequestException as error:
        return gateway_error(502, "Bad Gateway", reason=f"could not reach {uri}: {error}")
    kept = [
        (key, value)
        for key, value in answer.raw.headers.items()
        if key.lower() not in _HOP_BY_HOP and key.lower() != "content-encoding"
    ]
    return HttpResponse(answer.status_code, kept, answer.content)
