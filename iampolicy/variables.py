"""Policy variables: `${key}`, `${key, 'default'}` and the escapes `${*}`, `${?}`, `${$}`.

Substituted text is literal (a `*` from a variable does not act as a wildcard); the text around it keeps its
wildcards. A variable whose key is absent (or multi-valued) and has no default leaves the whole string without a
value, so it matches nothing; with Version other than 2012-10-17 nothing is substituted at all.
"""

from __future__ import annotations

import re

from .context import RequestContext
from .wildcards import Pieces

VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]*?)\s*,\s*'([^']*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


def has_variables(text: str) -> bool:
    """True if the text contains something shaped like a policy variable."""
    return VARIABLE.search(text) is not None


def split_variable(body: str) -> tuple[str, str | None]:
    """The key and the optional default value of a variable body such as `aws:username, 'x'`."""
    found = _DEFAULT.match(body)
    if found:
        return found.group(1), found.group(2)
    return body.strip(), None


def _resolve(body: str, context: RequestContext) -> str | None:
    """The value that replaces one variable, or None when it has none."""
    if body in _ESCAPES:
        return _ESCAPES[body]
    key, default = split_variable(body)
    value = context.single(key)
    return value if value is not None else default


def substitute(text: str, context: RequestContext, enabled: bool = True) -> Pieces | None:
    """Split text into wildcard pieces and literal variable values; None if a variable has no value."""
    if not enabled or "${" not in text:
        return ((text, True),)
    pieces: list[tuple[str, bool]] = []
    position = 0
    for found in VARIABLE.finditer(text):
        value = _resolve(found.group(1), context)
        if value is None:
            return None
        pieces.append((text[position : found.start()], True))
        pieces.append((value, False))
        position = found.end()
    pieces.append((text[position:], True))
    return tuple(p for p in pieces if p[0])


def substitute_text(text: str, context: RequestContext, enabled: bool = True) -> str | None:
    """The text with variables replaced (for exact comparisons), or None if a variable has no value."""
    pieces = substitute(text, context, enabled)
    return None if pieces is None else "".join(part for part, _ in pieces)
