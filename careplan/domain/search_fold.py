"""Folding names for search: "zolc" finds "Żółć", "lukasz" finds "Łukasz", "muller" finds "Müller".

A coordinator types on whatever keyboard the clinic has, so the stored search key and the
typed query are folded the same way: case-folded, compatibility-decomposed (NFKD), combining
marks dropped, and the few Latin letters that have no decomposition (ł, ø, æ, đ...) spelt with
the base letters people type for them. Scripts without such a spelling (Greek, Cyrillic, CJK,
Arabic) keep their letters, folded for case and accents only: a name is always findable by
its own letters.

Why not a transliteration library: Unidecode is GPL (CarePlan is not), and anyascii also
transliterates whole scripts to Latin, which would change what an Ελληνικά or Русский query
matches; the table below is all this needs, with no new dependency in the hash-pinned locks.

Every step works character by character, so folding a piece of a name gives a piece of the
folded name: any substring typed finds the patient (tests/test_search_fold.py proves it).
"""

from __future__ import annotations

import unicodedata

FOLD_VERSION = "2"
"""Bump when fold() changes: stored keys are recomputed on the next start (services/patients.py)."""

# Case-folded letters NFKD leaves whole, as their usual typed spelling (German, Nordic,
# Polish, Croatian, Icelandic, Maltese, Turkish, Sami, Old English/French ligatures).
_LETTERS = str.maketrans({
    "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "þ": "th", "ħ": "h",
    "ı": "i", "ŧ": "t", "ŋ": "n", "ĸ": "k", "ſ": "s", "ƀ": "b", "ɨ": "i", "ʉ": "u",
})


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_LETTERS)
