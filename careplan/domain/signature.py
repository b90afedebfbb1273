"""Signatures with meaning (21 CFR Part 11 §11.50): who signed a revision, when, and what for.

A signature shows the signer's printed name, the date and time, and its meaning. Its hash
covers all of that, the hash of the revision it signs and the hash of the signature before it
on the same revision (the revision's own hash for the first), so a signature cannot be altered,
moved to another revision, or taken out of the middle without `careplan check` seeing it. The
audit log, itself hash-chained, records every signature's hash: that catches the newest one
removed, and one slipped in by hand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from careplan.domain.plan import canonical_json


class Meaning(StrEnum):
    AUTHORED = "authored"
    REVIEWED = "reviewed"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return {"authored": "Authored", "reviewed": "Reviewed", "approved": "Approved"}[self.value]


# What a clinician may add after the save; "authored" is given by saving the revision.
ADDED_MEANINGS = (Meaning.REVIEWED, Meaning.APPROVED)


def signature_hash(*, prev_hash: str, revision_hash: str, meaning: str, signed_by: str, printed_name: str,
                   signed_at: datetime) -> str:
    payload = {"prev_hash": prev_hash, "revision_hash": revision_hash, "meaning": meaning, "signed_by": signed_by,
               "printed_name": printed_name, "signed_at": signed_at.astimezone(UTC).isoformat(timespec="microseconds")}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Signature:
    revision: int  # the revision's number in its plan
    meaning: Meaning
    signed_by: str  # the identity that signed: the login (on PostgreSQL, the server's session user)
    printed_name: str
    signed_at: datetime  # aware, UTC
    hash: str

    def shown(self) -> str:
        """The three things §11.50 asks a shown signature to carry, in one line (local time)."""
        when = self.signed_at.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
        return f"{self.meaning.label} by {self.printed_name} ({self.signed_by}), {when}"

    def as_json(self) -> dict[str, str | int]:
        return {"revision": self.revision, "meaning": self.meaning.value, "signed_by": self.signed_by,
                "printed_name": self.printed_name,
                "signed_at": self.signed_at.astimezone(UTC).isoformat(timespec="seconds"), "hash": self.hash}
