"""cfn-lint's findings, and which errors refuse a template outright and which fail a resource as it is made.

CloudFormation refuses a template whose form is wrong before it creates anything ("Template format error",
for example a Ref to a resource the template does not declare), and finds a resource's invalid properties when
it provisions that resource, which then fails and rolls the stack back.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html
"""

from __future__ import annotations

from localaws.cloudformation import checks, lint

TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/r
      MemorySize: {memory}
      Code:
        ZipFile: "def handler(e, c): return 1"
Outputs:
  Name:
    Value: !Ref {ref}
"""


def test_a_clean_template_has_no_errors():
    assert [f for f in lint(TEMPLATE.format(memory=128, ref="Fn")) if f.level == "error"] == []


def test_a_ref_to_nothing_is_a_refusal():
    findings = lint(TEMPLATE.format(memory=128, ref="Missing"))
    refused = checks.refusals(findings)
    assert refused and refused[0].rule.startswith("E") and "Missing" in refused[0].message
    assert checks.resource_failures(findings) == {}


def test_an_invalid_property_fails_its_resource_and_is_not_a_refusal():
    findings = lint(TEMPLATE.format(memory=64, ref="Fn"))
    assert checks.refusals(findings) == []
    [problem] = checks.resource_failures(findings)["Fn"]
    assert problem.path[:4] == ("Resources", "Fn", "Properties", "MemorySize") and "128" in problem.message


def test_warnings_are_findings_only():
    warned = TEMPLATE.format(memory=128, ref="Fn").replace("      Handler: index.handler\n", "")
    findings = lint(warned)
    assert any(f.level == "warning" for f in findings)
    assert checks.refusals([f for f in findings if f.level == "warning"]) == []
    both = lint(TEMPLATE.format(memory=64, ref="Fn").replace("      Handler: index.handler\n", ""))
    assert [f.level for f in both] == sorted((f.level for f in both), key=["error", "warning"].index)
    assert {"error", "warning"} <= {f.level for f in both}


def test_an_error_about_no_resource_in_particular_is_refused_not_ignored():
    stray = checks.Finding("E9999", "error", "something", 1, ("Metadata",))
    assert checks.is_refusal(stray) and checks.resource_failures([stray]) == {}
