"""The registry of every place where the sandbox changes moto or leans on it, checked together at start.

moto runs no Lambda code and leaves gaps (IAM enforcement, EventBridge matching, provisioned concurrency...);
the sandbox fills them by replacing or adding attributes of moto's classes and modules. Each such seam is
declared once below with what it expects of moto: the supported versions, that the attribute exists (or, for an
addition, that moto does not have it yet), the parameters of the function it replaces, and the pieces of
moto's code that the replacement reproduces. `verify()` checks them all against the installed moto and refuses
with one message listing every mismatch; `patch()` and `add_route()` are the only way code in localaws/ changes
moto, and a test holds every module to that. The names the sandbox merely imports from moto are declared too
(`RELIED_ON`), so that a moto release that moves one is caught here, before a learner meets it.

Written by hand because no library declares and checks monkeypatches against a version range this way.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

# The moto releases the seams were checked against; pyproject.toml's range for moto must be the same.
MOTO_SUPPORTED = SpecifierSet(">=5.2.5,<5.3")
FIX = "Install the versions the course was tested with: `make install` (or `pip install -r requirements.lock`)."

REPLACE, ADD, ROUTE, RELY = "replace", "add", "route", "rely"
# Services whose moto modules take seconds to import and whose patches install on their first call: their seams
# are checked then (verify_service), not at every sandbox start. AWS's durable execution model loads the same way.
DURABLE_MODEL = "aws_durable_execution_sdk_python_testing"
ON_DEMAND = ("moto.cloudformation", "moto.stepfunctions", DURABLE_MODEL)
_MISSING = object()  # the attribute is not in the owner's own namespace (absent, or inherited)


@dataclass(frozen=True)
class Seam:
    """One attribute of moto that the sandbox replaces, adds or relies on, and what it expects of it."""

    target: str  # "module:Attribute.path", e.g. "moto.sqs.models:Queue.add_message"
    kind: str = REPLACE
    signatures: tuple[tuple[str, ...], ...] = ()  # parameter lists moto's original may have (any one)
    prefix: bool = False  # compare only the leading parameters
    markers: tuple[str, ...] = ()  # text moto's original must contain: the logic the replacement reproduces
    key: str = ""  # for a ROUTE: the URL pattern added to the `url_paths` dict

    @property
    def module(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def path(self) -> list[str]:
        return self.target.split(":", 1)[1].split(".")

    @property
    def name(self) -> str:
        return self.target + (f"[{self.key}]" if self.key else "")


def _r(target: str, *signature: str, prefix: bool = False, markers: tuple[str, ...] = ()) -> Seam:
    return Seam(target, REPLACE, (signature,) if signature else (), prefix, markers)


LAMBDA_URLS = "moto.awslambda.urls:url_paths"
PROVISIONED_ROUTE = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"
ACCOUNT_SETTINGS_ROUTE = r"{0}/(?P<api_version>[^/]+)/account-settings/?$"
SFN_ASL = "moto.stepfunctions.parser.asl.component"
SFN_TASK = f"{SFN_ASL}.state.exec.state_task"
SFN_BACKEND = "moto.stepfunctions.parser.models:StepFunctionsParserBackend"
CFN_PARSING, CFN_MODELS = "moto.cloudformation.parsing", "moto.cloudformation.models"
CFN_RESOURCE_ARGS = ("logical_id", "resource_json", "resources_map", "account_id", "region_name")
DURABLE_EXECUTIONS_ROUTE = r"{0}/2025-12-01/durable-executions/(?P<durable_execution>.+)$"
DURABLE_CALLBACKS_ROUTE = r"{0}/2025-12-01/durable-execution-callbacks/(?P<callback_id>.+)$"
DURABLE_BY_FUNCTION_ROUTE = r"{0}/2025-12-01/functions/(?P<function_name>[\w_:%-]+)/durable-executions/?$"
CODE_LOCATION_ROUTE = (r"{0}/lambda_(?P<region>[a-z0-9-]+)/function-code/(?P<account>[0-9]+)/"
                       r"(?P<function_name>[\w-]+)/(?P<version>[^/]+)/?$")

SEAMS: tuple[Seam, ...] = (
    # The Lambda runtime (localaws.runtime.moto_seam): every invocation runs the handler for real.
    _r("moto.awslambda.models:LambdaFunction.invoke", "self", "body", "request_headers", "response_headers"),
    _r("moto.awslambda.responses:LambdaResponse.invoke", "self"),
    # These three also keep what moto drops: DeadLetterConfig, KMSKeyArn updates, and LoggingConfig
    # (localaws.runtime.logging_config: format, levels, and the log group the function's streams go to).
    _r("moto.awslambda.models:LambdaFunction.__init__", "self", "account_id", "spec", prefix=True),
    _r("moto.awslambda.models:LambdaFunction.get_configuration", "self", prefix=True),
    _r("moto.awslambda.models:LambdaFunction.update_configuration", "self", "config_updates"),
    Seam(LAMBDA_URLS, ROUTE, key=PROVISIONED_ROUTE),
    Seam("moto.awslambda.responses:LambdaResponse.put_provisioned_concurrency_config", ADD),
    Seam("moto.awslambda.responses:LambdaResponse.get_provisioned_concurrency_config", ADD),
    Seam("moto.awslambda.responses:LambdaResponse.delete_provisioned_concurrency_config", ADD),
    Seam("moto.awslambda.responses:LambdaResponse.list_provisioned_concurrency_configs", ADD),
    # What CreateFunction and UpdateFunctionConfiguration refuse before anything is stored
    # (localaws.runtime.validation).
    _r("moto.awslambda.models:LambdaBackend.create_function", "self", "spec"),
    _r("moto.awslambda.models:LambdaBackend.update_function_configuration", "self", "function_name", "qualifier",
       "body"),
    # What PublishLayerVersion and the event source mapping calls refuse before anything is stored
    # (localaws.runtime.layer_validation, localaws.runtime.mapping_validation).
    _r("moto.awslambda.models:LambdaBackend.publish_layer_version", "self", "spec"),
    _r("moto.awslambda.models:LambdaBackend.create_event_source_mapping", "self", "spec",
       markers=("get_function_by_name_or_arn_with_qualifier", "queue.queue_arn")),
    _r("moto.awslambda.models:LambdaBackend.update_event_source_mapping", "self", "uuid", "spec",
       markers=("get_event_source_mapping(uuid)", "MaximumBatchingWindowInSeconds")),
    # Weighted aliases (localaws.runtime.alias_routing): CreateAlias and UpdateAlias refuse the routing Lambda
    # refuses; an invocation of the alias runs the version drawn by weight from what moto stores.
    _r("moto.awslambda.models:LambdaBackend.create_alias", "self", "name", "function_name", "function_version",
       "description", "routing_config"),
    _r("moto.awslambda.models:LambdaBackend.update_alias", "self", "name", "function_name", "function_version",
       "description", "routing_config"),
    Seam("moto.awslambda.models:LambdaAlias.__init__", RELY,
         markers=("self.function_version = function_version", "self.routing_config = routing_config")),
    # Lambda deployments through CodeDeploy (localaws.deployments.moto_patch): CreateDeployment of a Lambda AppSpec
    # shifts the alias's traffic on the sandbox clock; GetDeployment reports status, errors and rollbackInfo, and
    # GetDeploymentGroup the alarm configuration, which moto's responses leave empty.
    _r("moto.codedeploy.models:CodeDeployBackend.create_deployment", "self", "application_name",
       "deployment_group_name", "revision", "deployment_config_name", "description",
       "ignore_application_stop_failures", "target_instances", "auto_rollback_configuration",
       "update_outdated_instances_only", "file_exists_behavior", "override_alarm_configuration",
       markers=("self.deployments[deployment.deployment_id] = deployment",)),
    _r("moto.codedeploy.responses:_deployment_info", "deployment", markers=('"rollbackInfo"', '"errorInformation"')),
    _r("moto.codedeploy.responses:_deployment_group_info", "deployment_group", markers=('"alarmConfiguration"',)),
    # The account's concurrency (localaws.runtime.account_settings).
    Seam(LAMBDA_URLS, ROUTE, key=ACCOUNT_SETTINGS_ROUTE),
    Seam("moto.awslambda.responses:LambdaResponse.get_account_settings", ADD),
    _r("moto.awslambda.models:LambdaBackend.put_function_concurrency", "self", "function_name",
       "reserved_concurrency"),
    # GetFunction's Code.Location, a link that serves the package (localaws.runtime.code_location).
    Seam(LAMBDA_URLS, ROUTE, key=CODE_LOCATION_ROUTE),
    _r("moto.awslambda.responses:LambdaResponse.get_function", "self", markers=("fn.get_code()",)),
    Seam("moto.awslambda.models:LambdaFunction.get_code", RELY, (("self",),), markers=('"Location"',)),
    # Lambda's durable execution API, which moto lacks (localaws.durable.api): executions, checkpoints, state,
    # history, callbacks, served in front of the durable execution engine.
    Seam(LAMBDA_URLS, ROUTE, key=DURABLE_EXECUTIONS_ROUTE),
    Seam(LAMBDA_URLS, ROUTE, key=DURABLE_CALLBACKS_ROUTE),
    Seam(LAMBDA_URLS, ROUTE, key=DURABLE_BY_FUNCTION_ROUTE),
    *(Seam(f"moto.awslambda.responses:LambdaResponse.{operation}", ADD) for operation in (
        "checkpoint_durable_execution", "get_durable_execution", "get_durable_execution_state",
        "get_durable_execution_history", "list_durable_executions_by_function", "stop_durable_execution",
        "send_durable_execution_callback_success", "send_durable_execution_callback_failure",
        "send_durable_execution_callback_heartbeat")),
    # What the sandbox's engine (localaws.durable.engine, .history) relies on in AWS's durable execution model, checked
    # when the engine first starts: a failed invocation reaches the executor as (ARN, error), and the history lists
    # the invocations first, then sorts every event stably by time and renumbers it.
    Seam(f"{DURABLE_MODEL}.executor:Executor._retry_after_error", RELY, (("self", "execution_arn", "error"),)),
    Seam(f"{DURABLE_MODEL}.executor:Executor.get_execution_history", RELY,
         (("self", "execution_arn", "include_execution_data", "reverse_order", "marker", "max_items"),),
         markers=("HistoryEvent.create_invocation_completed(",
                  "all_events.sort(key=lambda event: event.event_timestamp)",
                  "HistoryEvent.from_event_with_id(event, i)")),
    # SQS event source mappings polled as Lambda polls (localaws.eventsources.moto_patch).
    _r("moto.sqs.models:Queue.add_message", "self", "message",
       markers=("lambda_event_source_mappings", "send_sqs_batch", "DEDUPLICATION_TIME_IN_SECONDS",
                "_messages_lock")),
    _r("moto.sqs.models:SQSBackend.is_message_valid_based_on_retention_period", "self", "queue_name", "message",
       markers=("MessageRetentionPeriod", "sent_timestamp")),
    _r("moto.sqs.models:Queue.approximate_number_of_messages", markers=("len(self.messages)",)),
    _r("moto.sqs.models:Queue.approximate_number_of_messages_delayed", markers=("m.delayed",)),
    _r("moto.sqs.models:Queue.approximate_number_of_messages_not_visible", markers=("not m.visible",)),
    Seam("moto.sqs.models:SQSBackend.receive_message", RELY,
         (("self", "queue_name", "count", "wait_seconds_timeout", "visibility_timeout"),), prefix=True,
         markers=("dead_letter_queue", "maxReceiveCount", "pending_message_groups", "pending_messages",
                  "mark_received", "polling_end = unix_time() + wait_seconds_timeout", "unix_time() > polling_end",
                  "queue.wait_for_messages(")),
    Seam("moto.sqs.models:Message.visible", RELY, markers=("current_time > self.visible_at",)),
    Seam("moto.sqs.models:Message.delayed", RELY, markers=("current_time < self.delayed_until",)),
    Seam("moto.sqs.models:Queue.messages", RELY, markers=("message.visible and not message.delayed",)),
    # SQS on the sandbox's clock (localaws.eventsources.sqs_clock): the only two ways moto's SQS reads the time,
    # and the long poll that ends on that time and waits on the queue's condition, which a tick of the clock wakes.
    _r("moto.sqs.models:unix_time", "dt", markers=("utcnow()",)),
    _r("moto.sqs.models:unix_time_millis", "dt", markers=("unix_time(dt)",)),
    Seam("moto.sqs.models:Queue.wait_for_messages", RELY, markers=("self._messages_lock.wait_for(",)),
    # Kinesis and DynamoDB Streams event source mappings polled per shard as Lambda polls them
    # (localaws.eventsources.streams): moto's own sends, which invoke on the writer's thread, only wake the poller;
    # the poller reads the records moto keeps. CreateEventSourceMapping for a stream checks the execution role.
    _r("moto.awslambda.models:LambdaBackend.send_kinesis_message", "self", "function_name", "kinesis_stream",
       "kinesis_partition_key", "kinesis_sequence_number", "kinesis_data", "kinesis_shard_id",
       markers=("func.invoke(",)),
    _r("moto.awslambda.models:LambdaBackend.send_dynamodb_items", "self", "function_arn", "items", "source",
       markers=("func.invoke(",)),
    _r("moto.awslambda.models:EventSourceMapping.__init__", "self", "spec", markers=("self.uuid",)),
    Seam("moto.dynamodb.models.table:StreamShard.add", RELY, (("self", "old", "new"),),
         markers=("self.items.append", "send_dynamodb_items", "if result:")),
    Seam("moto.dynamodb.models.table:StreamRecord.__init__", RELY,
         markers=("ApproximateCreationDateTime", "SequenceNumber", "eventID")),
    Seam("moto.kinesis.models:Shard.put_record", RELY, markers=("self.records[sequence_number]",)),
    Seam("moto.kinesis.models:Stream.put_record", RELY, markers=("send_kinesis_message(",)),
    # Secrets Manager rotation through a real function (localaws.secrets.moto_patch).
    _r("moto.secretsmanager.models:SecretsManagerBackend.rotate_secret", "self", "secret_id",
       "client_request_token", "rotation_lambda_arn", "rotation_rules", "rotate_immediately", prefix=True,
       markers=("lambda_backend.invoke",)),
    _r("moto.awslambda.models:LambdaBackend.invoke", "self", "function_name", "qualifier", "body", "headers",
       "response_headers"),
    # Counting secret reads and decrypts for the caching lessons (localaws.secrets.calls).
    _r("moto.secretsmanager.models:SecretsManagerBackend.get_secret_value", "self", "secret_id", prefix=True),
    _r("moto.kms.models:KmsBackend.decrypt", "self", prefix=True),
    # EventBridge patterns and delivery (localaws.eventbridge.moto_patch, localaws.eventbridge.delivery).
    _r("moto.events.models:EventPattern.load", "cls", "raw_pattern"),
    _r("moto.events.models:EventPattern.matches_event", "self", "event"),
    _r("moto.events.models:EventsBackend.test_event_pattern"),
    _r("moto.events.responses:EventsHandler.test_event_pattern", "self"),
    _r("moto.events.models:Rule.send_to_targets", "self", "original_event", "transform_input"),
    # PutRule refuses the schedule expressions EventBridge refuses (localaws.eventbridge.moto_patch).
    _r("moto.events.models:EventsBackend.put_rule", "self", "name", "description", "event_bus_arn", "event_pattern",
       "role_arn", "scheduled_expression", "state", "managed_by", "tags",
       markers=("Parameter ScheduleExpression is not valid.", "_normalize_event_bus_arn")),
    # IAM enforcement and simulation (localaws.iam.seam, localaws.iam.simulation).
    _r("moto.core.authorization:ActionAuthenticatorMixin._authenticate_and_authorize_action", "self",
       "iam_request_cls", "resource", prefix=True),
    Seam("moto.iam.responses:IamResponse.simulate_custom_policy", ADD),
    Seam("moto.iam.responses:IamResponse.simulate_principal_policy", ADD),
    # AWS managed policies every account's IAM holds (localaws.iam.managed_policies): moto's list, which it loads
    # only on request, with the course's policies in it, built with moto's own constructor and indexed by moto.
    _r("moto.iam.models:IAMBackend._init_aws_policies", "self",
       markers=("load_iam_aws_managed_policies", "AWSManagedPolicy.from_data")),
    Seam("moto.iam.models:IAMBackend._init_managed_policies", RELY, (("self",),),
         markers=("self.aws_managed_policies",)),
    Seam("moto.iam.models:Policy.__init__", RELY,
         (("self", "name", "account_id", "region", "default_version_id", "description", "document", "path",
           "create_date", "update_date"),), prefix=True, markers=("PolicyVersion(",)),
    # moto 5.2.5 reads the content type, 5.2.6 the whole request (localaws.iam.params adapts).
    Seam("moto.core.request:determine_request_protocol", RELY,
         (("service_model", "request"), ("service_model", "content_type"))),
    # S3 and SNS deliveries to Lambda: asynchronous, only with the function policy's grant, and with the events
    # AWS sends (localaws.runtime.triggers). moto's publish has Lambda build the SNS event (send_sns_message),
    # whose last lines the replacement reproduces; the signature comes from moto's own notification body.
    _r("moto.s3.notifications:_invoke_awslambda", "account_id", "event_body", "fn_arn", "region_name"),
    _r("moto.s3.notifications:_get_s3_event", "event_name", "bucket", "key", "notification_id",
       markers=("eventTime", "configurationId", "quote_plus(key.name)")),
    _r("moto.sns.models:Subscription.publish", "self", "message", "message_id", "subject", "message_attributes",
       prefix=True, markers=("send_sns_message(",)),
    _r("moto.awslambda.models:LambdaBackend.send_sns_message", "self", "function_name", "message", "subject",
       "qualifier", markers=("get_function_by_name_or_arn_with_qualifier", "func.invoke(json.dumps(event), {}, {})")),
    Seam("moto.sns.models:Subscription.get_post_data", RELY,
         (("self", "message", "message_id", "subject", "message_attributes"),),
         markers=("Timestamp", "SignatureVersion", "Signature", "SigningCertURL")),
    # CloudWatch (localaws.cloudwatch.moto_patch): reads first write the data points the sandbox gathered, and match
    # dimensions exactly; a new alarm starts in INSUFFICIENT_DATA and an update keeps its state; every state change
    # keeps history on the sandbox clock and runs the alarm's actions; DescribeAlarmHistory, which moto lacks.
    _r("moto.cloudwatch.models:CloudWatchBackend.get_all_metrics", "self", markers=("self.metric_data",)),
    _r("moto.cloudwatch.models:are_dimensions_same", "metric_dimensions", "dimensions",
       markers=("for new_dimension in dimensions:",)),
    _r("moto.cloudwatch.models:CloudWatchBackend.get_metric_statistics", "self", "namespace", "metric_name",
       "start_time", "end_time", "period", "stats", "dimensions", "unit"),
    _r("moto.cloudwatch.models:CloudWatchBackend.get_metric_data", "self", "queries", "start_time", "end_time",
       "scan_by", markers=("The parameter EndTime must be greater than StartTime.", "parse_expression(")),
    _r("moto.cloudwatch.models:CloudWatchBackend.put_metric_alarm", "self", "name", "namespace", "metric_name",
       prefix=True, markers=("self.alarms[name] = alarm",)),
    _r("moto.cloudwatch.models:Alarm.update_state", "self", "reason", "reason_data", "state_value"),
    # CloudFormation's AWS::CloudWatch::Alarm (localaws.cloudformation.cloudwatch_resources) puts alarms through the
    # backend's put_metric_alarm, as the API does, and deletes them by name.
    Seam("moto.cloudwatch.models:CloudWatchBackend.delete_alarms", RELY, (("self", "alarm_names"),)),
    Seam("moto.cloudwatch.models:Alarm.__init__", RELY,
         markers=("self.state_value", "self.state_reason_data", "self.state_updated_timestamp",
                  "self.datapoints_to_alarm", "self.treat_missing_data", "self.configuration_updated_timestamp")),
    Seam("moto.cloudwatch.responses:CloudWatchResponse.describe_alarm_history", ADD),
    # CloudFormation stacks (localaws.cloudformation.stacks): templates checked and SAM expanded before moto parses
    # them, the sandbox's providers for the types moto lacks, per-resource events, and rollback of a failed create
    # or update; moto's engine still resolves intrinsics and walks the resources through its lazy map.
    _r(f"{CFN_PARSING}:resource_class_from_type", "resource_type", markers=("get_model_map()",)),
    _r(f"{CFN_PARSING}:parse_and_create_resource", *CFN_RESOURCE_ARGS,
       markers=("lazy_condition_map[condition]", "create_from_cloudformation_json")),
    _r(f"{CFN_PARSING}:parse_and_update_resource", *CFN_RESOURCE_ARGS, markers=("update_from_cloudformation_json",)),
    _r(f"{CFN_MODELS}:CloudFormationBackend.create_stack", "self", "name", "template", "parameters", prefix=True,
       markers=("new_stack.create_resources()",)),
    _r(f"{CFN_MODELS}:CloudFormationBackend.update_stack", "self", "name", "template", "role_arn", "parameters",
       "tags", markers=("_resolve_update_parameters", "stack.update(")),
    _r(f"{CFN_MODELS}:Stack.create_resources", "self", markers=("self.resource_map.create(",)),
    _r(f"{CFN_MODELS}:Stack.update", "self", "template", "role_arn", "parameters", "tags"),
    _r(f"{CFN_MODELS}:Stack.delete", "self", markers=("self.resource_map.delete()",)),
    _r(f"{CFN_MODELS}:CloudFormationBackend.delete_stack", "self", "name_or_stack_id",
       markers=("stack.delete()", "self.deleted_stacks[stack.stack_id] = stack")),
    Seam(f"{CFN_PARSING}:ResourceMap.__getitem__", RELY, markers=("parse_and_create_resource(",)),
    Seam(f"{CFN_PARSING}:ResourceMap._delete_resource", RELY, (("self", "parsed_resource", "resource_json"),)),
    Seam(f"{CFN_PARSING}:ResourceMap.build_resource_diff", RELY, (("self", "other_template", "parameters"),)),
    Seam("moto.awslambda.models:LambdaFunction._create_zipfile_from_plaintext_code", RELY, (("code",),),
         markers=('writestr("index.py", code)',)),
    # Step Functions executions that run (localaws.stepfunctions): moto's interpreter always, Lambda tasks through
    # this sandbox's Lambda API with AWS's error names, waits and retries on the sandbox's clock, and the start,
    # type and Express refusals of the executions themselves.
    _r("moto.stepfunctions.responses:get_backend", "account", "region",
       markers=("execute_state_machine", "stepfunctions_parser_backends")),
    _r(f"{SFN_TASK}.lambda_eval_utils:boto_client_for", "region", "service", "state_credentials"),
    _r(f"{SFN_TASK}.state_task_lambda:StateTaskLambda._from_error", "self", "env", "ex",
       markers=("LambdaFunctionErrorException", "errorType", "CustomErrorName(error)")),
    _r(f"{SFN_TASK}.service.state_task_service_lambda:StateTaskServiceLambda._from_error", "self", "env", "ex",
       markers=("LambdaFunctionErrorException", "errorType", "CustomErrorName(error)")),
    _r(f"{SFN_ASL}.state.wait.wait_function.wait_function:WaitFunction._wait_interval", "self", "env",
       "wait_seconds", markers=("env.program_state_event.wait(wait_seconds)",)),
    _r(f"{SFN_ASL}.state.wait.wait_function.timestamp:Timestamp._get_wait_seconds", "self", "env",
       markers=("_from_timestamp_string(timestamp=timestamp_str)", "_create_failure_event(env, timestamp_str)",
                "datetime.datetime.now()")),
    _r(f"{SFN_ASL}.common.retry.retrier_decl:RetrierDecl._eval_body", "self", "env",
       markers=("RetrierOutcome.Skipped", "MaxAttemptsOutcome.EXHAUSTED", "self.jitter_strategy.eval(env=env)",
                "time.sleep(interval_seconds)", "RetrierOutcome.Executed")),
    _r("moto.stepfunctions.parser.asl.eval.event.event_manager:EventManager._get_current_timestamp",
       markers=("datetime.datetime.now(",)),
    _r(f"{SFN_ASL}.program.program:Program.eval", "self", "env",
       markers=("env.next_state_name = self.start_at.start_at_name", "worker_thread.join(timeout=timeout)",
                "env.set_timed_out()")),
    _r(f"{SFN_BACKEND}.start_execution", "self", "state_machine_arn", "name", "execution_input", "trace_header",
       markers=("_handle_name_input_idempotency", "copy.deepcopy(", "execution.start()")),
    _r("moto.stepfunctions.models:StepFunctionBackend.describe_execution", "self", "execution_arn",
       markers=("_validate_execution_arn(execution_arn)",)),
    _r("moto.stepfunctions.models:StepFunctionBackend.list_executions", "self", "state_machine_arn", "status_filter",
       markers=("self.describe_state_machine(state_machine_arn).executions",)),
    _r(f"{SFN_BACKEND}.create_state_machine", "self", "name", "definition", prefix=True,
       markers=("_validate_definition",)),
    _r(f"{SFN_BACKEND}.update_state_machine", "self", "arn", "definition", "role_arn", prefix=True,
       markers=("_validate_definition", "super().update_state_machine(")),
    _r(f"{SFN_ASL}.state.choice.state_choice:StateChoice._eval_state", "self", "env",
       markers=("No branching option reached", "rule.next_stmt.name", "self.default_state.state_name")),
    _r(f"{SFN_TASK}.service.state_task_service_callback:StateTaskServiceCallback._wait_for_task_token_heartbeat",
       "self", "env", "callback_endpoint", "heartbeat_endpoint",
       markers=("heartbeat_endpoint.clear_and_wait()", "HeartbeatTimedOut()", "callback_endpoint.get_outcome()")),
    _r("moto.stepfunctions.parser.asl.eval.callback.callback:HeartbeatEndpoint.clear_and_wait", "self",
       markers=("self._next_heartbeat_event.clear()", "wait(timeout=self._heartbeat_seconds)")),
    _r("moto.stepfunctions.responses:StepFunctionResponse.get_execution_history", "self",
       markers=('self._get_param("executionArn")', "stepfunction_backend.get_execution_history(")),
    Seam("moto.stepfunctions.parser.backend.execution:Execution.__init__", RELY,
         (("self", "name", "sm_type", "role_arn", "exec_arn", "account_id", "region_name", "state_machine",
           "start_date", "cloud_watch_logging_session", "activity_store", "input_data", "trace_header"),)),
)

# Names the sandbox imports from moto without changing them, by module.
RELIED_ON: dict[str, tuple[str, ...]] = {
    "moto.apigateway.exceptions": ("ApiGatewayException", "StageStillActive"),
    "moto.apigateway.models": ("APIGatewayBackend", "Resource", "RestAPI", "apigateway_backends"),
    "moto.apigatewayv2.models": ("ApiGatewayV2Backend", "apigatewayv2_backends"),
    "moto.awslambda": ("urls",),
    "moto.awslambda.exceptions": ("InvalidParameterValueException", "LambdaClientError", "UnknownFunctionException"),
    "moto.awslambda.models": ("LambdaBackend", "LambdaFunction", "lambda_backends"),
    "moto.awslambda.responses": ("LambdaResponse",),
    "moto.awslambda.utils": ("get_backend",),
    "moto.backends": ("get_backend",),
    "moto.cloudwatch.exceptions": ("InvalidParameterValue",),
    "moto.cloudwatch.metric_data_expression_parser": ("parse_expression",),
    "moto.cloudwatch.models": ("MetricAggregatedDatum", "MetricDatum", "Statistics", "cloudwatch_backends"),
    "moto.cloudformation": ("models", "parsing"),
    "moto.cloudformation.exceptions": ("UnformattedGetAttTemplateException", "ValidationError"),
    "moto.cloudformation.models": ("Event", "Stack", "cloudformation_backends"),
    "moto.cloudformation.parsing": ("NULL_MODELS", "OutputMap"),
    "moto.codedeploy.models": ("CodeDeployBackend", "DeploymentInfo", "codedeploy_backends"),
    "moto.core": ("DEFAULT_ACCOUNT_ID",),
    "moto.core.authorization": ("ActionAuthenticatorMixin",),
    "moto.core.base_backend": ("model_data",),
    "moto.core.exceptions": ("JsonRESTError", "ServiceException"),
    "moto.core.parse": ("PROTOCOL_PARSERS",),
    "moto.core.request": ("determine_request_protocol",),
    "moto.core.responses": ("ActionResult",),
    "moto.core.routing": ("get_service_router",),
    "moto.core.utils": ("get_service_model", "iso_8601_datetime_with_nanoseconds", "unix_time", "unix_time_millis"),
    "moto.dynamodb.models": ("dynamodb_backends",),
    "moto.kinesis.models": ("kinesis_backends",),
    "moto.events": ("exceptions", "models", "responses"),
    "moto.events.exceptions": ("ResourceNotFoundException",),
    "moto.events.models": ("EventPattern", "events_backends"),
    "moto.iam.exceptions": ("InvalidInput", "MalformedPolicyDocument", "NotFoundException"),
    "moto.iam.models": ("AWSManagedPolicy", "IAMBackend", "iam_backends"),
    "moto.iam.responses": ("IamResponse",),
    "moto.kms.models": ("KmsBackend", "kms_backends"),
    "moto.kms.utils": ("_deserialize_ciphertext_blob",),
    "moto.logs": ("logs_backends",),
    "moto.logs.models": ("logs_backends",),
    "moto.moto_api._internal.models": ("moto_api_backend",),
    "moto.moto_server.threaded_moto_server": ("MotoRequestHandler",),
    "moto.moto_server.werkzeug_app": ("DomainDispatcherApplication", "create_backend_app"),
    "moto.s3": ("notifications",),
    "moto.s3.models": ("s3_backends",),
    "moto.secretsmanager.exceptions": ("SecretsManagerClientError",),
    "moto.secretsmanager.models": ("SecretsManagerBackend", "secretsmanager_backends"),
    "moto.sns": ("models",),
    "moto.sns.models": ("SNSBackend", "sns_backends"),
    "moto.sqs.models": ("DEDUPLICATION_TIME_IN_SECONDS", "Message", "Queue", "SQSBackend", "sqs_backends"),
    "moto.stepfunctions.exceptions": ("InvalidArn", "InvalidToken", "ValidationException"),
    "moto.stepfunctions.parser.api": ("HistoryEventType", "InvalidDefinition", "InvalidExecutionInput",
                                      "StateMachineTypeNotSupported"),
    "moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name": ("CustomErrorName",),
    "moto.stepfunctions.parser.asl.component.common.error_name.failure_event": ("FailureEvent",
                                                                                "FailureEventException"),
    "moto.stepfunctions.parser.asl.component.common.error_name.states_error_name": ("StatesErrorName",),
    "moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type": ("StatesErrorNameType",),
    "moto.stepfunctions.parser.asl.component.common.retry.max_attempts_decl": ("MaxAttemptsOutcome",),
    "moto.stepfunctions.parser.asl.component.common.retry.retrier_outcome": ("RetrierOutcome",),
    "moto.stepfunctions.parser.asl.component.eval_component": ("EvalComponent",),
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils": (
        "LambdaFunctionErrorException",),
    "moto.stepfunctions.parser.asl.eval.callback.callback": ("HeartbeatTimedOut",),
    "moto.stepfunctions.parser.asl.static_analyser.express_static_analyser": ("ExpressStaticAnalyser",),
    "moto.stepfunctions.parser.backend.execution": ("Execution",),
    "moto.stepfunctions.parser.models": ("stepfunctions_parser_backends",),
    "moto.sts.models": ("sts_backends",),
    "moto.utilities.arns": ("parse_arn",),
    "moto.utilities.utils": ("get_partition",),
}


class SeamMismatch(RuntimeError):
    """The installed moto differs from what the sandbox's seams were written against."""


