"""Right-to-left lines: drawn where the Unicode bidi algorithm puts them, read back as typed.

A printed line is cut into units (words, spaces, numbers, punctuation) and each gets its level
from a word-level version of the bidi algorithm, which says where it is drawn. What a PDF reader
gives back when the text is copied is another matter: PyMuPDF and poppler both take glyphs drawn
left to right for display order and turn every right-to-left run round; neither honours an
/ActualText that holds the typed text (both turn it round again, as does PDFium). So each line is
drawn in the order those readers undo (`stream`):

- "islands" in typed order: a right-to-left island (letters, spaces, brackets) is drawn left to
  right, as displayed, so the readers turn it back; anything else (numbers, Latin words, the
  punctuation poppler counts as a number) is drawn in typed order;
- every glyph still lands where the display order puts it: each piece carries its x offset
  (`Placed`), which shaping.PrintoutText turns into a text move;
- an invisible right-to-left or left-to-right mark (U+200F, U+200E) starts each island, so both
  readers agree where a run starts and ends (a comma or "·" after a Hebrew name would otherwise
  join the name's run and be turned round with it);
- a line drawn out of left-to-right order, or with a mirrored bracket, is marked with
  /ActualText holding the same text in the same order, with mirrored brackets put back: poppler
  sorts glyphs by position and would lose the order, and PyMuPDF takes it where the drawn
  bracket differs from the typed one.
The marks stay in copied text; they are invisible and keep the copied line displaying right.
"""

from __future__ import annotations

import itertools
import unicodedata
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import ShapedStr, _sdSimple

from careplan.reporting.actual_text import WORD_JOINER, Placement, placed, typed_text
from careplan.reporting.fonts import REGULAR, glyph_text
from careplan.reporting.shaping import RTL_CLASSES, is_rtl_char

RLM, LRM = "\u200f", "\u200e"
DIRECTION_MARKS = RLM + LRM
# Characters poppler's text extraction treats like digits (left to right, never turned round),
# although Unicode calls them neutral or separators: they cannot sit inside a right-to-left island.
_POPPLER_NUMERIC = frozenset("#$%+,-./:\u00a0¢£¤¥°±\u060c\u066a\u066b\u066c‰‱′″‴⁄")
# Bidi classes both readers carry through a right-to-left run (PyMuPDF gives neutrals and common
# separators the direction of the glyph before them).
_CARRIED = frozenset(("R", "AL", "NSM", "BN", "WS", "ON", "B", "S", "CS"))


def _direction(text: str) -> str:
    """'R', 'L', 'N' (a number) or '' (no strong letter) for one word as typed or shaped."""
    number = False
    for ch in text:
        cls = unicodedata.bidirectional(ch)
        if cls in RTL_CLASSES:
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


def _unit_kind(ch: str, before: str | None, prev: str, nxt: str) -> str:
    """' ', 'R' (right to left), 'b' (a bracket), 'd' (a number), 'n' (punctuation: one unit
    per character, as each finds its own direction) or 'x' (left to right)."""
    if ch == " ":
        return " "
    if is_rtl_char(ch[0], before == "R"):
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


# -- drawing a line in the order readers undo -------------------------------------------------------

def drawn_width(text: str, f: Any) -> float:
    """The advance of `text` as drawn: HarfBuzz's advances where it shaped, the font's widths for
    the characters ReportLab added unshaped (spaces, digits between shaped words)."""
    data = getattr(text, "__shapeData__", None)
    if data is None:
        return float(stringWidth(text, f.fontName, f.fontSize))
    width = 0.0
    for ch, d in zip(text, data, strict=False):
        unshaped = d is _sdSimple or d == _sdSimple
        width += stringWidth(ch, f.fontName, f.fontSize) if unshaped else d.x_advance * f.fontSize / 1000
    return width


def _carried(typed: str) -> bool:
    """Whether both readers keep these characters inside a right-to-left run."""
    return all(unicodedata.bidirectional(ch) in _CARRIED and ch not in _POPPLER_NUMERIC for ch in typed)


