"""Secrets as Lambda handles them, in the sandbox: KMS-encrypted environment variables, Secrets Manager
rotation through a function, and a scan for secrets left in plain text.

    from localaws import secrets
    secrets.install()                                   # after sandbox.start(); idempotent
    blob = secrets.encrypt_for_function(key_arn, "orders-api", "s3cr3t")   # as the console's helpers do
    secrets.exposures("orders-api", ["s3cr3t"], sb.function_code("orders-api"))  # where it shows in plain text
    with secrets.counting_secret_reads() as reads: ...   # reads["db"]: this process's GetSecretValue calls for db
"""

from __future__ import annotations

from .calls import DECRYPT, counting_secret_reads
from .envcrypt import decrypt_for_function, encrypt_for_function
from .exposure import exposures
from .moto_patch import install, uninstall

__all__ = ["DECRYPT", "counting_secret_reads", "decrypt_for_function", "encrypt_for_function", "exposures", "install",
           "uninstall"]