_originals: dict[str, Any] = {}  # seam name -> moto's own attribute (or _MISSING), for every seam patched now
_verified: list[str] = []  # the moto version verify() last passed, so that repeated starts cost nothing
_verified_services: set[str] = set()  # the on-demand services verify_service() has passed


def declared(target: str, key: str = "") -> Seam:
    """The declaration of `target`; a KeyError names an undeclared one (every change to moto is declared)."""
    for seam in SEAMS:
        if seam.target == target and seam.key == key:
            return seam
    raise KeyError(f"{target}{f'[{key}]' if key else ''} is not declared in localaws.seams.SEAMS")


def _owner(seam: Seam) -> Any:
    """The module or class that holds the seam's attribute."""
    owner: Any = importlib.import_module(seam.module)
    for part in seam.path[:-1]:
        owner = getattr(owner, part)
    return owner


def _own(owner: Any, name: str) -> Any:
    """The attribute as the owner itself holds it (a class's raw descriptor), or _MISSING."""
    if isinstance(owner, type):
        return owner.__dict__.get(name, _MISSING)
    return getattr(owner, name, _MISSING)


def patch(target: str, replacement: Any) -> None:
    """Set a declared REPLACE or ADD seam to `replacement`, keeping moto's own for `original()` and `restore()`."""
    seam = declared(target)
    if seam.kind not in (REPLACE, ADD):
        raise KeyError(f"{target} is declared as {seam.kind}, not as a seam to patch")
    owner, name = _owner(seam), seam.path[-1]
    if seam.name not in _originals:
        _originals[seam.name] = _own(owner, name)
    setattr(owner, name, replacement)


