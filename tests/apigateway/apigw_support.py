"""Helpers the API Gateway tests import by name (a module of its own: every test folder has a `conftest`)."""


def lambda_uri(function_arn: str) -> str:
    """The integration URI API Gateway uses to invoke a function."""
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
