"""The shorter caregiver wording the printout uses for catalogue items (resources/printout_short.yaml).

A plan item copies its catalogue item's caregiver instructions, written to be read on screen and
explained in clinic: the why, then what to do, then what to watch for. On paper, page after page
of that buried what to do; the short text keeps what to do and the warning signs. It is used only
while the item still holds the catalogue text it condenses, word for word: text a clinician wrote
or changed for this patient is theirs, and prints in full.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import yaml

from careplan.paths import resource


@dataclass(frozen=True)
class ShortText:
    of: str  # fingerprint of the catalogue text this condenses
    short: str
    # A medicine the clinic gives (an injection or a drip at a visit): the printout says so instead
    # of asking the carer to give it "as your doctor prescribed", whatever the item's wording.
    given_at_clinic: bool = False


def fingerprint(text: str) -> str:
    """Of the text with its white space collapsed: re-wrapping a YAML paragraph changes nothing."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=1)
def short_texts() -> dict[str, ShortText]:
    data = yaml.safe_load(resource("printout_short.yaml").read_text(encoding="utf-8"))
    return {code: ShortText(str(entry["of"]), " ".join(str(entry["short"]).split()),
                            entry.get("given_at_clinic") is True)
            for code, entry in data["texts"].items()}


def given_at_clinic(catalogue_code: str) -> bool:
    """Whether the clinic gives this medicine itself, so the carer has nothing to give at home."""
    entry = short_texts().get(catalogue_code)
    return entry is not None and entry.given_at_clinic


def printed_text(catalogue_code: str, instructions: str) -> str:
    """The short text when `instructions` is the catalogue's own for that code, else `instructions`."""
    entry = short_texts().get(catalogue_code)
    if entry is not None and instructions.strip() and fingerprint(instructions) == entry.of:
        return entry.short
    return instructions
