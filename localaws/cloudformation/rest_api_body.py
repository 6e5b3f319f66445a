"""A REST API's definition (Swagger 2.0 or OpenAPI 3) imported into moto's model, as API Gateway imports one.

Each path becomes a chain of resources, one per path part (`{id}` and `{proxy+}` included); each operation under
it a method (`x-amazon-apigateway-any-method` is ANY) with the integration its `x-amazon-apigateway-integration`
describes, whose type API Gateway stores in capitals (`aws_proxy` becomes AWS_PROXY). Importing again
("overwrite") replaces every resource and method but keeps the root resource. Definitions of another version,
and integrations whose intrinsic functions were not resolved, are refused with a message.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import APIGatewayBackend, Resource

ANY_METHOD = "x-amazon-apigateway-any-method"
VERBS = ("get", "put", "post", "delete", "patch", "head", "options")
# The keys of x-amazon-apigateway-integration and the put_integration arguments they become.
INTEGRATION_KEYS = {"credentials": "credentials", "requestTemplates": "request_templates",
                    "passthroughBehavior": "passthrough_behavior", "cacheNamespace": "cache_namespace",
                    "timeoutInMillis": "timeout_in_millis", "requestParameters": "request_parameters",
                    "contentHandling": "content_handling", "connectionType": "connection_type"}


class DefinitionError(ValueError):
    """A definition API Gateway would refuse, or one the sandbox cannot import; the message says which."""


def check_version(body: Any) -> None:
    """Refuse anything but a Swagger 2.0 or OpenAPI 3 definition, as API Gateway's import does."""
    if not isinstance(body, dict):
        raise DefinitionError("The REST API's Body must be an OpenAPI definition (a mapping), not "
                              f"{type(body).__name__}: write it as YAML or JSON under Body")
    swagger, openapi = str(body.get("swagger", "")), str(body.get("openapi", ""))
    if swagger != "2.0" and not openapi.startswith("3"):
        raise DefinitionError("The REST API's Body is neither Swagger 2.0 (swagger: '2.0') nor OpenAPI 3 "
                              "(openapi: 3.0.1): API Gateway imports only those two versions")


def import_body(backend: APIGatewayBackend, api_id: str, body: dict[str, Any]) -> None:
    """Replace the resources and methods of REST API `api_id` with those `body` defines."""
    check_version(body)
    root = _clear(backend, api_id)
    made: dict[str, Resource] = {"/": root}
    for path, operations in sorted((body.get("paths") or {}).items()):
        resource = _resource_for(backend, api_id, str(path), made)
        for key, operation in (operations or {}).items():
            verb = "ANY" if key == ANY_METHOD else key.upper() if key in VERBS else None
            if verb is not None:
                _put_method(backend, api_id, resource, verb, operation or {}, str(path))


def _clear(backend: APIGatewayBackend, api_id: str) -> Resource:
    """Remove every resource but the root, and the root's methods; return the root."""
    api = backend.get_rest_api(api_id)
    root: Resource = api.get_resource_for_path("/")
    api.resources = {root.id: root}
    root.resource_methods.clear()
    return root


def _resource_for(backend: APIGatewayBackend, api_id: str, path: str, made: dict[str, Resource]) -> Resource:
    """The resource at `path`, made with any missing ancestors."""
    if not path.startswith("/"):
        raise DefinitionError(f"The path {path!r} in the REST API's Body must start with '/'")
    current = "/"
    for part in [p for p in path.split("/") if p]:
        below = current.rstrip("/") + "/" + part
        if below not in made:
            made[below] = backend.create_resource(api_id, made[current].id, part)
        current = below
    return made[current]


def _put_method(backend: APIGatewayBackend, api_id: str, resource: Resource, verb: str,
                operation: dict[str, Any], path: str) -> None:
    """Add one method and, when the definition has one, its integration."""
    backend.put_method(api_id, resource.id, verb, authorization_type="NONE")
    spec = operation.get("x-amazon-apigateway-integration")
    if spec is None:
        return
    uri, kind = spec.get("uri"), str(spec.get("type", "")).upper()
    if not isinstance(uri, str):
        raise DefinitionError(f"The integration of {verb} {path} has a uri that is not a string ({uri!r}): "
                              "write it with Fn::Sub so that the stack resolves it to an ARN or URL")
    extra = {arg: spec[key] for key, arg in INTEGRATION_KEYS.items() if spec.get(key) is not None}
    backend.put_integration(api_id, resource.id, verb, integration_type=kind, uri=uri,
                            integration_method=spec.get("httpMethod"), **extra)
