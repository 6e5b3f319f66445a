"""Lambda's CloudFormation resource types, created, updated and deleted through the sandbox's Lambda API.

moto models these types only in part (no Alias or Url; inline ZipFile code it cannot update; permissions and
versions it never deletes; a layer's LayerName ignored). Each provider here calls the same backend methods the
Lambda API calls, so CloudFormation gets the checks the API makes (memory, runtime, layers, alias routing).

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-version.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-alias.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-permission.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-url.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-layerversion.html
"""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.utils import get_backend

from localaws.cloudformation import codedeploy
from localaws.cloudformation.providers import Provider, StackResource, Where, resource
from localaws.facts import value

# Function properties that CreateFunction and UpdateFunctionConfiguration take under the same name and shape.
_CONFIG = ("Description", "Handler", "MemorySize", "Role", "Runtime", "Timeout", "Environment", "Layers",
           "VpcConfig", "DeadLetterConfig", "TracingConfig", "KMSKeyArn", "EphemeralStorage", "LoggingConfig",
           "FileSystemConfigs", "ImageConfig", "SnapStart")
# Properties CreateFunction takes and UpdateFunctionConfiguration does not (TenancyConfig: "cannot be modified after
# function creation", https://docs.aws.amazon.com/lambda/latest/api/API_TenancyConfig.html); the sandbox keeps a
# function's DurableConfig from its creation too, so a template that changes it is refused rather than ignored.
_CREATE_ONLY = ("PackageType", "Architectures", "TenancyConfig", "DurableConfig")


def _lambda(where: Where) -> LambdaBackend:
    return get_backend(where.account_id, where.region)


