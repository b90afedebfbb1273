"""Rules for free text typed by a coordinator: stored exactly as typed, within limits.

Limits live in careplan.domain.limits. The characters refused here are the same on every
database: PostgreSQL cannot store NUL, no driver can encode half a surrogate pair, and other
control characters cannot be printed. Everything else (markup, emoji, right-to-left text,
combining marks, bidirectional controls) is kept exactly.
"""

from __future__ import annotations

import re

from careplan.domain.limits import Allows, limit

# C0 and C1 control characters except tab, line feed and carriage return; then lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"[0-9+()\-./ x#*]*")
# fullmatch, not "^...$": Python's "$" also matches before a trailing newline.
CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]{2,63}")
CODE_RULE = ("must be 3 to 64 characters: lowercase letters, digits or underscores, starting with a letter "
             "(for example clinic_hand_massage)")


def blank(value: str | None) -> bool:
    return value is None or not value.strip()


def check_length(value: str, max_length: int) -> str | None:
    if len(value) > max_length:
        return f"is {len(value):,} characters long; the limit is {max_length:,}"
    return None


def unstorable(value: str) -> str | None:
    """Why `value` cannot be stored as it is, as the end of a sentence; None when it can."""
    if m := _SURROGATE.search(value):
        return (f"contains a broken character (U+{ord(m.group()):04X}, half of a surrogate pair) "
                "that cannot be stored; retype it")
    if m := _CONTROL.search(value):
        return f"contains invisible control characters (the first is U+{ord(m.group()):04X}); retype it"
    return None


def field_problem(key: str, value: str) -> str | None:
    """What is wrong with `value` for the field `key` ("entity.field"), as the end of a sentence.

    Checks the length, the characters every field refuses and the field's own format; a blank
    value passes (whether a field is required is said where it is checked).
    """
    rule = limit(key)
    if msg := check_length(value, rule.max_length):
        return msg
    if msg := unstorable(value):
        return msg
    if not value:
        return None
    if rule.allows is Allows.PHONE and not _PHONE.fullmatch(value):
        return "has letters or symbols in it; use digits, spaces and + ( ) - . / x # *"
    if rule.allows is Allows.EMAIL and not _EMAIL.fullmatch(value):
        return "is not an email address: it needs one @, a dot after it, and no spaces"
    if rule.allows is Allows.MRN and any(c.isspace() for c in value):
        return "cannot contain spaces"
    if rule.allows is Allows.CODE and not CODE_PATTERN.fullmatch(value):
        return CODE_RULE
    return None


def quoted(value: str, width: int = 60) -> str:
    """A user's text inside a message: quoted, cut short, and on one printable line."""
    text = value if len(value) <= width else value[: width - 3] + "..."
    if text.isprintable():
        return f"'{text}'"
    return repr(text)
