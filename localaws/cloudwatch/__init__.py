"""The sandbox's CloudWatch: Lambda's metrics, embedded metrics from logs, and alarms evaluated on the sandbox clock.

    sb.cloudwatch.recorder      # data points gathered since the last write to moto (written every clock tick)
    sb.cloudwatch.evaluate_all(sb.clock.now())   # evaluate every alarm now, rather than at the next minute

Modules: `recorder` (batched data points), `lambda_metrics` (AWS/Lambda, from the runtime's reports), `emf`
(embedded metric format), `statistics` (exact-dimension statistics), `evaluation` (one alarm evaluation),
`actions` (SNS and Lambda alarm actions), `history` (DescribeAlarmHistory), `moto_patch` (the seams), `monitor`
(the whole, started and stopped with the sandbox). moto stores the metrics and alarms; boto3 reads them as usual.
"""

from __future__ import annotations

from localaws.cloudwatch.monitor import Monitoring

__all__ = ["Monitoring"]
