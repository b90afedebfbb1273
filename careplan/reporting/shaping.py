"""Complex scripts in the printout: shaped with HarfBuzz, right-to-left words put in reading order.

ReportLab shapes a Paragraph's words with uharfbuzz when its style says `shaping=1`: Arabic
letters join, Devanagari conjuncts and vowel signs take their place, Thai marks stack, and a
right-to-left word comes out in visual order. Three gaps are closed here:

- ReportLab orders right-to-left *words* only with its own `rlbidi` package, which is not on
  PyPI; `reorder_line` does it per printed line from the Unicode bidi classes, with
  python-bidi telling a paragraph's base direction.
- ReportLab shapes a word that changes font halfway ("नमस्ते," with the comma from another font)
  with the first font's glyph numbers; `_shape_by_font` shapes each font's part on its own.
- Shaped glyphs a font has no character for (joined Arabic forms, conjuncts) get private-use
  codes; `fonts.GlyphText` remembers what they stand for so copying the text gives letters back.
  Text whose glyphs are reordered (Devanagari vowel signs) also carries its typed text as
  /ActualText, which copy and screen readers use instead of the glyphs.
"""

from __future__ import annotations

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

_RTL_CLASSES = frozenset(("R", "AL"))
# Blocks whose letters change shape or order when set: Hebrew points and Syriac to N'Ko, the
# Indic scripts, Thai to Myanmar, Khmer, and the Arabic presentation forms.
_SHAPED_RANGES = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x109F), (0x1780, 0x17FF),
                  (0xA8E0, 0xA8FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))


def needs_shaping(text: str) -> bool:
    """True when `text` has a letter that must be shaped (or ordered) to print right."""
    return not text.isascii() and any(lo <= ord(ch) <= hi for ch in text for lo, hi in _SHAPED_RANGES)


def has_rtl(text: str) -> bool:
    return not text.isascii() and any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text)


def base_is_rtl(text: str) -> bool:
    """Whether a paragraph runs right to left: it starts with a right-to-left letter (the bidi
    algorithm's rule) and has at least as many right-to-left letters as left-to-right ones, so
    the printout's own English sentences stay left to right when a Hebrew name comes first."""
    if not SHAPING_AVAILABLE or bidi.get_base_level(text) != 1:
        return False
    classes = [unicodedata.bidirectional(ch) for ch in text]
    return sum(c in _RTL_CLASSES for c in classes) >= classes.count("L")


# -- shaping words that change font ---------------------------------------------------------------

_original_shape = rl_paragraph.shapeFragWord


def _text_of(word: list[Any]) -> str:
    return "".join(s for f, s in word[1:] if not hasattr(f, "cbDefn"))


def _is_rtl(ch: str, after_rtl: bool) -> bool:
    cls = unicodedata.bidirectional(ch)
    return cls in _RTL_CLASSES or (after_rtl and cls in ("NSM", "BN"))  # marks and joiners stay with their letter


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
            k = (getattr(f, "fontName", None), _is_rtl(ch, bool(key and key[1])))
            if k != key:
                runs.append([(f, ch)])
            elif runs[-1][-1][0] is f:
                runs[-1][-1] = (f, runs[-1][-1][1] + ch)
            else:
                runs[-1].append((f, ch))
            key = k
    if len(runs) <= 1:
        shaped = _original_shape(word, features or _FEATURES, force)
        _note_glyph_text(word, shaped)
        return shaped
    out: list[Any] = [0.0]
    for run in runs:
        sub = [sum(stringWidth(t, g.fontName, g.fontSize) for g, t in run), *run]
        shaped = _original_shape(sub, features or _FEATURES, force)
        _note_glyph_text(sub, shaped)
        out[0] += shaped[0]
        out.extend(tuple(piece) for piece in shaped[1:])
    # The word's class says whether a space follows it (_HSFrag): keep it, as ReportLab does.
    return makeShapedFragWord(word)(out)


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


