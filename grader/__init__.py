"""lambda-course: a local AWS for learning Lambda, with the helpers that chapters and labs use."""

import sys

__version__ = "0.1.0"

# jsonschema (under nbformat, nbgrader and moto's API Gateway) imports rfc3987_syntax whenever it is installed,
# and that module compiles a grammar at import: about 1.3 s of CPU in every process, for the "iri" string formats
# that nothing here validates (python-jsonschema/jsonschema#1428). Marking it absent makes jsonschema skip it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
