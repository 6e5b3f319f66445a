"""What the grading engine (grader/) needs to know of this course, as its `GradedCourse` settings.

The engine finds `course_config` through the `grader.course` entry point in pyproject.toml. Everything course-
and Lambda-specific about grading is said here: the files a jail shows and hides, the modules its fork server
preloads, the sandbox program each graded notebook gets (lambda_course/judging.py) and the records that cross
from the learner's kernel to the judge.
"""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

import iampolicy
import localaws
from lambda_course import answerkeys
from lambda_course.labs import RELEASE_DIR, ROOT, SOURCE_DIR, Lab, all_labs

COURSE_ID = "lambda-course"
# The packages a jailed program runs, wherever they are installed.
LOCALAWS, IAMPOLICY = (Path(next(iter(package.__path__))).resolve() for package in (localaws, iampolicy))
COURSE_PACKAGE = Path(__file__).resolve().parent
# Entries of the course folder a graded notebook may see: the packages it runs on, the released labs and the
# chapters it may read. Everything else (solutions/, tests/, the gradebook...) is hidden.
VISIBLE = ("grader", "localaws", "iampolicy", "lambda_course", ".venv", RELEASE_DIR, "course",
           "lambda_course.egg-info", "pyproject.toml", "README.md")
# What a lab's kernel and its sandbox program import before any learner code runs, once for all forks.
PRELOAD = (
    "boto3", "botocore.session", "botocore.client", "botocore.endpoint", "requests",
    "localaws.sandbox", "lambda_course.checks", "lambda_course.deploy", "localaws.facts",
    "localaws.sandbox.remote", "localaws.sandbox.service", "lambda_course.architecture",
    "moto.core.models", "moto.moto_server.werkzeug_app", "moto.moto_server.threaded_moto_server",
    "moto.backend_index", "moto.awslambda.models", "moto.awslambda.responses", "moto.iam.models",
    "moto.iam.responses", "moto.sts.models", "moto.sts.responses", "moto.logs.models", "moto.logs.responses",
    "moto.s3.models", "moto.s3.responses", "moto.sqs.models", "moto.sqs.responses",
    "moto.dynamodb.models", "moto.dynamodb.responses", "moto.events.models", "moto.events.responses",
    "moto.sns.models", "moto.sns.responses", "moto.apigateway.models", "moto.apigatewayv2.models",
    "moto.awslambda.urls", "moto.iam.urls", "moto.iam.access_control", "moto.secretsmanager.models",
    "flask.debughelpers", "localaws.iam.*", "iampolicy.validator", "localaws.secrets.*",
    "localaws.eventbridge.moto_patch", "localaws.eventbridge.delivery", "localaws.runtime.provisioned",
    "lambda_course.contexts", "localaws.eventsources.streams.*", "localaws.cloudwatch.*",
    "localaws.deployments.configs", "localaws.deployments.driver",
    "localaws.stepfunctions.moto_patch",  # moto's ASL interpreter: seconds to import, at Step Functions' first call
)
# Dataclasses the checks return, rebuilt on the judge's side from their fields (a trailing dot: a package).
PLAIN_RECORDS = ("lambda_course.deploy", "lambda_course.labchecks.", "localaws.standin")


def course_config() -> Config:
    """This course's settings for the grading engine."""
    c = Config()
    course = c.GradedCourse
    course.course_id = COURSE_ID
    course.root = str(ROOT)
    course.source_directory = SOURCE_DIR
    course.release_directory = RELEASE_DIR
    course.assignments = "lambda_course.grading:assignments"
    course.visible = list(VISIBLE)
    course.hidden = [str(answerkeys.FOLDER)]
    course.packages = [str(folder) for folder in (LOCALAWS, IAMPOLICY, COURSE_PACKAGE)]
    course.python_path = [str(LOCALAWS / "runtime" / "guest")]  # the network guard of every jailed Python
    course.environment = {"LAMBDA_COURSE_GUEST": "1", "LAMBDA_COURSE_JAIL": "1"}
    course.preload = list(PRELOAD)
    course.warm_up = "localaws.sandbox.warm:warm_caches"
    course.companion = "lambda_course.judging:sandbox_in"
    course.judging = "lambda_course.judging:SandboxJudging"
    course.plain_records = list(PLAIN_RECORDS)
    course.plain_codecs = ["lambda_course.contexts:LambdaContextCodec"]
    return c


def assignments() -> dict[str, Lab]:
    """The labs, as the grading engine lists assignments."""
    return all_labs()
