"""Warm moto's caches once in a process that will fork many sandboxes (a grading fork server)."""

from __future__ import annotations

from moto.core.utils import get_service_model

from localaws import durable
from localaws.credentials import warm_service_models
from localaws.iam import managed_policies
from localaws.runtime import moto_seam, validation
from localaws.sandbox.server import backend_app

# The services labs call: moto's app for each is built, and both sides' service models parsed, once for all forks.
PREBUILT_APPS = ("awslambda", "iam", "sts", "logs", "s3", "sqs", "dynamodb", "events", "sns", "secretsmanager",
                 "kms", "apigateway", "apigatewayv2", "cloudwatch", "xray")
CLIENT_SERVICES = ("lambda", "iam", "sts", "logs", "s3", "sqs", "dynamodb", "events", "sns", "secretsmanager",
                   "kms", "apigateway", "apigatewayv2", "cloudwatch")


def warm_caches() -> None:
    """Build moto's apps and parse the service models for the services labs call.

    The sandbox reuses each (localaws/sandbox/server.py, localaws/credentials.py, moto's own cache).
    """
    moto_seam.patch_moto()  # the routes the sandbox adds must be in the apps built here
    durable.install_routes()  # so must the durable execution API's, which every sandbox adds at start
    managed_policies.install()  # building IAM's app makes the default account's IAM, which must hold them
    for service in PREBUILT_APPS:
        backend_app(service)
    for service in CLIENT_SERVICES:
        get_service_model(service)
    warm_service_models(list(CLIENT_SERVICES))
    validation.runtimes()  # the Runtime values CreateFunction accepts, read from botocore's model once
