"""Lab 5's execution-role policies that tests grade against: the least one the lab asks for, "*", and one that
writes to the whole thumbnails bucket."""

from __future__ import annotations

from lambda_course.labchecks import security

LEAST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{security.UPLOADS}/*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{security.THUMBNAILS}/thumbs/*"},
    {"Effect": "Allow", "Action": "dynamodb:PutItem",
     "Resource": f"arn:aws:dynamodb:{security.REGION}:{security.ACCOUNT}:table/{security.TABLE}"}]}
STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# Writes thumbnails anywhere in the thumbnails bucket, not only under thumbs/: works, but is not confined.
WHOLE_BUCKET = {**LEAST, "Statement": [
    {**statement, "Resource": f"arn:aws:s3:::{security.THUMBNAILS}/*"} if statement["Action"] == "s3:PutObject"
    else statement for statement in LEAST["Statement"]]}
