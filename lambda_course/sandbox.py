"""The local AWS's sandbox under the course's name, so a notebook reads `from lambda_course import sandbox`."""

from localaws.sandbox import Sandbox, attached, current, start

__all__ = ["Sandbox", "attached", "current", "start"]
