"""Lab 2 graded end to end with nbgrader (the reference solution, the released stub and a pipeline that counts
redelivered orders twice, in one shared `lambda-course grade` run), and its checks tried on their own."""

from __future__ import annotations

from decimal import Decimal

import labtesting
import nbformat
import pytest
from lab_contract import LabContract

from grader.merge import cell_by_id
from lambda_course.checks import CheckFailed
from lambda_course.labchecks import etl
from lambda_course.labs import lab

# One worker grades this module's batch once; split across workers, each would grade it again.
pytestmark = pytest.mark.xdist_group("lab2_event_driven_etl")

NAIVE_STORE = '''
def store_once(item):
    """Store the order and add it to the totals, with no condition: a repeat counts again."""
    amount = {"N": str(item["amount"])}
    dynamodb.put_item(TableName=os.environ["ORDERS_TABLE"],
                      Item={"id": {"S": item["id"]}, "customer": {"S": item["customer"]}, "amount": amount})
    dynamodb.update_item(TableName=os.environ["TOTALS_TABLE"], Key={"customer": {"S": item["customer"]}},
                         UpdateExpression="ADD order_count :one, total_amount :amount",
                         ExpressionAttributeValues={":one": {"N": "1"}, ":amount": amount})
    return True


def reject('''


class TestGrading(LabContract):
    LAB, POINTS = lab("lab2-event-driven-etl"), 17
    RELEASED_TEXT_OMITS = ("transact_write_items(TransactItems",)

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: every answer from the solution, except orders written without a condition (a repeat counts again)."""
        nb = labtesting.answered(cls.LAB)
        source = cell_by_id(nb, "q3-answer").source
        start, end = source.index("def store_once(item):"), source.index("def reject(")
        cell_by_id(nb, "q3-answer").source = source[:start] + NAIVE_STORE.lstrip() + source[end + len("def reject("):]
        return {"cy": nb}

    def test_counting_a_redelivery_twice_costs_the_idempotency_question_and_says_how(self, batch):
        assert batch.score("cy", "q7-tests") == 0
        assert batch.score("cy") == self.LAB.points - 3
        page = batch.feedback("cy")
        assert "counted twice" in page and "attribute_not_exists(id)" in page


# --- the checks on their own --------------------------------------------------------------------------------


def test_s3_event_encodes_the_key_as_s3_does():
    event = etl.s3_event("inbox", "day 2/a+b.csv")
    assert event["Records"][0]["s3"]["object"]["key"] == "day+2%2Fa%2Bb.csv"
    assert event["Records"][0]["s3"]["bucket"]["name"] == "inbox"


def test_check_valid_wants_decimal_amounts_and_exact_keys():
    etl.check_valid(lambda r: ({"id": "a", "customer": "b", "amount": Decimal("1.50")}, None), {},
                    {"id": "a", "customer": "b", "amount": "1.5"})
    with pytest.raises(CheckFailed, match="Decimal"):
        etl.check_valid(lambda r: ({"id": "a", "customer": "b", "amount": 1.5}, None), {},
                        {"id": "a", "customer": "b", "amount": "1.5"})
    with pytest.raises(CheckFailed, match="exactly the keys"):
        etl.check_valid(lambda r: ({"id": "a", "customer": "b", "amount": Decimal(1), "x": 1}, None), {},
                        {"id": "a", "customer": "b", "amount": "1"})


def test_check_invalid_wants_the_field_named_and_no_exception():
    etl.check_invalid(lambda r: (None, "Amount is negative"), {"amount": -1}, "amount")
    with pytest.raises(CheckFailed, match="name the field"):
        etl.check_invalid(lambda r: (None, "bad record"), {"amount": -1}, "amount")
    with pytest.raises(CheckFailed, match="must not"):
        etl.check_invalid(lambda r: 1 / 0, {"amount": -1}, "amount")
    with pytest.raises(CheckFailed, match=r"\(None, reason\)"):
        etl.check_invalid(lambda r: ({"id": "x"}, None), {"amount": -1}, "amount")


def test_check_raises_value_error():
    etl.check_raises_value_error(int, "x")
    with pytest.raises(CheckFailed, match="returned 5"):
        etl.check_raises_value_error(int, "5")
    with pytest.raises(CheckFailed, match="TypeError"):
        etl.check_raises_value_error(int, None)


@pytest.fixture
def pipeline(sb, unique):
    """A bucket, the two tables and a rejects queue with unique names."""
    import boto3

    names = {"bucket": f"inbox-{unique}", "orders": f"orders-{unique}", "totals": f"totals-{unique}"}
    ddb = boto3.client("dynamodb")
    for table, key in ((names["orders"], "id"), (names["totals"], "customer")):
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])
    boto3.client("s3").create_bucket(Bucket=names["bucket"])
    names["queue"] = boto3.client("sqs").create_queue(QueueName=f"rejects-{unique}")["QueueUrl"]
    return names


def test_missing_orders_are_explained_with_the_functions_error(sb, unique, pipeline):
    from lambda_course.deploy import deploy_function

    deploy_function(f"etl-{unique}", "def handler(event, context):\n    raise KeyError('ORDERS_TABLE')\n")
    with pytest.raises(CheckFailed) as failure:
        etl.check_upload(pipeline["bucket"], "a.csv", "id,customer,amount\na-1,al,1\n",
                         function_name=f"etl-{unique}", orders_table=pipeline["orders"],
                         totals_table=pipeline["totals"], stored={"a-1": ("al", "1")})
    assert "a-1" in str(failure.value) and "KeyError" in str(failure.value)


def test_totals_and_rejections_are_read_back(sb, pipeline):
    import json

    import boto3

    ddb = boto3.client("dynamodb")
    ddb.put_item(TableName=pipeline["totals"],
                 Item={"customer": {"S": "al"}, "order_count": {"N": "2"}, "total_amount": {"N": "3.50"}})
    assert etl.totals(pipeline["totals"]) == {"al": (2, Decimal("3.5"))}
    sqs = boto3.client("sqs")
    for line in (2, 3):
        body = {"key": "k.csv", "line": line, "reason": "amount is bad"}
        sqs.send_message(QueueUrl=pipeline["queue"], MessageBody=json.dumps(body))
    etl.check_rejections(pipeline["queue"], "k.csv", {2: "amount", 3: "amount"})
    with pytest.raises(CheckFailed, match="lines \\[2, 3\\]"):
        etl.check_rejections(pipeline["queue"], "k.csv", {2: "amount"})  # read again from memory


def test_wiring_checks_name_what_is_missing(sb, unique, pipeline):
    import boto3

    from lambda_course.deploy import deploy_function

    name = f"wired-{unique}"
    arn = deploy_function(name, "def handler(event, context):\n    return 1\n")["FunctionArn"]
    with pytest.raises(CheckFailed, match="does not notify"):
        etl.check_notification(pipeline["bucket"], name)
    with pytest.raises(CheckFailed, match="add_permission"):
        etl.check_s3_may_invoke(name, pipeline["bucket"])
    boto3.client("s3").put_bucket_notification_configuration(Bucket=pipeline["bucket"], NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectRemoved:*"]}]})
    with pytest.raises(CheckFailed, match="ObjectCreated"):
        etl.check_notification(pipeline["bucket"], name)
    boto3.client("lambda").add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                                          Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{pipeline['bucket']}")
    etl.check_s3_may_invoke(name, pipeline["bucket"])


@pytest.mark.parametrize("handler, configured, expected", [
    ("raise ValueError('unreadable')", False, "sends its failed events to nowhere"),
    ("return {'swallowed': True}", True, "Lambda counts the event as a success"),
    ("raise ValueError('unreadable')", True, None),
])
def test_failed_events_check_wants_a_destination_and_a_handler_that_fails(sb, unique, pipeline, handler,
                                                                          configured, expected):
    import boto3

    from lambda_course.deploy import deploy_function

    name = f"failing-{unique}"
    arn = deploy_function(name, f"def handler(event, context):\n    {handler}\n")["FunctionArn"]
    lam, sqs = boto3.client("lambda"), boto3.client("sqs")
    lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{pipeline['bucket']}")
    boto3.client("s3").put_bucket_notification_configuration(Bucket=pipeline["bucket"], NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    failed = sqs.create_queue(QueueName=f"failed-{unique}")["QueueUrl"]
    if configured:
        queue_arn = sqs.get_queue_attributes(QueueUrl=failed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": queue_arn})
    check = lambda: etl.check_failed_events_kept(  # noqa: E731
        pipeline["bucket"], "in/notes.txt", function_name=name, queue_url=failed)
    if expected is None:
        check()  # a dead-letter queue counts as much as an on-failure destination
    else:
        with pytest.raises(CheckFailed, match=expected):
            check()
