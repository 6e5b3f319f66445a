"""The chapters of the course, in order: number, notebook name and title."""

from __future__ import annotations

CHAPTERS: list[tuple[int, str, str]] = [
    (0, "00-start-here", "Start here"),
    (1, "01-what-lambda-is", "What Lambda is"),
    (2, "02-serverless-family", "The serverless family"),
    (3, "03-cold-starts", "Cold starts"),
    (4, "04-container-images", "Container images"),
    (5, "05-scaling-lambda-vs-fargate", "Scaling: Lambda vs Fargate"),
    (6, "06-memory-and-cpu", "Memory and CPU"),
    (7, "07-securing-functions", "Securing functions"),
    (8, "08-eventbridge-vs-sqs", "EventBridge vs SQS"),
    (9, "09-serverless-vs-kubernetes", "Serverless vs Kubernetes"),
    (10, "10-challenges", "The challenges of serverless"),
    (11, "11-interview-practice", "Interview practice"),
    (12, "12-deploy-and-operate", "Deploy and operate"),
    (13, "13-orchestration", "Orchestration: Step Functions and durable functions"),
    (14, "14-testing-handlers", "Testing a handler"),
]


def titles() -> dict[int, str]:
    """Chapter titles by number, linked to their notebooks, for the course map."""
    return {number: f"[{title}]({slug}.ipynb)" for number, slug, title in CHAPTERS}
