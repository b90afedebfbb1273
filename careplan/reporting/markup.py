"""Turns typed text into safe Paragraph markup that names a font for every character."""

from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape

from careplan.reporting.fonts import PLAIN, FontBook, is_invisible
from careplan.reporting.shaping import needs_shaping

# Tabs print as a space; other control characters cannot be printed and are dropped.
_CONTROLS = {c: None for c in (*range(32), 127) if c not in (9, 10)} | {9: " "}


def _neutral(ch: str) -> bool:
    """Punctuation, digits and symbols: characters every script shares."""
    return unicodedata.category(ch)[0] in "PNSZ"


def clean(value: str) -> str:
    """Line breaks unified, accents composed (fonts draw é, not e plus a floating accent)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value.isascii():
        value = unicodedata.normalize("NFC", value).replace("\u2028", "\n").replace("\u2029", "\n")
    return value.translate(_CONTROLS)


class Markup:
    """Markup builder for one printout; remembers what it could not draw."""

    def __init__(self, book: FontBook):
        self.book = book
        self.missing: set[str] = set()
        self.has_complex = False  # text that must be shaped or set right to left (shaping.py)

    def __call__(self, value: str, *, bold: bool = False) -> str:
        text = clean(value)
        if text.isascii():
            return escape(text).replace("\n", "<br/>")
        primary = self.book.primary(text, bold)
        if not set(text).difference(primary).difference("\n"):
            self._note_rtl(text)
            return escape(text).replace("\n", "<br/>")
        return self._runs(text, primary, bold)

    def _note_rtl(self, text: str) -> None:
        if not self.has_complex:
            self.has_complex = needs_shaping(text)

    def _runs(self, text: str, primary: frozenset[str], bold: bool) -> str:
        self._note_rtl(text)
        runs: list[tuple[str | None, list[str]]] = []
        for ch in text:
            font: str | None = None
            run_font = runs[-1][0] if runs else None
            if ch.isspace() and ch != "\n" and ch not in primary:
                ch = " "  # an odd-width space the font lacks still reads as a space
            if run_font and ch not in " \n" and _neutral(ch) and ch in self.book.chars_of(run_font):
                # Punctuation after Devanagari or Arabic stays in that font: a word in two fonts
                # is shaped in pieces, and a comma is drawn best by the font of its word.
                font = run_font
            elif ch in primary or ch in " \n":
                pass
            elif bold and ch in self.book.regular_chars:
                font = PLAIN
            else:
                font = self.book.fallback_for(ch, bold)
                if font is None:
                    if is_invisible(ch):
                        continue  # a joiner or direction mark no font has draws nothing anyway
                    self.missing.add(ch)
            if runs and runs[-1][0] == font:
                runs[-1][1].append(ch)
            else:
                runs.append((font, [ch]))
        out = []
        for font, chars in runs:
            piece = escape("".join(chars)).replace("\n", "<br/>")
            out.append(f'<font name="{font}">{piece}</font>' if font else piece)
        return "".join(out)
