"""Count Secrets Manager reads and KMS decrypts as the services see them, to prove a function caches.

Inside `counting_secret_reads()`, the counter holds GetSecretValue calls under the secret's name and KMS
Decrypt calls under "kms:Decrypt", from any caller, handlers included (a sandbox in this process serves them).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from localaws import seams

DECRYPT = "kms:Decrypt"
_GET = "moto.secretsmanager.models:SecretsManagerBackend.get_secret_value"
_DECRYPT = "moto.kms.models:KmsBackend.decrypt"
_lock = threading.Lock()
_counters: list[Counter] = []


def _count(key: str) -> None:
    with _lock:
        for counter in _counters:
            counter[key] += 1


def _counting_get_secret_value(self: Any, secret_id: str, *args: Any, **kwargs: Any) -> Any:
    """moto's get_secret_value, counted under the secret's name."""
    _count(_name(secret_id))
    return seams.original(_GET)(self, secret_id, *args, **kwargs)


def _counting_decrypt(self: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's KMS decrypt, counted."""
    _count(DECRYPT)
    return seams.original(_DECRYPT)(self, *args, **kwargs)


def _name(secret_id: str) -> str:
    """`db` for an ARN such as arn:aws:secretsmanager:...:secret:db-AbCdEf, else the id as given."""
    if secret_id.startswith("arn:") and ":secret:" in secret_id:
        return secret_id.split(":secret:", 1)[1].rsplit("-", 1)[0]
    return secret_id


def _install() -> None:
    with _lock:
        if not seams.is_patched(_GET):
            seams.patch(_GET, _counting_get_secret_value)
            seams.patch(_DECRYPT, _counting_decrypt)


def start_counting() -> Counter:
    """A counter that counts from now on, until `stop_counting` (GetSecretValue by name, decrypts)."""
    _install()
    counter: Counter = Counter()
    with _lock:
        _counters.append(counter)
    return counter


def stop_counting(counter: Counter) -> Counter:
    """Stop a counter started by `start_counting`; it keeps what it counted."""
    with _lock:
        if counter in _counters:
            _counters.remove(counter)
    return counter


@contextmanager
def counting_secret_reads() -> Iterator[Counter]:
    """Within the block, count GetSecretValue calls per secret name and KMS decrypts under "kms:Decrypt".

    The counts are those of the moto in this process; `localaws.sandbox.counting_secret_reads` counts those of
    the running sandbox, wherever it runs.
    """
    counter = start_counting()
    try:
        yield counter
    finally:
        stop_counting(counter)
