"""Rules for free text typed by a coordinator: stored exactly as typed, within limits."""

from __future__ import annotations

import unicodedata

NAME_MAX = 200
SHORT_MAX = 500
LONG_MAX = 20_000


def blank(value: str | None) -> bool:
    return value is None or not value.strip()


def check_length(value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"is {len(value):,} characters long; the limit is {limit:,}"
    return None


def control_characters(value: str) -> list[str]:
    """Control characters other than tab and newline: they cannot be printed."""
    return [c for c in value if unicodedata.category(c) == "Cc" and c not in "\t\n\r"]