def add_route(target: str, pattern: str, handler: Callable[..., Any]) -> None:
    """Add a declared URL pattern to one of moto's `url_paths` tables (before moto builds its app)."""
    seam = declared(target, pattern)
    routes = getattr(_owner(seam), seam.path[-1])
    if seam.name not in _originals:
        _originals[seam.name] = routes.get(pattern, _MISSING)
    routes[pattern] = handler


def original(target: str) -> Any:
    """moto's own attribute behind a patched seam (the function itself, for methods), else the current one."""
    seam = declared(target)
    found = _originals.get(seam.name, _MISSING)
    if found is _MISSING:
        found = getattr(_owner(seam), seam.path[-1], _MISSING)
    if found is _MISSING:
        raise AttributeError(f"moto has no {target}")
    return found


def is_patched(target: str, key: str = "") -> bool:
    """Whether the seam currently holds the sandbox's replacement."""
    return declared(target, key).name in _originals


def restore(target: str) -> None:
    """Give moto back its own attribute (idempotent)."""
    seam = declared(target)
    if seam.name not in _originals:
        return
    owner, name, found = _owner(seam), seam.path[-1], _originals.pop(seam.name)
    if found is _MISSING:
        delattr(owner, name)
    else:
        setattr(owner, name, found)


def patched() -> list[str]:
    """The seams that hold the sandbox's code now."""
    return sorted(_originals)