# -- right-to-left words in reading order, one printed line at a time ------------------------------

def _direction(text: str) -> str:
    """'R', 'L', 'N' (a number) or '' (no strong letter) for one word as typed or shaped."""
    number = False
    for ch in text:
        cls = unicodedata.bidirectional(ch)
        if cls in _RTL_CLASSES:
            return "R"
        if cls == "L" and not 0xE000 <= ord(ch) <= 0xF8FF:
            return "L"
        number = number or cls in ("EN", "AN")
    return "N" if number else ""


def _levels(kinds: list[str], rtl_base: bool) -> list[int]:
    """Embedding level per word: a simplified rule set of the bidi algorithm at word level.

    Numbers after right-to-left text join it; words with no strong letter take their neighbours'
    direction when both agree, else the paragraph's.
    """
    base = "R" if rtl_base else "L"
    strong: list[str] = []
    last = base
    for k in kinds:
        if k == "N":
            k = "R" if last == "R" else "L"
        if k in ("L", "R"):
            last = k
        strong.append(k)
    resolved = []
    for i, k in enumerate(strong):
        if not k:
            before = next((s for s in reversed(strong[:i]) if s), base)
            after = next((s for s in strong[i + 1:] if s), base)
            k = before if before == after else base
        resolved.append(k)
    if rtl_base:
        return [1 if k == "R" else 2 for k in resolved]
    return [1 if k == "R" else 0 for k in resolved]


