"""Turns typed text into safe Paragraph markup that names a font for every character."""

from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape

from careplan.reporting.fonts import PLAIN, FontBook, is_invisible

# Tabs print as a space; other control characters cannot be printed and are dropped.
_CONTROLS = {c: None for c in (*range(32), 127) if c not in (9, 10)} | {9: " "}
_RTL = frozenset(("R", "AL"))


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
        self.has_rtl = False

    def __call__(self, value: str, *, bold: bool = False) -> str:
        text = clean(value)
        if text.isascii():
            return escape(text).replace("\n", "<br/>")
        primary = self.book.bold_chars if bold else self.book.regular_chars
        if not set(text).difference(primary).difference("\n"):
            self._note_rtl(text)
            return escape(text).replace("\n", "<br/>")
        return self._runs(text, primary, bold)

    def _note_rtl(self, text: str) -> None:
        if not self.has_rtl:
            self.has_rtl = any(unicodedata.bidirectional(c) in _RTL for c in text if not c.isascii())

    def _runs(self, text: str, primary: frozenset[str], bold: bool) -> str:
        self._note_rtl(text)
        runs: list[tuple[str | None, list[str]]] = []
        for ch in text:
            font: str | None = None
            if ch in primary or ch == "\n":
                pass
            elif ch.isspace():
                ch = " "  # an odd-width space the font lacks still reads as a space
            elif bold and ch in self.book.regular_chars:
                font = PLAIN
            else:
                font = self.book.fallback_for(ch)
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
