"""Which messages of a batch to keep after the function returns, by Lambda's rules for SQS batches.

Without `ReportBatchItemFailures` only the outcome counts: an error keeps the whole batch, success deletes it.
With it, the function's answer `{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}` names the
messages to keep. An empty or null list, an empty object or a null answer means full success; an answer that
is not JSON, an identifier that is empty, null, under another key or not in the batch means the whole batch
failed, as the Lambda Developer Guide describes.
"""

from __future__ import annotations

import json
from typing import Any

REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


class InvalidResponse(ValueError):
    """The function's partial-batch answer breaks the rules, so the whole batch counts as failed."""


def _decode(payload: bytes) -> Any:
    text = payload.decode(errors="replace").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        raise InvalidResponse(f"the response is not JSON: {text[:80]!r}") from error


def reported_failures(payload: bytes, batch_ids: set[str]) -> set[str]:
    """The message IDs a successful function reported as failed; raises InvalidResponse for a bad answer."""
    answer = _decode(payload)
    if answer is None:
        return set()
    if not isinstance(answer, dict):
        raise InvalidResponse(f"the response is a {type(answer).__name__}, not an object")
    failures = answer.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        raise InvalidResponse("batchItemFailures is not a list")
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or not identifier:
            raise InvalidResponse(f"{item!r} has no itemIdentifier")
        if identifier not in batch_ids:
            raise InvalidResponse(f"itemIdentifier {identifier!r} is not a message of this batch")
        failed.add(identifier)
    return failed


def messages_to_keep(function_error: str | None, payload: bytes, batch_ids: set[str],
                     response_types: list[str] | None) -> tuple[set[str], str]:
    """The IDs that stay on the queue, and a one-word reason: ok, partial, function_error, invalid_response."""
    if function_error:
        return set(batch_ids), "function_error"
    if REPORT_BATCH_ITEM_FAILURES not in (response_types or []):
        return set(), "ok"
    try:
        failed = reported_failures(payload, batch_ids)
    except InvalidResponse:
        return set(batch_ids), "invalid_response"
    return failed, "partial" if failed else "ok"
