"""Complex scripts in the printout: shaped with HarfBuzz, marked for copying, drawn by PrintoutText.

ReportLab shapes a Paragraph's words with uharfbuzz when its style says `shaping=1`: Arabic
letters join, Devanagari conjuncts and vowel signs take their place, Thai marks stack, and a
right-to-left word comes out in visual order. The gaps closed here:

- ReportLab orders right-to-left *words* only with its own `rlbidi` package, which is not on
  PyPI; bidi_lines.py orders them per printed line from the Unicode bidi classes, with
  python-bidi telling a paragraph's base direction, and draws them so readers copy them as typed.
- ReportLab shapes a word that changes font halfway ("नमस्ते," with the comma from another font)
  with the first font's glyph numbers; `_shape_by_font` shapes each font's part on its own.
- HarfBuzz sets a run of Arabic-Indic digits right to left; `_digits_left_to_right` turns it back.
- Shaped glyphs a font has no character for (joined Arabic forms, conjuncts) get private-use
  codes; `fonts.Font.glyph_text` remembers what they stand for so copying gives letters back.
  Words whose glyphs are drawn in another order than typed (Devanagari vowel signs) carry their
  typed text as /ActualText (actual_text.py), which PrintoutText writes.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import ShapedStr, makeShapedFragWord
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import paragraph as rl_paragraph

from careplan.reporting.fonts import FAUX_BOLD, glyph_text

try:  # optional at run time: without them the printout warns instead (see pdf.py)
    import bidi
    import uharfbuzz  # noqa: F401 - ReportLab imports it itself; this only tells whether it can
except ImportError:  # pragma: no cover - both are in the lock files
    SHAPING_AVAILABLE = False
else:
    SHAPING_AVAILABLE = True

RTL_CLASSES = frozenset(("R", "AL"))
# Blocks whose letters change shape or order when set: Hebrew points and Syriac to N'Ko, the
# Indic scripts, Thai to Myanmar, Khmer, and the Arabic presentation forms.
_SHAPED_RANGES = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x109F), (0x1780, 0x17FF),
                  (0xA8E0, 0xA8FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
# One character class for them all: every paragraph is asked, and a loop over the characters
# and ranges in Python cost more than the rest of deciding how to set a plain Latin paragraph.
_SHAPED = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _SHAPED_RANGES) + "]")


def needs_shaping(text: str) -> bool:
    """True when `text` has a letter that must be shaped (or ordered) to print right."""
    return not text.isascii() and _SHAPED.search(text) is not None


def has_rtl(text: str) -> bool:
    return not text.isascii() and any(unicodedata.bidirectional(ch) in RTL_CLASSES for ch in text)


def base_is_rtl(text: str) -> bool:
    """Whether a paragraph runs right to left: it starts with a right-to-left letter (the bidi
    algorithm's rule) and has at least as many right-to-left letters as left-to-right ones, so
    the printout's own English sentences stay left to right when a Hebrew name comes first."""
    if not SHAPING_AVAILABLE or bidi.get_base_level(text) != 1:
        return False
    classes = [unicodedata.bidirectional(ch) for ch in text]
    return sum(c in RTL_CLASSES for c in classes) >= classes.count("L")


# -- shaping words that change font ---------------------------------------------------------------

_original_shape = rl_paragraph.shapeFragWord


def _text_of(word: list[Any]) -> str:
    return "".join(s for f, s in word[1:] if not hasattr(f, "cbDefn"))


def is_rtl_char(ch: str, after_rtl: bool) -> bool:
    cls = unicodedata.bidirectional(ch)
    return cls in RTL_CLASSES or (after_rtl and cls in ("NSM", "BN"))  # marks and joiners stay with their letter


# Kerning and standard ligatures; not ReportLab's default discretionary ones, which print
# "rest" with an old-fashioned st ligature.
_FEATURES = {"kern": True, "liga": True}


def _shape_by_font(word: list[Any], features: dict[str, bool] | None = None, force: bool = False) -> list[Any]:
    """ReportLab's shapeFragWord, one font and one direction at a time, noting what each glyph
    without a character stands for. "(שרה" is shaped as "(" and "שרה": shaped whole, HarfBuzz
    would turn the bracket round and put it after the name."""
    if any(isinstance(s, ShapedStr) for _, s in word[1:]):
        # Laid out again (another width, the rest of a split paragraph): ReportLab hands back the
        # words it shaped before, and shaping right-to-left glyphs again would turn them round.
        return word
    runs: list[list[tuple[Any, str]]] = []
    key: tuple[object, bool] | None = None
    for f, s in word[1:]:
        if hasattr(f, "cbDefn"):
            return _original_shape(word, features or _FEATURES, force)
        for ch in s:
            k = (getattr(f, "fontName", None), is_rtl_char(ch, bool(key and key[1])))
            if k != key:
                runs.append([(f, ch)])
            elif runs[-1][-1][0] is f:
                runs[-1][-1] = (f, runs[-1][-1][1] + ch)
            else:
                runs[-1].append((f, ch))
            key = k
    if len(runs) <= 1:
        shaped = _digits_left_to_right(_original_shape(word, features or _FEATURES, force))
        _note_glyph_text(word, shaped)
        return shaped
    out: list[Any] = [0.0]
    for run in runs:
        sub = [sum(stringWidth(t, g.fontName, g.fontSize) for g, t in run), *run]
        shaped = _digits_left_to_right(_original_shape(sub, features or _FEATURES, force))
        _note_glyph_text(sub, shaped)
        out[0] += shaped[0]
        out.extend(tuple(piece) for piece in shaped[1:])
    # The word's class says whether a space follows it (_HSFrag): keep it, as ReportLab does.
    return makeShapedFragWord(word)(out)


def _digits_left_to_right(shaped: list[Any]) -> list[Any]:
    """Arabic-Indic digits ("٢٥٠") are Arabic script, so HarfBuzz sets a run of them right to left
    and it printed "٠٥٢"; numbers run left to right, so such a run is turned back."""
    for n, (f, s) in enumerate(shaped[1:], start=1):
        data = getattr(s, "__shapeData__", None)
        if (data is None or len(s) < 2 or any(unicodedata.bidirectional(ch) in RTL_CLASSES for ch in s)
                or not any(unicodedata.bidirectional(ch) == "AN" for ch in s)):
            continue
        clusters = [d.cluster for d in data]
        if clusters == sorted(clusters, reverse=True) and clusters[0] != clusters[-1]:
            shaped[n] = (f, ShapedStr(str(s)[::-1], shapeData=list(data)[::-1]))
    return shaped


def _note_glyph_text(word: list[Any], shaped: list[Any]) -> None:
    """Remember, per font, the typed text behind each glyph that has no character of its own."""
    if shaped is word:
        return
    source = _text_of(word)
    for f, s in shaped[1:]:
        data = getattr(s, "__shapeData__", None)
        if not data or hasattr(f, "cbDefn"):
            continue
        clusters = sorted({d.cluster for d in data if 0 <= d.cluster < len(source)})
        ends = dict(zip(clusters, [*clusters[1:], len(source)], strict=True))
        table = glyph_text(f.fontName)
        seen: set[int] = set()
        for ch, d in zip(s, data, strict=False):
            code = ord(ch)
            if d.cluster not in ends or d.cluster in seen:
                continue
            seen.add(d.cluster)
            typed = source[d.cluster:ends[d.cluster]]
            if typed != ch and (0xE000 <= code <= 0xF8FF or unicodedata.normalize("NFKC", ch) != ch):
                # Readers turn a right-to-left run round character by character, so a ligature
                # (lam-alef) maps to its letters in drawn order to come out as typed.
                table.setdefault(code, typed[::-1] if has_rtl(typed) else typed)


def install() -> None:
    """Route ReportLab's word shaping through _shape_by_font (once per process)."""
    if rl_paragraph.shapeFragWord is _original_shape:
        rl_paragraph.shapeFragWord = _shape_by_font


def actual_text_ops(text: str, exact: bool = False) -> tuple[str, str]:
    """PDF operators around drawn glyphs whose copied text should be `text` (as typed; with
    `exact`, character for character, as PyMuPDF matches it glyph by glyph)."""
    encoded = ("\ufeff" + (text if exact else " ".join(text.split()))).encode("utf-16-be").hex().upper()
    return f"/Span <</ActualText <{encoded}>>> BDC", "EMC"


class PrintoutText(PDFTextObject):
    """The printout's text object.

    - Fonts in fonts.FAUX_BOLD are drawn filled and outlined: a bold that reads as bold, for
      fonts without a bold face (Chinese and Japanese from Droid Sans Fallback).
    - Text that carries an actual_text.Placement is marked with its /ActualText (a word whose
      glyphs are drawn in another order than typed, so a reader copies "क्षत्रिय"; a whole
      right-to-left line) and, when it says where, moved there: a right-to-left line's pieces
      come in the order readers undo, each placed where it is displayed. Td moves from the start
      of the line, so the line's start is put back before ReportLab's T* ends the line."""

    _outlined = False
    _moved = 0.0  # how far this line's start has been moved to place its pieces

    def _setFont(self, psfontname: str, size: float) -> None:  # noqa: N802 - ReportLab's name
        super()._setFont(psfontname, size)
        self._outline(psfontname in FAUX_BOLD, size)

    def setFont(self, psfontname: str, size: float, leading: float | None = None) -> None:  # noqa: N802
        super().setFont(psfontname, size, leading)
        self._outline(psfontname in FAUX_BOLD, size)

    def _outline(self, on: bool, size: float) -> None:
        if on:
            self._code.append(f"{fp_str(size * 0.035)} w")
            self.setTextRenderMode(2)  # fill, then stroke the same outline
        elif self._outlined:
            self._code.append(f"{fp_str(self._canvas._lineWidth)} w")
            self.setTextRenderMode(0)
        self._outlined = on

    def _textOut(self, text: str, TStar: int = 0) -> None:  # noqa: N802,N803 - ReportLab's names
        place = getattr(text, "cp_place", None)
        if place is not None and place.actual_text is not None:
            self._code.append(actual_text_ops(place.actual_text, exact=place.x is not None)[0])
        if place is not None and place.x is not None:
            self._code.append(f"{fp_str(place.x - self._moved)} 0 Td")
            self._moved = place.x
        super()._textOut(text, 0)
        if place is not None and place.last:
            self._code.append("EMC")
        if TStar:
            self._code.append(f"{fp_str(-self._moved)} 0 Td T*" if self._moved else "T*")
            self._moved = 0.0
