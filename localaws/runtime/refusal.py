"""A control-plane request Lambda refuses: its error code and message, shared by the modules that check requests."""

from __future__ import annotations

from typing import NamedTuple


class Refusal(NamedTuple):
    """One refused request: the error code Lambda answers with and its message (both are HTTP 400)."""

    code: str
    message: str


__all__ = ["Refusal"]
