"""S3, SNS and SQS events, from real resources, against the examples of the Lambda Developer Guide.

https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
"""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from shape_support import Allowances, assert_documented_shape


def _age_s(iso_millis: str) -> float:
    """Seconds since an ISO-8601 time such as 2019-09-03T19:37:27.192Z."""
    return (datetime.now(UTC) - datetime.strptime(iso_millis, "%Y-%m-%dT%H:%M:%S.%f%z")).total_seconds()


def test_s3_object_created_event(sb, recorder, fresh_name):
    """An upload to a bucket whose notification names the function: the example's shape, the upload's values.

    https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
    """
    s3, bucket = boto3.client("s3"), fresh_name("uploads")
    s3.create_bucket(Bucket=bucket)
    recorder.grant("s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"Id": "new-uploads", "LambdaFunctionArn": recorder.arn,
                                          "Events": ["s3:ObjectCreated:*"]}]})
    put = s3.put_object(Bucket=bucket, Key="in/report 1.csv", Body=b"a,b\n" * 100)
    [event] = recorder.events()
    assert_documented_shape(event, "s3-object-created", Allowances(any_text=frozenset({
        "Records[].s3.configurationId", "Records[].s3.bucket.name", "Records[].s3.object.key"})))
    [record] = event["Records"]
    assert (record["eventName"], record["awsRegion"]) == ("ObjectCreated:Put", sb.region)
    assert 0 <= _age_s(record["eventTime"]) < 30
    assert record["s3"]["configurationId"] == "new-uploads"
    assert record["s3"]["bucket"]["name"] == bucket and record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert record["s3"]["object"]["key"] == "in/report+1.csv"
    assert record["s3"]["object"]["size"] == 400 and record["s3"]["object"]["eTag"] == put["ETag"].strip('"')


def test_sns_notification_event(sb, recorder, fresh_name):
    """A Publish to a topic the function subscribes to: the example's shape, the topic's and message's values.

    https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
    """
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=fresh_name("alerts"))["TopicArn"]
    recorder.grant("sns.amazonaws.com", topic)
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=recorder.arn)["SubscriptionArn"]
    published = sns.publish(TopicArn=topic, Message="disk full", Subject="Alert", MessageAttributes={
        "Test": {"DataType": "String", "StringValue": "TestString"},
        "TestBinary": {"DataType": "Binary", "BinaryValue": b"TestBinary"}})
    [event] = recorder.events()
    assert_documented_shape(event, "sns-notification", Allowances(maps=frozenset({"Records[].Sns.MessageAttributes"})))
    [record] = event["Records"]
    assert record["EventSubscriptionArn"] == subscription and subscription.startswith(f"{topic}:")
    sns_part = record["Sns"]
    assert (sns_part["TopicArn"], sns_part["MessageId"]) == (topic, published["MessageId"])
    assert (sns_part["Message"], sns_part["Subject"]) == ("disk full", "Alert")
    assert 0 <= _age_s(sns_part["Timestamp"]) < 30
    assert sns_part["UnsubscribeUrl"].endswith(f"/?Action=Unsubscribe&SubscriptionArn={subscription}")
    assert sns_part["SigningCertUrl"].startswith(f"https://sns.{sb.region}.amazonaws.com/")


def _queue(name: str, **attributes: str) -> tuple[str, str]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "10", **attributes})["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _check_sqs_record(sb, record: dict, sent: dict, queue_arn: str, body: str) -> None:
    assert (record["messageId"], record["md5OfBody"], record["body"]) == (sent["MessageId"],
                                                                          sent["MD5OfMessageBody"], body)
    assert (record["eventSourceARN"], record["awsRegion"]) == (queue_arn, sb.region)
    attributes = record["attributes"]
    now_ms = sb.clock.now() * 1000  # SQS keeps the sandbox's time, which a test may have moved on
    assert int(attributes["SentTimestamp"]) <= int(attributes["ApproximateFirstReceiveTimestamp"]) <= now_ms
    assert now_ms - int(attributes["SentTimestamp"]) < 30_000


def test_sqs_standard_queue_event(sb, recorder, fresh_name):
    """A message on a queue mapped to the function: the example's shape, the queue's and message's values.

    https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
    """
    url, arn = _queue(fresh_name("jobs"))
    sent = boto3.client("sqs").send_message(QueueUrl=url, MessageBody="Test message.")
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=recorder.name)
    [event] = recorder.events()
    assert_documented_shape(event, "sqs-standard-queue", Allowances(any_text=frozenset({"Records[].body"})))
    [record] = event["Records"]
    _check_sqs_record(sb, record, sent, arn, "Test message.")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"


def test_sqs_fifo_queue_event(sb, recorder, fresh_name):
    """A message on a FIFO queue: the FIFO example's attributes (group, deduplication id, sequence number).

    https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
    """
    url, arn = _queue(fresh_name("orders") + ".fifo", FifoQueue="true")
    sent = boto3.client("sqs").send_message(QueueUrl=url, MessageBody="first", MessageGroupId="1",
                                            MessageDeduplicationId="d-1")
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=recorder.name)
    [event] = recorder.events()
    assert_documented_shape(event, "sqs-fifo-queue", Allowances(any_text=frozenset({"Records[].body"})))
    [record] = event["Records"]
    _check_sqs_record(sb, record, sent, arn, "first")
    assert record["attributes"]["SequenceNumber"] == sent["SequenceNumber"]
    assert (record["attributes"]["MessageGroupId"], record["attributes"]["MessageDeduplicationId"]) == ("1", "d-1")
