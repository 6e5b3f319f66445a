"""Helpers the API Gateway tests import by name (a module of its own: every test folder has a `conftest`)."""

import boto3

ACCOUNT, REGION = "123456789012", "us-east-1"


def grant_api(function_arn: str, api_id: str) -> None:
    """Let API Gateway invoke the function from any stage, method and path of `api_id`, as a learner would."""
    boto3.client("lambda").add_permission(
        FunctionName=function_arn,
        StatementId=f"apigw-{api_id}",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*",
    )


def public_url(function_name: str) -> None:
    """A function URL with AuthType NONE and the two grants AWS asks of a new public URL."""
    lam = boto3.client("lambda")
    lam.create_function_url_config(FunctionName=function_name, AuthType="NONE")
    lam.add_permission(FunctionName=function_name, StatementId="url-public", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")
    lam.add_permission(FunctionName=function_name, StatementId="url-invoke", Action="lambda:InvokeFunction",
                       Principal="*", InvokedViaFunctionUrl=True)


def lambda_uri(function_arn: str) -> str:
    """The integration URI API Gateway uses to invoke a function."""
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
