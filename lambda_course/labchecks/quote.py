"""Prices a shopping basket: the handler behind `POST /quote` of an HTTP API (payload format 2.0).

The request's body is JSON: {"items": [{"sku": "tea", "quantity": 2, "unit_cents": 450}], "coupon": "SAVE10"}.
Money is counted in whole cents, so no rounding of floats ever reaches a customer. The answer is 200 with the
price, or 400 with an error when the basket is not one this shop accepts. Every answer carries the invocation's
request id in the `x-request-id` header, so that support can find its logs.
"""

import base64
import json

FREE_SHIPPING_FROM = 5000  # cents: a basket worth 50.00 or more, after its discount, ships free
SHIPPING = 499  # cents
COUPONS = {"SAVE10": 10}  # percent off the items
COUPON_MINIMUM = 2000  # cents of items before a coupon applies
MAX_QUANTITY = 99


def handler(event, context):
    """Answer a quote request with the basket's price, or 400 and why the basket was refused."""
    try:
        basket = read_basket(event)
    except ValueError as problem:
        return respond(400, {"error": str(problem)}, context)
    subtotal = sum(item["quantity"] * item["unit_cents"] for item in basket["items"])
    discount = coupon_discount(basket.get("coupon"), subtotal)
    shipping = 0 if subtotal - discount >= FREE_SHIPPING_FROM else SHIPPING
    price = {"subtotal_cents": subtotal, "discount_cents": discount, "shipping_cents": shipping,
             "total_cents": subtotal - discount + shipping}
    return respond(200, price, context)


def read_basket(event):
    """The basket in the request's body, checked; ValueError saying what is wrong with it."""
    body = event.get("body")
    if not body:
        raise ValueError("the request has no body")
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    try:
        basket = json.loads(body)
    except json.JSONDecodeError:
        raise ValueError("the body is not JSON") from None
    if not isinstance(basket, dict) or not isinstance(basket.get("items"), list) or not basket["items"]:
        raise ValueError("the basket needs a non-empty list of items")
    for item in basket["items"]:
        check_item(item)
    if basket.get("coupon") is not None and basket["coupon"] not in COUPONS:
        raise ValueError(f"unknown coupon {basket['coupon']!r}")
    return basket


def check_item(item):
    """ValueError unless `item` has a sku, a quantity from 1 to MAX_QUANTITY and a price in whole cents."""
    if not isinstance(item, dict) or not isinstance(item.get("sku"), str) or not item["sku"]:
        raise ValueError("each item needs a sku")
    quantity, price = item.get("quantity"), item.get("unit_cents")
    if type(quantity) is not int or quantity < 1 or quantity > MAX_QUANTITY:
        raise ValueError(f"the quantity of {item['sku']} must be a whole number from 1 to {MAX_QUANTITY}")
    if type(price) is not int or price < 0:
        raise ValueError(f"the price of {item['sku']} must be a whole number of cents")


def coupon_discount(coupon, subtotal):
    """The coupon's discount in cents, rounded down; none below COUPON_MINIMUM or without a coupon."""
    if coupon is None or subtotal < COUPON_MINIMUM:
        return 0
    return subtotal * COUPONS[coupon] // 100


def respond(status, body, context):
    """An HTTP API answer: the status, a JSON body, and the request id of this invocation."""
    return {"statusCode": status,
            "headers": {"content-type": "application/json", "x-request-id": context.aws_request_id},
            "body": json.dumps(body)}