def visual_order(levels: list[int]) -> list[int]:
    """Indexes in display order (rule L2: reverse runs at each level, highest first)."""
    order = list(range(len(levels)))
    if not levels:
        return order
    lowest_odd = min(lv for lv in levels if lv % 2) if any(lv % 2 for lv in levels) else max(levels) + 1
    for level in range(max(levels), lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


def _units(line_words: list[Any]) -> list[tuple[Any, str, str]] | None:
    """The line's text cut where direction changes and at spaces, as (frag, text, direction),
    or None when it holds anything but text (an image, a link target) that must stay put."""
    units: list[tuple[Any, str, str]] = []
    for f in line_words:
        if getattr(f, "_fkind", 0) != 0 or hasattr(f, "cbDefn"):
            if f is line_words[-1] and not f.text:
                continue  # the break that ends a line
            return None
        typed = glyph_text(f.fontName)
        text, start, kind = f.text, 0, None
        chars = [typed.get(ord(ch), ch) for ch in text]
        for i, ch in enumerate(chars):
            k = _unit_kind(ch, kind, chars[i - 1][-1:] if i else "", chars[i + 1][:1] if i + 1 < len(chars) else "")
            if kind is not None and (k != kind or k in "bn"):
                units.append((f, text[start:i], kind))
                start = i
            kind = k
        if kind is not None:
            units.append((f, text[start:], kind))
    return units


def _mirror(text: str) -> str:
    mirrored = _MIRRORS[str(text)]
    data = getattr(text, "__shapeData__", None)
    return ShapedStr(mirrored, shapeData=data) if data is not None else mirrored


def _typed(f: Any, text: str) -> str:
    table = glyph_text(f.fontName)
    return "".join(table.get(ord(ch), ch) for ch in text) if table else text


def _unit_kind(ch: str, before: str | None, prev: str, nxt: str) -> str:
    """' ', 'R' (right to left), 'b' (a bracket), 'd' (a number), 'n' (punctuation: one unit
    per character, as each finds its own direction) or 'x' (left to right)."""
    if ch == " ":
        return " "
    if _is_rtl(ch[0], before == "R"):
        return "R"
    if ch in _BRACKETS:
        return "b"
    cls = unicodedata.bidirectional(ch[0])
    if cls in ("EN", "AN") or (cls in ("CS", "ES", "ET") and prev.isdigit() and nxt.isdigit()):
        return "d"
    if cls in ("ON", "CS", "ES", "ET", "WS", "S", "B"):
        return "n"
    return "x"


_BRACKETS = {"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{"}
# Characters drawn as their mirror image in right-to-left text (Unicode's Bidi_Mirroring_Glyph,
# the common ones): brackets, angle brackets and guillemets, comparison signs.
_MIRRORS = {**_BRACKETS, "<": ">", ">": "<", "«": "»", "»": "«", "‹": "›", "›": "‹", "≤": "≥", "≥": "≤"}


def _pair_brackets(units: list[tuple[Any, str, str]], kinds: list[str], rtl_base: bool) -> None:
    """Rule N0 of the bidi algorithm, for round, square and curly brackets: a pair around words
    of the other direction, after text of that direction, belongs to it (and is drawn mirrored
    when right to left); otherwise to the paragraph's direction."""
    embedding = "R" if rtl_base else "L"
    stack: list[int] = []
    for j, (_, text, kind) in enumerate(units):
        if kind != "b":
            continue
        if text in "([{":
            stack.append(j)
            continue
        opener = next((i for i in reversed(stack) if _BRACKETS[units[i][1]] == text), None)
        if opener is None:
            continue
        del stack[stack.index(opener):]
        inside = set(kinds[opener + 1:j])
        if embedding in inside:
            kinds[opener] = kinds[j] = embedding
        elif inside & {"L", "R"}:
            before = next((k for k in reversed(kinds[:opener]) if k in ("L", "R")), embedding)
            opposite = "L" if rtl_base else "R"
            kinds[opener] = kinds[j] = opposite if before == opposite else embedding


def reorder_line(line: Any, rtl_base: bool) -> None:
    """Put one broken FragLine in display order: right-to-left runs (already drawn right to left
    by HarfBuzz) change places as the Unicode bidi algorithm says."""
    units = _units(line.words)
    if not units or (not rtl_base and not any(k == "R" for _, _, k in units)):
        return
    kinds = [{"R": "R", "d": "N", "x": _direction(_typed(f, t)) or "L"}.get(k, "") for f, t, k in units]
    _pair_brackets(units, kinds, rtl_base)
    levels = _levels(kinds, rtl_base)
    tail = [f for f in line.words[-1:] if getattr(f, "_fkind", 0) != 0]
    out: list[Any] = []
    last = None
    for index in visual_order(levels):
        f, text, kind = units[index]
        if kind in "bn" and levels[index] % 2 and str(text) in _MIRRORS:
            text = _mirror(text)
        if f is last:
            out[-1].text = out[-1].text + text
        else:
            g = f.clone()
            g.text = text
            out.append(g)
            last = f
    line.words = out + tail


def actual_text_ops(text: str) -> tuple[str, str]:
    """PDF operators around drawn glyphs whose copied text should be `text` (as typed)."""
    encoded = ("\ufeff" + " ".join(text.split())).encode("utf-16-be").hex().upper()
    return f"/Span <</ActualText <{encoded}>>> BDC", "EMC"


class PrintoutText(PDFTextObject):
    """The printout's text object.

    - Fonts in fonts.FAUX_BOLD are drawn filled and outlined: a bold that reads as bold, for
      fonts without a bold face (Chinese and Japanese from Droid Sans Fallback).
    - While a Paragraph draws lines listed in the canvas's `actual_lines`, each line is marked
      with its typed text (/ActualText), so a reader copies "क्षत्रिय", not its glyphs in the order
      they are drawn. ReportLab ends every line with one _textOut(..., TStar=1)."""

    _outlined = False
    _marking = False

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
        lines: list[str] | None = getattr(self._canvas, "actual_lines", None)
        if lines and not self._marking:
            self._code.append(actual_text_ops(lines[0])[0])
            self._marking = True
        super()._textOut(text, TStar)
        if TStar and self._marking and lines:
            self._code.append(actual_text_ops(lines.pop(0))[1])
            self._marking = False
