"""Lab 5's execution-role policies that tests grade against: the least one the lab asks for, and "*"."""

from __future__ import annotations

from lambda_course.labchecks import security

LEAST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{security.UPLOADS}/*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{security.THUMBNAILS}/thumbs/*"},
    {"Effect": "Allow", "Action": "dynamodb:PutItem",
     "Resource": f"arn:aws:dynamodb:{security.REGION}:{security.ACCOUNT}:table/{security.TABLE}"}]}
STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
