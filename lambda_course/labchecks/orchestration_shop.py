"""Lab 10's given shop: the order steps and their compensations, as the source every function of the lab ships.

`SHOP` is one module (shop.py in each package). Its plain functions (reserve, charge, ship, release, refund) are
what a durable function's steps call; its `*_handler` functions wrap them for Lambda Task states. Every side
effect is counted per order in the orders table, so a test can see whether a step ran once, twice or never.
"""

from __future__ import annotations

STOCK_TABLE = "lab10-stock"
ORDERS_TABLE = "lab10-orders"

SHOP = '''"""The shop's order steps: each one does its work in DynamoDB and counts it in the order's record."""

import boto3
from botocore.exceptions import ClientError

_db = boto3.resource("dynamodb")
stock = _db.Table("STOCK_TABLE")
orders = _db.Table("ORDERS_TABLE")


class OutOfStock(Exception):
    "Fewer items are left than the order asks for: nothing was reserved."


class PaymentServiceBusy(Exception):
    "The card service did not answer in time: worth trying again a little later."


class PaymentDeclined(Exception):
    "The bank refused the card: trying again will not change that."


class AddressNotFound(Exception):
    "The carrier cannot deliver to this address."


class OrderCancelled(Exception):
    "A step failed for good and the earlier steps were undone."


def _count(order, what):
    """Add one to the order's counter `what` and return the new count."""
    answer = orders.update_item(Key={"order_id": order["order_id"]}, UpdateExpression="ADD #what :one",
                                ExpressionAttributeNames={"#what": what}, ExpressionAttributeValues={":one": 1},
                                ReturnValues="UPDATED_NEW")
    return int(answer["Attributes"][what])


def reserve(order):
    """Take the order's items out of stock, or raise OutOfStock and change nothing."""
    try:
        stock.update_item(Key={"sku": order["sku"]}, UpdateExpression="ADD #left :taken",
                          ConditionExpression="#left >= :qty", ExpressionAttributeNames={"#left": "left"},
                          ExpressionAttributeValues={":taken": -order["qty"], ":qty": order["qty"]})
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        raise OutOfStock(f"order {order['order_id']}: fewer than {order['qty']} {order['sku']} left") from None
    _count(order, "reserved")
    return {"sku": order["sku"], "qty": order["qty"]}


def charge(order):
    """Charge the card; the first `busy_attempts` calls for an order find the card service busy."""
    attempt = _count(order, "payment_attempts")
    if attempt <= order.get("busy_attempts", 0):
        raise PaymentServiceBusy(f"order {order['order_id']}: the card service did not answer (attempt {attempt})")
    if order.get("card") == "declined":
        raise PaymentDeclined(f"order {order['order_id']}: the bank declined the card")
    _count(order, "charged")
    return {"charged": order["amount"]}


def ship(order):
    """Hand the order to the carrier, or raise AddressNotFound."""
    if not order.get("address"):
        raise AddressNotFound(f"order {order['order_id']} has no delivery address")
    _count(order, "shipped")
    return {"tracking": "TRK-" + order["order_id"]}


def release(order):
    """Compensation for reserve: put the order's items back in stock."""
    stock.update_item(Key={"sku": order["sku"]}, UpdateExpression="ADD #left :back",
                      ExpressionAttributeNames={"#left": "left"}, ExpressionAttributeValues={":back": order["qty"]})
    _count(order, "released")
    return {"released": order["qty"]}


def refund(order):
    """Compensation for charge: give the money back."""
    _count(order, "refunded")
    return {"refunded": order["amount"]}


def reserve_handler(event, context):
    return reserve(event)


def charge_handler(event, context):
    return charge(event)


def ship_handler(event, context):
    return ship(event)


def release_handler(event, context):
    return release(event)


def refund_handler(event, context):
    return refund(event)
'''.replace('"STOCK_TABLE"', repr(STOCK_TABLE)).replace('"ORDERS_TABLE"', repr(ORDERS_TABLE))
