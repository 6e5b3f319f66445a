"""Lab 5 promises that a compromised thumbnailer could write only under thumbs/: a check holds the role to it.

IAM matches an object ARN's key with `*` and `?` wildcards and nothing else, so `lab5-thumbnails/thumbs/*`
covers thumbnails and refuses `lab5-thumbnails/index.html`, while `lab5-thumbnails/*` lets both through
(IAM User Guide, IAM JSON policy elements: Resource,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
"""

from __future__ import annotations

import boto3
import pytest
from lab5_policies import LEAST, WHOLE_BUCKET

from lambda_course.labchecks import security

OUTSIDE = f"s3:PutObject on arn:aws:s3:::{security.THUMBNAILS}/index.html"


pytestmark = pytest.mark.usefixtures("settle_after_module")


def test_the_reference_role_keeps_writes_under_the_prefix():
    security.check_writes_stay_in_prefix(LEAST)
    assert security.overreaching_allowed(LEAST, ["write-outside-thumbs"]) == []


def test_a_role_writing_to_the_whole_bucket_works_but_fails_the_prefix_check_alone():
    security.check_thumbnailer_works(WHOLE_BUCKET)
    others = [name for name in security.OVERREACH if name != "write-outside-thumbs"]
    security.check_least_privilege(WHOLE_BUCKET, others)  # every other over-reach is still refused
    with pytest.raises(AssertionError) as failed:
        security.check_writes_stay_in_prefix(WHOLE_BUCKET)
    message = str(failed.value)
    assert OUTSIDE in message
    assert f"arn:aws:s3:::{security.THUMBNAILS}/thumbs/*" in message


def test_the_write_outside_the_prefix_really_reaches_the_bucket_under_the_loose_role():
    s3 = boto3.client("s3")
    security.lab5_setup()
    s3.delete_object(Bucket=security.THUMBNAILS, Key="index.html")
    assert security.overreaching_allowed(WHOLE_BUCKET, ["write-outside-thumbs"]) == [OUTSIDE]
    s3.head_object(Bucket=security.THUMBNAILS, Key="index.html")  # the probe's write landed: not a guess
