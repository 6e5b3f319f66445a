"""Environment values encrypted for one function, the way the Lambda console's encryption helpers do it.

The helpers encrypt client-side with a customer KMS key and the encryption context
`{"LambdaFunctionName": <name>}`, then store the base64 ciphertext as the variable's value; the handler
decrypts it at init with the same context, which its execution role must be allowed (`kms:Decrypt`).
"""

from __future__ import annotations

import base64

import boto3

CONTEXT_KEY = "LambdaFunctionName"


def context_for(function_name: str) -> dict[str, str]:
    """The encryption context that binds a ciphertext to one function."""
    return {CONTEXT_KEY: function_name}


def encrypt_for_function(key_id: str, function_name: str, plaintext: str) -> str:
    """Encrypt `plaintext` with the KMS key for `function_name`; return the base64 text to store in a variable."""
    blob = boto3.client("kms").encrypt(KeyId=key_id, Plaintext=plaintext.encode(),
                                       EncryptionContext=context_for(function_name))["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def decrypt_for_function(function_name: str, value: str) -> str:
    """Decrypt a variable written by `encrypt_for_function` (what a handler does at init)."""
    blob = base64.b64decode(value)
    return boto3.client("kms").decrypt(CiphertextBlob=blob,
                                       EncryptionContext=context_for(function_name))["Plaintext"].decode()