def _function_of(found: Any) -> Any:
    """The plain function behind a method, property, classmethod or wrapper, for signatures and source."""
    if isinstance(found, property):
        return found.fget
    return getattr(found, "__func__", found)


def _parameters(found: Any) -> tuple[str, ...]:
    return tuple(inspect.signature(_function_of(found)).parameters)


def _pristine(seam: Seam) -> Any:
    """moto's own version of the seam's attribute (its original when patched), or _MISSING."""
    if seam.name in _originals:
        return _originals[seam.name]
    owner = _owner(seam)
    if seam.kind == ROUTE:
        return getattr(owner, seam.path[-1]).get(seam.key, _MISSING)
    return getattr(owner, seam.path[-1], _MISSING)


def _signature_problem(seam: Seam, found: Any) -> str | None:
    if not seam.signatures:
        return None
    params = _parameters(found)
    for expected in seam.signatures:
        if params == expected or (seam.prefix and params[:len(expected)] == expected):
            return None
    wanted = " or ".join(f"({', '.join(sig)}{', ...' if seam.prefix else ''})" for sig in seam.signatures)
    return f"{seam.name} takes ({', '.join(params)}), expected {wanted}"


def _marker_problem(seam: Seam, found: Any) -> str | None:
    if not seam.markers:
        return None
    try:
        source = inspect.getsource(inspect.unwrap(_function_of(found)))
    except (OSError, TypeError):
        return f"{seam.name}: moto's source cannot be read to check it"
    missing = [marker for marker in seam.markers if marker not in source]
    return f"{seam.name} no longer contains {', '.join(map(repr, missing))}" if missing else None


