"""Checks for lab 2 (event-driven ETL): upload files to the sandbox, then compare the tables and the rejects.

The lab's pipeline is S3 upload -> Lambda -> DynamoDB, with bad records sent to an SQS queue. These checks act
as the uploader and the auditor: they put objects in the bucket, redeliver events, and read what the function
left in the orders table, the customer totals table and the rejects queue.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from lambda_course.checks import CheckFailed, _function_error_message, _short

Orders = dict[str, tuple[str, Decimal]]  # order id -> (customer, amount)
Totals = dict[str, tuple[int, Decimal]]  # customer -> (order count, total amount)

FIELDS = ("id", "customer", "amount")
_seen_rejects: dict[str, list[dict[str, Any]]] = {}  # queue URL -> every message read from it so far


# --- events and uploads -------------------------------------------------------------------------------------


def s3_event(bucket: str, key: str, size: int = 0) -> dict[str, Any]:
    """An S3 ObjectCreated notification for one object, with the key URL-encoded as S3 sends it."""
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:Put",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": urllib.parse.quote_plus(key), "size": size},
        },
    }
    return {"Records": [record]}


def upload(bucket: str, key: str, text: str) -> None:
    """Upload a file to the bucket and wait until the function it triggers has finished."""
    import boto3  # boto3 loads at first use: start-up time

    from localaws import sandbox  # the sandbox loads at first use: start-up time

    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=text.encode())
    running = sandbox.current()
    if running is not None:
        running.wait_idle(timeout=30)


# --- reading what the function left behind ------------------------------------------------------------------


def orders(table: str) -> Orders:
    """Every order in the orders table: id -> (customer, amount)."""
    found: Orders = {}
    for item in _scan(table):
        customer = item.get("customer", {}).get("S", "")
        found[item["id"]["S"]] = (customer, _number(item.get("amount")))
    return found


def totals(table: str) -> Totals:
    """Every customer's running totals: customer -> (order_count, total_amount)."""
    found: Totals = {}
    for item in _scan(table):
        count = _number(item.get("order_count"))
        found[item["customer"]["S"]] = (int(count), _number(item.get("total_amount")))
    return found


