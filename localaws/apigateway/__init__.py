"""The data plane of the sandbox's API Gateway and Lambda function URLs.

moto stores REST APIs, HTTP APIs and function URL configurations but answers no requests to them. This package
serves them over HTTP on loopback, running Lambda proxy and HTTP proxy integrations as API Gateway
does. The URL scheme is described in `localaws.apigateway.urls`; the sandbox exposes it as
`sb.api_url(api_id, stage)` and `sb.function_url(name)`. `select_route` chooses an HTTP API's route as API
Gateway does; a 500 whose x-sandbox-reason starts with `PERMISSION_MARK` is a missing function-policy grant.
"""

from __future__ import annotations

from localaws.apigateway.http_api import select_route
from localaws.apigateway.integrations import PERMISSION_MARK
from localaws.apigateway.proxy import register_private_target
from localaws.apigateway.server import DataPlane

__all__ = ["PERMISSION_MARK", "DataPlane", "register_private_target", "select_route"]
