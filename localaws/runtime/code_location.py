"""GetFunction's Code.Location: a link on the sandbox's own endpoint that serves the deployment package.

On AWS, Location is a presigned URL, valid for 10 minutes, from which the function's deployment package can be
downloaded without credentials (https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCodeLocation.html).
moto answers a URL on the real S3 host, which nobody can fetch. `install()` wraps moto's GetFunction so that
Location points at the endpoint the caller used, and adds the route that serves it:

    /lambda_<region>/function-code/<account>/<name>/<version>?Expires=<epoch>&Signature=<hex>

moto's server sends an unsigned request whose path starts with `<service>_<region>` to that service's app, so
the link needs no credentials. The signature is an HMAC, under a secret of the running sandbox, of the version
it names, the SHA-256 of the package it was made for and the expiry time: it cannot be guessed or edited, it
stops working when the time is up, and it never serves a package other than the one it was made for (after
UpdateFunctionCode an old link for $LATEST is refused, while one for a published version keeps working until
it expires). Every link that fails these checks is answered 403, as S3 answers a bad presigned URL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, quote, unquote, urlsplit

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import lambda_backends

from localaws import seams
from localaws.facts import value

if TYPE_CHECKING:
    from localaws.runtime.service import LambdaRuntime

_GET_FUNCTION = "moto.awslambda.responses:LambdaResponse.get_function"
_PATH = re.compile(r"^/lambda_(?P<region>[a-z0-9-]+)/function-code/(?P<account>\d+)/(?P<name>[\w-]+)/"
                   r"(?P<version>[^/?]+)$")


def _no_runtime() -> LambdaRuntime | None:
    """The runtime before install() is called: none, so links are neither made nor served."""
    return None


_running: Callable[[], LambdaRuntime | None] = _no_runtime  # what install() was given: the runtime running now


class _Target(NamedTuple):
    """The function version a link names."""

    account: str
    region: str
    name: str
    version: str


def _signature(secret: bytes, target: _Target, sha256: str, expires: int) -> str:
    """The HMAC that binds a link to one version, one package and one expiry time."""
    message = "\n".join((*target, sha256, str(expires))).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def location(base_url: str, fn: Any, secret: bytes, now: float) -> str:
    """A link to `fn`'s package on `base_url`, valid for Lambda's expiry time from `now`."""
    target = _Target(fn.account_id, fn.region, fn.function_name, str(fn.version))
    expires = int(now + value("code_location_expiry_min") * 60)
    signature = _signature(secret, target, fn.code_sha_256, expires)
    path = f"/lambda_{target.region}/function-code/{target.account}/{target.name}/{quote(target.version, safe='')}"
    return f"{base_url.rstrip('/')}{path}?Expires={expires}&Signature={signature}"


def _get_function(self: Any) -> str:
    """moto's GetFunction, with Code.Location replaced by a link the caller can download the package from."""
    answer = json.loads(seams.original(_GET_FUNCTION)(self))
    code = answer.get("Code") or {}
    runtime = _running()
    if "Location" not in code or runtime is None:
        return json.dumps(answer)
    name = unquote(self.path.rsplit("/", 1)[-1])
    fn = self.backend.get_function(name, self._get_param("Qualifier", None))
    host = self.headers.get("Host")
    base_url = f"http://{host}" if host else runtime.endpoint_url  # the endpoint the caller reached
    code["Location"] = location(base_url, fn, runtime.code_link_secret, runtime.clock.now())
    return json.dumps(answer)


def _refused(reason: str, message: str) -> tuple[int, dict[str, str], str]:
    """S3's answer to a presigned URL it does not accept."""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{reason}</Code><Message>{message}</Message></Error>'
    return 403, {"content-type": "application/xml"}, body


def _package(target: _Target) -> Any:
    """The function version a link names, or None when there is none."""
    try:
        return lambda_backends[target.account][target.region].get_function(target.name, target.version)
    except LambdaClientError:
        return None


def _serve(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], bytes | str]:
    """Answer a link: the package's bytes when the signature holds and the time is not up, else 403."""
    parts = urlsplit(full_url)
    found = _PATH.match(unquote(parts.path))
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    expires, signature = query.get("Expires", ""), query.get("Signature", "")
    runtime = _running()
    if found is None or runtime is None or not expires.isdigit():
        return _refused("AccessDenied", "Query-string authentication requires the Signature and Expires parameters")
    target = _Target(found["account"], found["region"], found["name"], found["version"])
    fn = _package(target)
    expected = _signature(runtime.code_link_secret, target, fn.code_sha_256 if fn is not None else "", int(expires))
    if fn is None or not hmac.compare_digest(expected.encode(), signature.encode()):  # any text, in constant time
        return _refused("SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                        "you provided.")
    if runtime.clock.now() > int(expires):
        return _refused("AccessDenied", "Request has expired")
    return 200, {"content-type": "application/zip"}, bytes(fn.code_bytes)


def install(running: Callable[[], LambdaRuntime | None]) -> None:
    """Answer GetFunction with downloadable links and serve them (idempotent); call before moto's app is built.

    `running()` gives the sandbox's runtime at the time of each request (its secret, clock and endpoint).
    """
    global _running
    _running = running
    if seams.is_patched(_GET_FUNCTION):
        return
    seams.add_route(seams.LAMBDA_URLS, seams.CODE_LOCATION_ROUTE, _serve)
    seams.patch(_GET_FUNCTION, _get_function)
