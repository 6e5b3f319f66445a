"""A local AWS for Lambda: moto's services, with a Lambda runtime that really runs handlers.

It knows nothing of grading or of any course. Layers, top first (import-linter checks them, see pyproject.toml):
    sandbox                                    start, serve and export one sandbox (the composition root)
    apigateway, eventbridge, eventsources,     the services around Lambda: the HTTP data plane, rules and
    secrets, standin                           schedules, SQS and stream pollers, KMS-encrypted variables, ELB/EKS
                                               stand-in
    runtime                                    the Lambda runtime: execution environments, invokes, triggers
    iam                                        IAM enforcement on the sandbox's requests (policies from iampolicy)
    seams, settings, credentials, facts, net   moto's patched attributes, switches, clients, AWS's numbers, sockets
"""

import sys

# jsonschema (under moto's API Gateway) imports rfc3987_syntax whenever it is installed, and that module
# compiles a grammar at import: about 1.3 s of CPU in every process, for the "iri" string formats that nothing
# here validates (python-jsonschema/jsonschema#1428). Marking it absent makes jsonschema skip it.
# None in sys.modules is the import system's documented "absent" mark; typeshed allows only modules there.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