def problem(seam: Seam) -> str | None:
    """What is wrong with one seam in the installed moto, or None."""
    try:
        found = _pristine(seam)
    except (ImportError, AttributeError) as error:
        return f"{seam.name}: {error}"
    if seam.kind in (ADD, ROUTE):
        return None if found is _MISSING else f"{seam.name}: moto has its own now, which the sandbox would hide"
    if found is _MISSING:
        return f"{seam.name} is gone"
    return _signature_problem(seam, found) or _marker_problem(seam, found)


def _relied_on_problems(wanted: Callable[[str], bool] = lambda module: True) -> Iterable[str]:
    for module_name, names in RELIED_ON.items():
        if not wanted(module_name):
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            yield f"{module_name}: {error}"
            continue
        yield from (f"{module_name}.{name} is gone" for name in names if not hasattr(module, name))


def on_demand(module: str) -> bool:
    """Whether a moto module belongs to a service whose seams are checked when it is first used (ON_DEMAND)."""
    return module.startswith(ON_DEMAND)


def problems(*, include_on_demand: bool = True, only: str = "") -> list[str]:
    """Every mismatch between the installed moto and the registry (empty when the sandbox can start).

    `include_on_demand=False` leaves out the services checked on first use; `only` keeps the modules under it.
    """
    import moto  # moto loads at sandbox start: start-up time

    def wanted(module: str) -> bool:
        return module.startswith(only) and (include_on_demand or not on_demand(module))

    found = []
    if Version(moto.__version__) not in MOTO_SUPPORTED:
        found.append(f"moto {moto.__version__} is outside the supported range {MOTO_SUPPORTED}")
    found += [text for seam in SEAMS if wanted(seam.module) and (text := problem(seam)) is not None]
    found += list(_relied_on_problems(wanted))
    return found


def _refuse(found: list[str], what: str) -> None:
    import moto  # moto loads at sandbox start: start-up time

    if found:
        listing = "\n".join(f"  - {text}" for text in found)
        raise SeamMismatch(f"{what} cannot start on moto {moto.__version__}: it differs from what the course "
                           f"was built for ({MOTO_SUPPORTED}):\n{listing}\n{FIX}")


def verify() -> None:
    """Raise SeamMismatch, listing every mismatch, unless the installed moto is what the seams expect.

    The services in ON_DEMAND are left to `verify_service`, called when each is first used: importing their
    moto modules costs seconds that a sandbox which never uses them should not pay.
    """
    import moto  # moto loads at sandbox start: start-up time

    if _verified == [moto.__version__]:
        return
    _refuse(problems(include_on_demand=False), "The sandbox")
    _verified[:] = [moto.__version__]


def verify_service(prefix: str) -> None:
    """Raise SeamMismatch unless the seams of one on-demand service (e.g. "moto.cloudformation") fit moto."""
    if prefix not in _verified_services:
        _refuse(problems(only=prefix), f"The sandbox's {prefix.removeprefix('moto.')} support")
        _verified_services.add(prefix)