def reorder_line(line: Any, rtl_base: bool, movable: bool = True) -> None:
    """Put one broken FragLine's words in drawing order (see the module's docstring).

    With `movable` False (a canvas that cannot move the text cursor) the words are simply put in
    display order, which looks the same and copies less well."""
    units = _units(line.words)
    if not units or (not rtl_base and not any(k == "R" for _, _, k in units)):
        return
    kinds = [{"R": "R", "d": "N", "x": _direction(typed_text(f, t)) or "L"}.get(k, "") for f, t, k in units]
    _pair_brackets(units, kinds, rtl_base)
    levels = _levels(kinds, rtl_base)
    tail = [f for f in line.words[-1:] if getattr(f, "_fkind", 0) != 0]
    drawn: list[str] = []  # each unit as drawn (mirrored when right to left)
    for (_, text, kind), level in zip(units, levels, strict=True):
        drawn.append(_mirror(text) if kind in "bn" and level % 2 and str(text) in _MIRRORS else text)
    order = visual_order(levels)
    if not movable:
        line.words = _merged([(units[i][0], drawn[i], None) for i in order]) + tail
        return
    xs = [0.0] * len(units)
    x = 0.0
    for i in order:
        xs[i] = x
        x += drawn_width(drawn[i], units[i][0])
    pieces: list[tuple[Any, str, float | None]] = []
    actual: list[str] = []
    def mark(f: Any, ch: str, at: float) -> None:
        g = f.clone()
        g.fontName = REGULAR
        pieces.append((g, ch, at))
        actual.append(ch)

    for n, (rtl, members) in enumerate(_islands(units, levels)):
        if n or rtl or rtl_base:  # a mark starts every island but a line's opening left-to-right one
            first = members[-1] if rtl else members[0]
            mark(units[first][0], RLM if rtl else LRM, xs[first])
        for i in (reversed(members) if rtl else members):
            f, typed = units[i][0], typed_text(units[i][0], units[i][1])
            if not rtl and len(typed) > 1 and any(unicodedata.bidirectional(ch) == "AN" for ch in typed):
                # PyMuPDF takes Arabic-Indic digits for right-to-left letters and turns a run of
                # them round (with what follows), poppler does not: a left-to-right mark after
                # each keeps "٢٥٠" as typed in both.
                at = xs[i]
                for k in range(len(drawn[i])):
                    pieces.append((f, drawn[i][k:k + 1], at))
                    actual.append(typed_text(f, units[i][1][k:k + 1]))
                    at += drawn_width(drawn[i][k:k + 1], f)
                    mark(f, LRM, at)
                continue
            pieces.append((f, drawn[i], xs[i]))
            actual.append(typed)  # a mirrored bracket copies as typed
    words = _merged(pieces)
    # Only where the order of drawing is not the order on the line, or a bracket was drawn
    # mirrored: PDFium turns a right-to-left /ActualText round, so lines without one (most names
    # and short notes) still read right there.
    needed = any(d is not u[1] for d, u in zip(drawn, units, strict=True)) or any(
        b.cp_x < a.cp_x for a, b in itertools.pairwise(words))
    copy = "".join(actual) + WORD_JOINER if needed else None
    for n, g in enumerate(words):
        g.text = placed(g.text, Placement(g.cp_x, copy if n == 0 else None, bool(copy) and n == len(words) - 1))
    line.words = words + tail


def _islands(units: list[tuple[Any, str, str]], levels: list[int]) -> list[tuple[bool, list[int]]]:
    """Unit indexes in typed order, grouped into right-to-left islands (True) and the rest."""
    out: list[tuple[bool, list[int]]] = []
    for i, ((f, text, _), level) in enumerate(zip(units, levels, strict=True)):
        rtl = bool(level % 2) and _carried(typed_text(f, text))
        if out and out[-1][0] == rtl:
            out[-1][1].append(i)
        else:
            out.append((rtl, [i]))
    return out


def _merged(pieces: list[tuple[Any, str, float | None]]) -> list[Any]:
    """Frags for the pieces, joining neighbours in one font that are drawn edge to edge."""
    out: list[Any] = []
    last = None
    for f, text, x in pieces:
        if out and f is last and (x is None or abs(out[-1].cp_x + drawn_width(out[-1].text, f) - x) < 1e-6):
            out[-1].text = out[-1].text + text
            continue
        g = f.clone()
        g.text, g.cp_x = text, x
        out.append(g)
        last = f
    return out