def _code_for_api(code: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's Code as the Lambda API takes it: inline ZipFile text becomes a zip of index.py.

    For inline code CloudFormation writes the text to index.py (with the cfn-response module beside it), so the
    handler is index.<function>; the API wants the zip itself, base64-encoded.
    """
    api = {key: value for key, value in code.items() if key in ("S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri")}
    if "ZipFile" in code:
        archive = LambdaFunction._create_zipfile_from_plaintext_code(str(code["ZipFile"]))
        api["ZipFile"] = base64.b64encode(archive).decode()
    return api


def _tags(props: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in props.get("Tags") or []}


class Function(Provider):
    """AWS::Lambda::Function: Ref is the name; code and configuration change in place, a new name replaces."""

    TYPE = "AWS::Lambda::Function"
    ATTRIBUTES = ("Arn", "SnapStartResponse")
    REPLACE_ON = ("FunctionName", "PackageType", "Architectures", "TenancyConfig")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        spec = {key: props[key] for key in _CONFIG + _CREATE_ONLY if key in props}
        spec.update(FunctionName=props.get("FunctionName", name), Code=_code_for_api(props.get("Code") or {}),
                    Tags=_tags(props))
        backend = _lambda(where)
        fn = backend.create_function(spec)
        if "ReservedConcurrentExecutions" in props:
            backend.put_function_concurrency(fn.function_name, str(props["ReservedConcurrentExecutions"]))
        return resource(cls, fn.function_name, Arn=fn.function_arn)

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        backend, function = _lambda(where), old.physical_resource_id
        if props.get("DurableConfig") != old.properties.get("DurableConfig"):
            raise ValueError(f"The sandbox cannot change the DurableConfig of function {function} in place: give the "
                             "function a new FunctionName (a new function), or delete the stack and create it again.")
        # A property removed from the template goes back to its default, as CloudFormation resets it.
        config = {key: props.get(key, _DEFAULTS.get(key)) for key in _CONFIG if key in props or key in old.properties}
        backend.update_function_configuration(function, None,  # type: ignore[arg-type]
                                              {k: v for k, v in config.items() if v is not None})
        if props.get("Code") != old.properties.get("Code"):
            backend.update_function_code(function, None, _code_for_api(props.get("Code") or {}))  # type: ignore[arg-type]
        _update_concurrency(backend, function, props)
        return resource(cls, function, **old.attributes)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        _lambda(where).delete_function(resource.physical_resource_id)


# What an UpdateFunctionConfiguration gets for a property the new template no longer sets: CreateFunction's
# defaults (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html).
_DEFAULTS: dict[str, Any] = {"Description": "", "Environment": {"Variables": {}}, "Layers": [],
                             "MemorySize": value("memory_default_mb"), "Timeout": value("timeout_default_s")}


def _update_concurrency(backend: LambdaBackend, function: str, props: dict[str, Any]) -> None:
    if "ReservedConcurrentExecutions" in props:
        backend.put_function_concurrency(function, str(props["ReservedConcurrentExecutions"]))
    else:
        backend.delete_function_concurrency(function)


def _function_and_qualifier(name_or_arn: str) -> tuple[str, str | None]:
    """A function name or (partial) ARN split into the function and its version or alias, if any."""
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":")
        return ":".join(parts[:7]), parts[7] if len(parts) > 7 else None
    name, _, qualifier = name_or_arn.partition(":")
    return name, qualifier or None


class Version(Provider):
    """AWS::Lambda::Version: publishes the function's code and configuration now; Ref is the version's ARN.

    As PublishVersion does, it gives the latest version again when nothing changed since that was published.

    Every property of a version needs replacement: a changed one publishes a new version. CloudFormation keeps
    old versions only when told to (DeletionPolicy or UpdateReplacePolicy Retain); deleting one removes it.
    """

    TYPE = "AWS::Lambda::Version"
    ATTRIBUTES = ("Version", "FunctionArn")
    REPLACE_ON_ANY_CHANGE = True

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        function, _ = _function_and_qualifier(str(props["FunctionName"]))
        published = _lambda(where).publish_version(function, props.get("Description", ""))
        if published is None:
            raise ValueError(f"Function {function} could not be published")
        arn = f"{published.function_arn.rsplit(':', 1)[0]}:{published.version}"
        return resource(cls, arn, Version=str(published.version), FunctionArn=arn)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        function, version = resource.physical_resource_id.rsplit(":", 1)
        try:
            _lambda(where).delete_function(function, version)
        except UnknownFunctionException:
            pass  # already gone: two Version resources got the same version when nothing changed in between


def _routing(props: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's RoutingConfig (a list of versions and weights) as the API's map of version to weight."""
    weights = (props.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or []
    return {"AdditionalVersionWeights": {str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights}}


class Alias(Provider):
    """AWS::Lambda::Alias: Ref is the alias ARN; version, description and routing change in place."""

    TYPE = "AWS::Lambda::Alias"
    ATTRIBUTES = ("AliasArn",)
    REPLACE_ON = ("Name", "FunctionName")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        function, _ = _function_and_qualifier(str(props["FunctionName"]))
        alias = _lambda(where).create_alias(props["Name"], function, str(props["FunctionVersion"]),
                                            props.get("Description", ""), _routing(props))  # type: ignore[arg-type]
        return resource(cls, alias.arn, AliasArn=alias.arn)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: StackResource, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> StackResource:
        """With UpdatePolicy CodeDeployLambdaAliasUpdate, a new version goes through a CodeDeploy deployment."""
        policy = (cloudformation_json.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate")
        props, where = dict(cloudformation_json.get("Properties") or {}), Where(account_id, region_name)
        if isinstance(policy, dict) and not cls.needs_replacement(original_resource, props):
            function, _ = _function_and_qualifier(str(props["FunctionName"]))
            current = str(_lambda(where).get_alias(props["Name"], function).function_version)
            if current != str(props["FunctionVersion"]):
                codedeploy.deploy_alias(policy, where, function, str(props["Name"]), current,
                                        str(props["FunctionVersion"]))
                original_resource.properties = props
                return original_resource
        return super().update_from_cloudformation_json(original_resource, new_resource_name, cloudformation_json,
                                                       account_id, region_name)

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        function, _ = _function_and_qualifier(str(props["FunctionName"]))
        _lambda(where).update_alias(props["Name"], function, str(props["FunctionVersion"]),
                                    props.get("Description", ""), _routing(props))  # type: ignore[arg-type]
        return resource(cls, old.physical_resource_id, **old.attributes)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        function, alias = resource.physical_resource_id.rsplit(":", 1)
        _lambda(where).delete_alias(alias, function)


class Permission(Provider):
    """AWS::Lambda::Permission: a statement in the function's policy; any change replaces it."""

    TYPE = "AWS::Lambda::Permission"
    ATTRIBUTES = ()
    REPLACE_ON_ANY_CHANGE = True

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        function, qualifier = _function_and_qualifier(str(props["FunctionName"]))
        statement = {key: value for key, value in props.items() if key != "FunctionName"}
        statement["StatementId"] = name
        _lambda(where).add_permission(function, qualifier, json.dumps(statement))  # type: ignore[arg-type]
        return resource(cls, f"{function}|{qualifier or ''}|{name}")

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        function, qualifier, sid = resource.physical_resource_id.split("|")
        fn = _lambda(where).get_function(function, qualifier or None)
        fn.policy.del_statement(sid)


class Url(Provider):
    """AWS::Lambda::Url: a function URL; Ref is the function's ARN, FunctionUrl the address."""

    TYPE = "AWS::Lambda::Url"
    ATTRIBUTES = ("FunctionArn", "FunctionUrl")
    REPLACE_ON = ("TargetFunctionArn", "Qualifier")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        target = _qualified(str(props["TargetFunctionArn"]), props.get("Qualifier"))
        config = _url_config(props)
        made = _lambda(where).create_function_url_config(target, config).to_dict()
        return resource(cls, target, FunctionArn=made["FunctionArn"], FunctionUrl=made["FunctionUrl"])

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        _lambda(where).update_function_url_config(old.physical_resource_id, _url_config(props))
        return resource(cls, old.physical_resource_id, **old.attributes)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        _lambda(where).delete_function_url_config(resource.physical_resource_id)


def _qualified(function: str, qualifier: Any) -> str:
    return f"{function}:{qualifier}" if qualifier else function


def _url_config(props: dict[str, Any]) -> dict[str, Any]:
    return {key: props[key] for key in ("AuthType", "Cors", "InvokeMode") if key in props}


class LayerVersion(Provider):
    """AWS::Lambda::LayerVersion: publishes a version of LayerName; Ref is its ARN; every change replaces it."""

    TYPE = "AWS::Lambda::LayerVersion"
    ATTRIBUTES = ("LayerVersionArn",)
    REPLACE_ON_ANY_CHANGE = True

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        spec: dict[str, Any] = {key: props[key] for key in ("Content", "Description", "CompatibleRuntimes",
                                            "CompatibleArchitectures", "LicenseInfo") if key in props}
        spec["LayerName"] = props.get("LayerName", name)
        layer = _lambda(where).publish_layer_version(spec)
        return resource(cls, layer.arn, LayerVersionArn=layer.arn)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        layer_arn, version = resource.physical_resource_id.rsplit(":", 1)
        _lambda(where).delete_layer_version(layer_arn.rsplit(":", 1)[-1], version)


PROVIDERS: tuple[type[Provider], ...] = (Function, Version, Alias, Permission, Url, LayerVersion)
