"""The Lambda runtime: execution environments that run handlers, invokes (synchronous and asynchronous), the
concurrency and provisioned-concurrency rules, logs, the sandbox clock, and deliveries from S3 and SNS."""
