"""The data plane's URL scheme, so that learners can call their APIs with requests or curl.

    REST API stage      http://127.0.0.1:<port>/restapis/<api_id>/<stage>/_user_request_/<path>
    HTTP API            http://127.0.0.1:<port>/apis/<api_id>/<path>          ($default stage)
                        http://127.0.0.1:<port>/apis/<api_id>/<stage>/<path>  (a named stage)
    function URL        http://127.0.0.1:<port>/lambda-url/<function_name>/<path>

The REST form is the one LocalStack uses. The HTTP API and function URL forms keep, after the prefix, exactly
the path a client would send to the real `execute-api` or `lambda-url` host.
"""

from __future__ import annotations

from localaws.apigateway import lookup

REST_PREFIX, HTTP_PREFIX, FUNCTION_URL_PREFIX = "restapis", "apis", "lambda-url"
USER_REQUEST = "_user_request_"
DEFAULT_STAGE = "$default"


def rest_api_url(base: str, api_id: str, stage: str) -> str:
    """Base URL of a REST API stage; append the resource path (`/items/1`)."""
    return f"{base}/{REST_PREFIX}/{api_id}/{stage}/{USER_REQUEST}"


def http_api_url(base: str, api_id: str, stage: str = DEFAULT_STAGE) -> str:
    """Base URL of an HTTP API stage; append the route path (`/items/1`)."""
    suffix = "" if stage == DEFAULT_STAGE else f"/{stage}"
    return f"{base}/{HTTP_PREFIX}/{api_id}{suffix}"


def function_url(base: str, function_name: str) -> str:
    """Base URL of a Lambda function URL; append any path."""
    return f"{base}/{FUNCTION_URL_PREFIX}/{function_name}"


def api_url(base: str, api_id: str, stage: str = DEFAULT_STAGE) -> str:
    """Base URL of a REST or HTTP API stage, whichever kind `api_id` is."""
    if lookup.rest_api(api_id) is not None:
        return rest_api_url(base, api_id, stage)
    if lookup.http_api(api_id) is not None:
        return http_api_url(base, api_id, stage)
    raise LookupError(f"No REST or HTTP API with id {api_id!r} exists in the sandbox.")
