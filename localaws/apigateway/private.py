"""Private integrations of HTTP APIs: a load balancer inside a VPC is reached only through a VPC link.

On AWS an integration whose URI is a load balancer listener (or Cloud Map service) ARN needs
ConnectionType VPC_LINK and the id of a VPC link that exists; without them API Gateway cannot reach the
private network and the client gets a 500. The sandbox answers the same, and logs the reason.
"""

from __future__ import annotations

import logging
from typing import Any

from localaws.apigateway.messages import HTTP_API_INTERNAL_ERROR, HttpResponse, gateway_error

log = logging.getLogger(__name__)


def connection_problem(api: Any, integration: Any) -> HttpResponse | None:
    """API Gateway's 500 when an HTTP integration cannot reach its private target, else None."""
    uri = integration.integration_uri or ""
    private = uri.startswith("arn:")
    linked = (integration.connection_type or "INTERNET") == "VPC_LINK"
    reason = None
    if private and not linked:
        reason = (
            f"the integration's URI {uri} is inside a VPC, which API Gateway reaches only through a VPC link: "
            "set ConnectionType='VPC_LINK' and ConnectionId to the id create_vpc_link returned"
        )
    elif linked and integration.connection_id not in api.backend.vpc_links:
        reason = (
            f"the integration's ConnectionId {integration.connection_id!r} names no VPC link of this account "
            "and region: create one with create_vpc_link and use its VpcLinkId"
        )
    elif linked and not private:
        reason = (
            f"an integration through a VPC link needs a load balancer listener ARN as its URI, not {uri}"
        )
    if reason is None:
        return None
    log.warning("HTTP API %s answered 500: %s.", api.api_id, reason)
    return gateway_error(500, HTTP_API_INTERNAL_ERROR, reason=reason)
