"""What a reader copies: text pieces that carry their /ActualText and where they are drawn.

A Paragraph's line is drawn one frag at a time (ReportLab's _putFragLine calls the text object's
_textOut with each frag's text), so the text itself carries what shaping.PrintoutText must add
around it: a `Placement`. Two kinds of line use it:
- right-to-left lines (bidi_lines.py): every piece placed, the whole line one /ActualText;
- left-to-right lines whose shaped glyphs copy as something else than typed (a Devanagari vowel
  sign drawn before its consonant): each such word gets its typed text as /ActualText, word by
  word, because PyMuPDF matches an /ActualText to the glyphs it covers and, given a whole line,
  repeated a letter.
Each /ActualText ends with an invisible word joiner (U+2060) that no glyph draws: PyMuPDF
matches the end of an /ActualText against the last glyphs it covers and, when they agree, sends
that matching end twice (it counts UTF-8 bytes where it means characters), so the glyphs must
never match its end. Copied text keeps the joiner, which is invisible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.ttfonts import ShapedStr

from careplan.reporting.fonts import glyph_text

WORD_JOINER = "\u2060"  # invisible, and never the last character of what is typed here


@dataclass(frozen=True)
class Placement:
    x: float | None = None  # where the piece starts, from the start of the line (None: where the last ended)
    actual_text: str | None = None  # an /ActualText starts at this piece
    last: bool = False  # the /ActualText ends after this piece


class PlacedStr(str):
    """A plain piece of text with its placement (ShapedStr pieces carry it as an attribute)."""

    cp_place: Placement


def placement(text: str) -> Placement | None:
    return getattr(text, "cp_place", None)


def placed(text: str, where: Placement) -> str:
    out = text if isinstance(text, ShapedStr) else PlacedStr(text)
    out.cp_place = where
    return out


def typed_text(f: Any, text: str) -> str:
    """What a reader copies for `text` drawn in frag `f`'s font (the font's ToUnicode map)."""
    table = glyph_text(f.fontName)
    return "".join(table.get(ord(ch), ch) for ch in text) if table else str(text)


def mark_typed_words(line: Any, typed: list[str]) -> None:
    """Give each word of a broken FragLine whose glyphs copy differently from `typed` (the line's
    typed words, in order) its typed text as /ActualText."""
    pieces: list[tuple[Any, str]] = []  # (frag, text) cut at spaces
    for f in line.words:
        if getattr(f, "_fkind", 0) != 0 or hasattr(f, "cbDefn"):
            pieces.append((f, ""))
            continue
        text, start = f.text, 0
        for i in range(1, len(text) + 1):
            if i == len(text) or (text[i] == " ") != (text[i - 1] == " "):
                pieces.append((f, text[start:i]))
                start = i
    words: list[list[int]] = []  # piece indexes of each word
    glued = False
    for n, (_, text) in enumerate(pieces):
        if text and not text.isspace():
            if glued:
                words[-1].append(n)
            else:
                words.append([n])
        glued = bool(text) and not text.isspace()
    if len(words) != len(typed):
        return  # a word cut to fit a line: no telling which typed word each part is
    marks: dict[int, Placement] = {}
    for members, word in zip(words, typed, strict=True):
        copied = "".join(typed_text(pieces[n][0], pieces[n][1]) for n in members)
        if copied != word:
            marks[members[0]] = Placement(actual_text=word + WORD_JOINER, last=len(members) == 1)
            if len(members) > 1:
                marks[members[-1]] = Placement(last=True)
    if not marks:
        return
    out: list[Any] = []
    for n, (f, text) in enumerate(pieces):
        if not text:
            out.append(f)
            continue
        g = f.clone()
        g.text = placed(text, marks[n]) if n in marks else text
        out.append(g)
    line.words = out