def rejections(queue_url: str) -> list[dict[str, Any]]:
    """Every message the rejects queue has received so far (read, deleted, and remembered here)."""
    import boto3  # boto3 loads at first use: start-up time

    sqs, seen = boto3.client("sqs"), _seen_rejects.setdefault(queue_url, [])
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        if not messages:
            return list(seen)
        for message in messages:
            seen.append(_reject_body(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _scan(table: str) -> list[dict[str, Any]]:
    """All items of a DynamoDB table, in the low-level attribute-value form."""
    import boto3  # boto3 loads at first use: start-up time

    client, items, start = boto3.client("dynamodb"), [], None
    while True:
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
        items.extend(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _number(attribute: Mapping[str, str] | None) -> Decimal:
    """A DynamoDB attribute as a Decimal: N directly, S when it holds a number, 0 when absent."""
    if not attribute:
        return Decimal(0)
    raw = attribute.get("N", attribute.get("S", "0"))
    try:
        return Decimal(raw)
    except InvalidOperation:
        return Decimal("NaN")


def _reject_body(body: str) -> dict[str, Any]:
    """A rejects message parsed as JSON; one that is not a JSON object is kept with a marker."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"not_json": body}
    return parsed if isinstance(parsed, dict) else {"not_json": body}


# --- questions 1 and 2: parsing and validating --------------------------------------------------------------


def check_raises_value_error(function: Callable[..., Any], *args: Any) -> None:
    """Check that calling `function(*args)` raises ValueError (and nothing else)."""
    call = f"{getattr(function, '__name__', 'the function')}({', '.join(_short(a, 40) for a in args)})"
    try:
        result = function(*args)
    except ValueError:
        return
    except Exception as error:  # learner code may raise anything; each failure fails the check, never passes it
        raise CheckFailed(f"{call} raised {type(error).__name__}: {error}; it should raise ValueError.") from None
    raise CheckFailed(f"{call} returned {_short(result)}; it should raise ValueError.")


def check_valid(validate: Callable[[Any], Any], record: Any, expected: Mapping[str, Any]) -> None:
    """Check a valid record gives (item, None), with the id and customer trimmed and the amount a Decimal."""
    item, reason = _validated(validate, record)
    if reason is not None or item is None:
        raise CheckFailed(
            f"validate_record({_short(record)}) rejected a valid record with the reason {reason!r}. "
            "It should return (item, None)."
        )
    if not isinstance(item, dict) or set(item) != set(FIELDS):
        raise CheckFailed(
            f"validate_record({_short(record)}) returned the item {_short(item)}; it should be a dict with "
            "exactly the keys id, customer and amount."
        )
    if not isinstance(item["amount"], Decimal):
        raise CheckFailed(
            f"The amount in {_short(item)} is a {type(item['amount']).__name__}; make it a Decimal (from the "
            "text of the number, Decimal(str(value))), the type DynamoDB numbers map to without rounding."
        )
    wanted = {**expected, "amount": Decimal(str(expected["amount"]))}
    if item != wanted:
        raise CheckFailed(f"validate_record({_short(record)}) gave {_short(item)}, but it should give {wanted}.")


def check_invalid(validate: Callable[[Any], Any], record: Any, field: str | None) -> None:
    """Check a bad record gives (None, reason), the reason naming the field at fault when there is one."""
    item, reason = _validated(validate, record)
    if item is not None or not isinstance(reason, str) or not reason.strip():
        raise CheckFailed(
            f"validate_record({_short(record)}) returned ({_short(item, 60)}, {reason!r}); this record is "
            f"invalid{f' because of its {field}' if field else ''}, so it should return (None, reason) with "
            "a reason saying what is wrong."
        )
    if field and field not in reason.lower():
        raise CheckFailed(
            f"The reason {reason!r} given for {_short(record)} should name the field at fault, {field!r}, so "
            "whoever reads the rejects queue knows what to fix."
        )


def _validated(validate: Callable[[Any], Any], record: Any) -> tuple[Any, Any]:
    """Call validate_record and check it returned a pair; an exception becomes a message."""
    try:
        result = validate(record)
    except Exception as error:  # learner code may raise anything; each failure fails the check, never passes it
        raise CheckFailed(
            f"validate_record({_short(record)}) raised {type(error).__name__}: {error}. A bad record must not "
            "stop the function: return (None, reason) instead."
        ) from None
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailed(f"validate_record should return a pair (item, reason), not {_short(result)}.")
    return result


# --- the deployed pipeline ----------------------------------------------------------------------------------


def check_upload(
    bucket: str,
    key: str,
    text: str,
    *,
    function_name: str,
    orders_table: str,
    totals_table: str,
    stored: Mapping[str, tuple[str, str]],
) -> None:
    """Upload a file and check its valid orders reached the table and the customers' totals grew by them."""
    before = totals(totals_table)
    upload(bucket, key, text)
    table = orders(orders_table)
    missing = [order_id for order_id in stored if order_id not in table]
    if missing:
        raise CheckFailed(_missing_orders_message(bucket, key, missing, function_name))
    for order_id, (customer, amount) in stored.items():
        if table[order_id] != (customer, Decimal(amount)):
            raise CheckFailed(
                f"Order {order_id!r} is in the table as {_order_text(table[order_id])}, but the file {key!r} "
                f"says {customer} for {amount}."
            )
    _check_totals_grew(before, totals(totals_table), stored, key)


def _check_totals_grew(before: Totals, after: Totals, stored: Mapping[str, tuple[str, str]], key: str) -> None:
    """Each customer's count and amount should have grown by exactly that customer's new orders."""
    for customer in sorted({c for c, _ in stored.values()}):
        new = [Decimal(a) for c, a in stored.values() if c == customer]
        count, amount = before.get(customer, (0, Decimal(0)))
        want, got = (count + len(new), amount + sum(new)), after.get(customer, (0, Decimal(0)))
        if got != want:
            raise CheckFailed(
                f"After uploading {key!r}, the totals table has {_totals_text(customer, got)}; it should have "
                f"{_totals_text(customer, want)}. For each order stored, add 1 to order_count and the amount "
                "to total_amount (an update_item with ADD)."
            )


def _missing_orders_message(bucket: str, key: str, missing: list[str], function_name: str) -> str:
    """Explain why uploaded orders are not in the table, running the function once to show its error."""
    from botocore.exceptions import BotoCoreError, ClientError  # botocore loads at first use: start-up time

    from lambda_course.deploy import invoke  # imports boto3: start-up time

    head = f"After uploading {key!r} to {bucket!r}, these orders are not in the table: {', '.join(missing)}."
    event = s3_event(bucket, key)
    try:
        invocation = invoke(function_name, event)
    except (ClientError, BotoCoreError) as error:  # only the message differs: the check fails either way
        code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
        if code == "ResourceNotFoundException":
            return f"{head} There is no function {function_name!r} to run: deploy it and wire the bucket to it."
        return (f"{head} Running {function_name!r} on that upload's event, to see why, failed too: "
                f"{type(error).__name__}: {error}. Is the sandbox running? Run the setup cell, then this one.")
    if invocation.function_error:
        return f"{head} Running the function on that upload's event fails:\n" + _function_error_message(
            function_name, invocation.payload, invocation.log, event
        )
    return (
        f"{head} Check the bucket notification reaches {function_name!r}, that the handler decodes the key "
        "with urllib.parse.unquote_plus, and that it writes every valid record."
    )


def check_rejections(queue_url: str, key: str, expected: Mapping[int, str | None]) -> None:
    """Check the rejects queue holds one message per bad line of `key`, each with a reason naming the field."""
    mine = [m for m in rejections(queue_url) if m.get("key") == key]
    if not mine:
        raise CheckFailed(
            f"The rejects queue has no message about {key!r}, which has {len(expected)} bad record(s). Send one "
            'message per bad record whose body is JSON with "key", "line", "record" and "reason".'
        )
    lines = sorted(line for m in mine if isinstance(line := m.get("line"), int))
    if lines != sorted(expected):
        raise CheckFailed(
            f"The rejects queue has messages about {key!r} for lines {lines}, but the bad records are on lines "
            f"{sorted(expected)}. Each line should be rejected exactly once; count lines from 1, header included."
        )
    for message in mine:
        field, reason = expected[message["line"]], message.get("reason")
        if not isinstance(reason, str) or not reason.strip() or (field and field not in reason.lower()):
            raise CheckFailed(
                f"The rejection of line {message['line']} of {key!r} has the reason {reason!r}; it should "
                f"say what is wrong{f', naming the field {field!r}' if field else ''}."
            )


def check_redelivery(
    bucket: str, key: str, *, function_name: str, orders_table: str, totals_table: str
) -> None:
    """Check that delivering an upload's event again, and uploading the same file again, change nothing."""
    from lambda_course.deploy import invoke  # imports boto3: start-up time

    before = orders(orders_table), totals(totals_table)
    event = s3_event(bucket, key)
    invocation = invoke(function_name, event)
    if invocation.function_error:
        raise CheckFailed(
            "The same event, delivered a second time, made the function fail. S3 delivers events at least "
            "once, so a handler must expect to see one again.\n"
            + _function_error_message(function_name, invocation.payload, invocation.log, event)
        )
    _check_unchanged(before, (orders(orders_table), totals(totals_table)), "the same event was delivered again")
    import boto3  # boto3 loads at first use: start-up time

    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    upload(bucket, key, body)
    _check_unchanged(before, (orders(orders_table), totals(totals_table)), "the same file was uploaded again")


def _check_unchanged(before: tuple[Orders, Totals], after: tuple[Orders, Totals], what: str) -> None:
    """Fail, naming the first difference, when a redelivery changed the orders or the totals."""
    if after[0] != before[0]:
        changed = sorted(set(after[0]) ^ set(before[0])) or [k for k in after[0] if after[0][k] != before[0][k]]
        raise CheckFailed(f"After {what}, the orders table changed (orders {', '.join(changed)}).")
    for customer, was in before[1].items():
        now = after[1].get(customer, (0, Decimal(0)))
        if now != was:
            raise CheckFailed(
                f"After {what}, the totals table went from {_totals_text(customer, was)} to "
                f"{_totals_text(customer, now)}: the orders were counted twice. Write each order with a "
                "condition (ConditionExpression='attribute_not_exists(id)') and add to the totals only when "
                "that write succeeded, ideally in one transact_write_items call."
            )


def _order_text(order: tuple[str, Decimal]) -> str:
    return f"{order[0] or 'no customer'} for {order[1]}"


def _totals_text(customer: str, entry: tuple[int, Decimal]) -> str:
    return f"{entry[0]} order(s) worth {entry[1]} for {customer}"


# --- question 4: the wiring ---------------------------------------------------------------------------------


def check_notification(bucket: str, function_name: str) -> None:
    """Check the bucket notifies the function of every new object."""
    import boto3  # boto3 loads at first use: start-up time

    config = boto3.client("s3").get_bucket_notification_configuration(Bucket=bucket)
    targets = config.get("LambdaFunctionConfigurations", [])
    mine = [t for t in targets if t.get("LambdaFunctionArn", "").split(":function:")[-1].split(":")[0]
            == function_name]
    if not mine:
        raise CheckFailed(
            f"The bucket {bucket!r} does not notify {function_name!r} "
            f"(its Lambda notifications: {_short([t.get('LambdaFunctionArn') for t in targets])}). Call "
            "put_bucket_notification_configuration with a LambdaFunctionConfigurations entry naming the "
            "function's ARN."
        )
    events = [e for t in mine for e in t.get("Events", [])]
    if not any(e in ("s3:ObjectCreated:*", "s3:ObjectCreated:Put") for e in events):
        raise CheckFailed(
            f"The notification for {function_name!r} fires on {events}; it should fire when objects are "
            'created: use "s3:ObjectCreated:*".'
        )


def check_s3_may_invoke(function_name: str, bucket: str) -> None:
    """Check the function's resource-based policy lets S3, for this bucket, invoke it."""
    import boto3  # boto3 loads at first use: start-up time

    client = boto3.client("lambda")
    try:
        statements = json.loads(client.get_policy(FunctionName=function_name)["Policy"]).get("Statement", [])
    except client.exceptions.ResourceNotFoundException:
        statements = []
    for statement in statements:
        principal = statement.get("Principal", {})
        service = principal.get("Service") if isinstance(principal, dict) else principal
        source = json.dumps(statement.get("Condition", {}))
        if service == "s3.amazonaws.com" and (f"arn:aws:s3:::{bucket}" in source or not source.strip("{}")):
            return
    raise CheckFailed(
        f"{function_name!r} has no permission statement letting S3 invoke it for the bucket {bucket!r}. On AWS "
        "the notification would be refused: call add_permission with Principal='s3.amazonaws.com', "
        f"Action='lambda:InvokeFunction' and SourceArn='arn:aws:s3:::{bucket}'."
    )


# --- question 8: events the function cannot handle ----------------------------------------------------------


def failure_target(function_name: str) -> str | None:
    """The ARN where the function's failed asynchronous events go: its on-failure destination or its DLQ."""
    import boto3  # boto3 loads at first use: start-up time

    client = boto3.client("lambda")
    try:
        dead_letter = client.get_function_configuration(FunctionName=function_name).get("DeadLetterConfig", {})
    except client.exceptions.ResourceNotFoundException:
        raise CheckFailed(f"There is no function {function_name!r} yet: deploy it (question 4) first.") from None
    try:
        config = client.get_function_event_invoke_config(FunctionName=function_name)
        destination = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    except client.exceptions.ResourceNotFoundException:
        destination = None
    return destination or dead_letter.get("TargetArn")


def check_failed_events_kept(bucket: str, key: str, *, function_name: str, queue_url: str) -> None:
    """Upload a file the function must fail on, let Lambda's retries run out, and find its event in the queue."""
    import boto3  # boto3 loads at first use: start-up time

    from localaws import sandbox  # the sandbox loads at first use: start-up time
    from localaws.runtime.asynchronous import RETRY_DELAYS_S  # the Lambda runtime loads at first use: start-up time

    queue_arn = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    target = failure_target(function_name)
    if target != queue_arn:
        raise CheckFailed(
            f"{function_name!r} sends its failed events to {target or 'nowhere'}, not to the queue {queue_arn}. "
            "Give it an on-failure destination (put_function_event_invoke_config with DestinationConfig="
            "{'OnFailure': {'Destination': ...}}) or a dead-letter queue (update_function_configuration with "
            "DeadLetterConfig={'TargetArn': ...})."
        )
    upload(bucket, key, "this file is not orders\n")
    running = sandbox.current()
    for delay in RETRY_DELAYS_S:  # bring Lambda's retries forward, one minute and then two
        running.clock.advance(delay)
        running.wait_idle(timeout=30)
    if not any(_mentions(body, bucket, key) for body in _drain(queue_url)):
        raise CheckFailed(
            f"After {key!r} was uploaded and Lambda's retries ran out, no message about it reached the queue. "
            f"The handler should fail on a file it cannot read (parse_records raises ValueError for {key!r}); "
            "if it catches that error and returns, Lambda counts the event as a success and keeps nothing."
        )


def _drain(queue_url: str) -> list[str]:
    """Every message body waiting in a queue (read and deleted)."""
    import boto3  # boto3 loads at first use: start-up time

    sqs, bodies = boto3.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _mentions(body: str, bucket: str, key: str) -> bool:
    """True when a DLQ message (the event) or a destination record (the event inside) is about this object."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    event = parsed.get("requestPayload", parsed) if isinstance(parsed, dict) else {}
    records = event.get("Records", []) if isinstance(event, dict) else []
    return any(r.get("s3", {}).get("bucket", {}).get("name") == bucket
               and urllib.parse.unquote_plus(r.get("s3", {}).get("object", {}).get("key", "")) == key
               for r in records if isinstance(r, dict))
