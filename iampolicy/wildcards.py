"""IAM wildcard matching: `*` matches any run of characters, `?` exactly one; every other character is literal."""

from __future__ import annotations

import re
from functools import cache, lru_cache

# A pattern is a sequence of pieces: (text, is_pattern). Text from a policy is a pattern, so its `*` and `?` are
# wildcards; text that came from a policy variable is literal, so `${*}` can stand for a real asterisk.
Pieces = tuple[tuple[str, bool], ...]


def _piece_regex(text: str, is_pattern: bool) -> str:
    """Translate one piece into regex source, escaping everything except IAM wildcards."""
    if not is_pattern:
        return re.escape(text)
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)


@lru_cache(maxsize=8192)
def compile_pieces(pieces: Pieces, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile pattern pieces to an anchored regex (cached, since policies are evaluated many times)."""
    source = "".join(_piece_regex(text, is_pattern) for text, is_pattern in pieces)
    return re.compile(source, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """True if `value` matches the IAM wildcard `pattern` as a whole."""
    if pattern == "*":
        return True
    return compile_pieces(((pattern, True),), ignore_case).fullmatch(value) is not None


def pieces_match(pieces: Pieces, value: str, ignore_case: bool = False) -> bool:
    """True if `value` matches the pattern made of `pieces` as a whole."""
    return compile_pieces(pieces, ignore_case).fullmatch(value) is not None


def has_wildcard(text: str) -> bool:
    """True if the text contains an IAM wildcard character."""
    return "*" in text or "?" in text


def globs_overlap(left: str, right: str, ignore_case: bool = False) -> bool:
    """True if some string matches both wildcard patterns (used to compare a policy ARN with an ARN template)."""
    if ignore_case:
        left, right = left.lower(), right.lower()

    @cache
    def step(i: int, j: int) -> bool:
        if i == len(left) and j == len(right):
            return True
        if i < len(left) and left[i] == "*":
            return step(i + 1, j) or (j < len(right) and step(i, j + 1))
        if j < len(right) and right[j] == "*":
            return step(i, j + 1) or (i < len(left) and step(i + 1, j))
        if i == len(left) or j == len(right):
            return False
        return (left[i] == right[j] or "?" in (left[i], right[j])) and step(i + 1, j + 1)

    return step(0, 0)


def _arn_piece_regex(text: str, is_pattern: bool, colons_before: int) -> tuple[str, int]:
    """Regex for one piece of an ARN pattern: wildcards stay inside their segment until the resource part."""
    out = []
    for ch in text:
        in_resource = colons_before >= 5
        if is_pattern and ch == "*":
            out.append(".*" if in_resource else "[^:]*")
        elif is_pattern and ch == "?":
            out.append("." if in_resource else "[^:]")
        else:
            out.append(re.escape(ch))
        colons_before += ch == ":"
    return "".join(out), colons_before


@lru_cache(maxsize=8192)
def compile_arn_pieces(pieces: Pieces) -> re.Pattern[str]:
    """Compile an ARN pattern whose six colon-separated parts are matched separately (the last may hold colons)."""
    source, colons = [], 0
    for text, is_pattern in pieces:
        part, colons = _arn_piece_regex(text, is_pattern, colons)
        source.append(part)
    return re.compile("".join(source), re.DOTALL)


def arn_pieces_match(pieces: Pieces, value: str) -> bool:
    """ARN matching as the ARN condition operators do it: part by part, case-sensitive."""
    return compile_arn_pieces(pieces).fullmatch(value) is not None


def resource_pieces_match(pieces: Pieces, value: str) -> bool:
    """Resource element matching: `*` alone matches all; full ARN patterns match part by part; else a glob."""
    if pieces == (("*", True),):
        return True
    colons = sum(text.count(":") for text, _ in pieces)
    if colons >= 5:
        return arn_pieces_match(pieces, value)
    return pieces_match(pieces, value)


def arns_overlap(left: str, right: str) -> bool:
    """True if some ARN matches both ARN patterns, comparing the six colon-separated parts one by one."""
    left_parts, right_parts = left.split(":", 5), right.split(":", 5)
    if len(left_parts) != 6 or len(right_parts) != 6:
        return globs_overlap(left, right)
    return all(globs_overlap(a, b) for a, b in zip(left_parts, right_parts, strict=True))


@lru_cache(maxsize=4096)
def _compile_any(patterns: tuple[str, ...], ignore_case: bool) -> re.Pattern[str]:
    """One regex that matches when any of the wildcard patterns does."""
    alternatives = "|".join(_piece_regex(p, True) for p in patterns) or "(?!)"
    return re.compile(f"(?:{alternatives})", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def any_glob_match(patterns: tuple[str, ...], value: str, ignore_case: bool = False) -> bool:
    """True if any wildcard pattern matches the whole value (one regex for the list, compiled once)."""
    return _compile_any(patterns, ignore_case).fullmatch(value) is not None
