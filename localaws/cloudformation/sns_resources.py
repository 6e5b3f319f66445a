"""AWS::SNS::Subscription in stacks (SAM's SNS events make one), which moto's CloudFormation lacks.

Subscribe, set the subscription's attributes (FilterPolicy, RawMessageDelivery...) and unsubscribe through
moto's SNS, so a message published to the topic reaches the subscribed function as SNS delivers it.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-subscription.html
"""

from __future__ import annotations

import json
from typing import Any

from moto.sns.models import SNSBackend, sns_backends

from localaws.cloudformation.providers import Provider, StackResource, Where, resource

_ATTRIBUTES = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy")


def _sns(where: Where) -> SNSBackend:
    return sns_backends[where.account_id][where.region]


def _set_attributes(arn: str, props: dict[str, Any], where: Where) -> None:
    """Set the subscription attributes the template gives."""
    for name in _ATTRIBUTES:
        if name in props:
            _sns(where).set_subscription_attributes(arn, name, _text(props[name]))


def _text(value: Any) -> str:
    """A subscription attribute as SetSubscriptionAttributes takes it: JSON text, "true"/"false", or a string."""
    if isinstance(value, bool):
        return str(value).lower()
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


class Subscription(Provider):
    """AWS::SNS::Subscription: Ref is the subscription ARN; a new topic, endpoint or protocol replaces it."""

    TYPE = "AWS::SNS::Subscription"
    REPLACE_ON = ("TopicArn", "Endpoint", "Protocol", "Region")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        made = _sns(where).subscribe(str(props["TopicArn"]), str(props.get("Endpoint", "")), str(props["Protocol"]))
        _set_attributes(made.arn, props, where)
        return resource(cls, made.arn)

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        _set_attributes(old.physical_resource_id, props, where)
        return resource(cls, old.physical_resource_id)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        _sns(where).unsubscribe(resource.physical_resource_id)


PROVIDERS: tuple[type[Provider], ...] = (Subscription,)
