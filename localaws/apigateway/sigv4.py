"""Checking the SigV4 signature of a request to a function URL whose AuthType is AWS_IAM.

Lambda accepts such a request only when it is signed for the service `lambda` by a known identity and the
signature is right. The sandbox knows two kinds of identity: the learner's own key (the one `sandbox.start()`
puts in the environment) and the temporary keys its STS issued to execution roles. The signature is computed
again with botocore over the headers the client signed, so a copied header with another body fails.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from localaws.apigateway.messages import HttpRequest
from localaws.credentials import DUMMY

_ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class Signed:
    """What an Authorization header names: the key, the credential scope, the signed headers and signature."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse(authorization: str) -> Signed | None:
    """The parts of a SigV4 Authorization header, or None when it is not one."""
    if not authorization.startswith(_ALGORITHM + " "):
        return None
    fields = dict(
        part.strip().split("=", 1) for part in authorization[len(_ALGORITHM) :].split(",") if "=" in part
    )
    scope = fields.get("Credential", "").split("/")
    if len(scope) != 5 or not fields.get("Signature") or not fields.get("SignedHeaders"):
        return None
    headers = tuple(fields["SignedHeaders"].split(";"))
    return Signed(scope[0], scope[1], scope[2], scope[3], headers, fields["Signature"])


def secret_of(access_key: str) -> str | None:
    """The secret key behind an access key the sandbox knows (the learner's, or an STS session's), else None."""
    if access_key == DUMMY["AWS_ACCESS_KEY_ID"]:
        return DUMMY["AWS_SECRET_ACCESS_KEY"]
    from moto.sts.models import sts_backends  # moto loads at sandbox start: start-up time

    for by_partition in list(sts_backends.values()):
        for backend in list(by_partition.values()):
            for assumed in list(getattr(backend, "assumed_roles", [])):
                if assumed.access_key_id == access_key:
                    return str(assumed.secret_access_key)
    return None


def problem(request: HttpRequest, url: str) -> str | None:
    """Why the request's signature is not acceptable to Lambda, or None when it is."""
    signed = parse(request.header("authorization") or "")
    if signed is None:
        return "the request is not signed with SigV4 (AWS4-HMAC-SHA256)"
    if signed.service != "lambda":
        return f"the request was signed for the service {signed.service!r}; function URLs need 'lambda'"
    secret = secret_of(signed.access_key)
    if secret is None:
        return f"the access key {signed.access_key} belongs to no identity the sandbox knows"
    expected = _signature(request, url, signed, secret)
    if expected is None or not hmac.compare_digest(expected, signed.signature):
        return "the signature does not match the request (was it changed after signing?)"
    return None


def _signature(request: HttpRequest, url: str, signed: Signed, secret: str) -> str | None:
    """The signature botocore computes for the request over the headers the client signed."""
    from botocore.auth import SigV4Auth  # botocore loads at sandbox start: start-up time
    from botocore.awsrequest import AWSRequest  # botocore loads at sandbox start: start-up time
    from botocore.credentials import Credentials  # botocore loads at sandbox start: start-up time

    headers = {name: request.header(name) for name in signed.signed_headers}
    if None in headers.values() or not headers.get("x-amz-date"):
        return None
    aws_request = AWSRequest(method=request.method, url=url, data=request.body, headers=headers)
    aws_request.context["timestamp"] = headers["x-amz-date"]
    auth = SigV4Auth(Credentials(signed.access_key, secret), signed.service, signed.region)
    canonical = auth.canonical_request(aws_request)
    return str(auth.signature(auth.string_to_sign(aws_request, canonical), aws_request))
