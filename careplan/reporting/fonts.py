"""Fonts for the printout: the bundled DejaVu Sans, plus installed fonts for what it lacks.

ReportLab's registry is process-wide, so the bundled family is registered once and every
lookup is cached; a font is only searched for when a character outside DejaVu Sans appears.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import as_file
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from careplan.paths import resource

REGULAR = "CarePlanSans"
BOLD = "CarePlanSans-Bold"
ITALIC = "CarePlanSans-Oblique"
BOLD_ITALIC = "CarePlanSans-BoldOblique"
# The regular face under a family of its own: inside bold text it draws the few characters
# the bold face lacks (some Arabic letters) without ReportLab switching it back to bold.
PLAIN = "CarePlanSansPlain"

_BUNDLED = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}

SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local/share/fonts",
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
    Path.home() / "Library/Fonts",
    Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts",
)

_MAX_TRIES_PER_CHAR = 8  # bounds the time spent on a character no font has


def is_invisible(ch: str) -> bool:
    """Formatting marks (joiners, direction marks, variation selectors) that draw nothing."""
    cat = unicodedata.category(ch)
    return cat in ("Cf", "Cc") or 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode map, with code points above U+FFFF written as UTF-16 pairs.

    ReportLab writes them as 5-6 hex digits, which PDF readers misread: an emoji copied from
    the PDF, or read by a screen reader, came out as a different character.
    """

    def utf16(cp: int) -> str:
        if 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF:
            return chr(cp).encode("utf-16-be").hex().upper()
        return f"{cp:04X}"

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{utf16(v)}>" for i, v in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


def _fix_to_unicode() -> None:
    original = getattr(ttfonts, "makeToUnicodeCMap", None)
    # Only while ReportLab still has the bug: a fixed release keeps its own function.
    if original is not None and "<1F600>" in original("X", [0, 0x1F600]):
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def _register(name: str, font: TTFont) -> None:
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)


@dataclass(frozen=True)
class _Candidate:
    path: str
    index: int

    @property
    def rank(self) -> tuple[bool, bool, bool, str]:
        # Prefer an upright sans TrueType face; .otf files usually have outlines ReportLab cannot embed.
        low = Path(self.path).name.lower()
        return (low.endswith(".otf"), "sans" not in low, any(w in low for w in ("mono", "bold", "italic", "oblique")), low)


class FontBook:
    """Knows which registered font draws each character; safe to share between threads."""

    def __init__(self, *, search_dirs: Iterable[Path] = SYSTEM_FONT_DIRS, use_fc_list: bool = True):
        register_bundled_fonts()
        self.regular_chars: frozenset[str] = _chars(pdfmetrics.getFont(REGULAR))
        self.bold_chars: frozenset[str] = _chars(pdfmetrics.getFont(BOLD))
        self._search_dirs = tuple(search_dirs)
        self._fc_list = shutil.which("fc-list") if use_fc_list else None
        self._lock = threading.Lock()
        self._by_char: dict[str, str | None] = {}
        self._loaded: dict[_Candidate, tuple[str, frozenset[str]] | None] = {}
        self._scanned: list[_Candidate] | None = None

    def fallback_for(self, ch: str) -> str | None:
        """The registered name of an installed font that has `ch`, or None if none has it."""
        try:
            return self._by_char[ch]
        except KeyError:
            pass
        with self._lock:
            if ch not in self._by_char:
                self._by_char[ch] = self._find(ch)
            return self._by_char[ch]

    def missing(self, texts: Iterable[str]) -> list[str]:
        """Visible characters of `texts` that no font can draw, sorted and without repeats."""
        wanted: set[str] = set()
        for text in texts:
            wanted.update(text)
        wanted -= self.regular_chars
        return sorted(
            ch for ch in wanted if not ch.isspace() and not is_invisible(ch) and self.fallback_for(ch) is None
        )

    def _find(self, ch: str) -> str | None:
        for loaded in self._loaded.values():
            if loaded and ch in loaded[1]:
                return loaded[0]
        tried = 0
        for cand in self._candidates(ch):
            if cand in self._loaded:
                continue
            loaded = self._load(cand)
            self._loaded[cand] = loaded
            tried += 1
            if loaded and ch in loaded[1]:
                return loaded[0]
            if tried >= _MAX_TRIES_PER_CHAR:
                break
        return None

    def _candidates(self, ch: str) -> list[_Candidate]:
        if self._fc_list:
            found = self._ask_fontconfig(ch)
            if found is not None:
                return found
        if self._scanned is None:
            self._scanned = sorted(_scan(self._search_dirs), key=lambda c: c.rank)
        return self._scanned

    def _ask_fontconfig(self, ch: str) -> list[_Candidate] | None:
        assert self._fc_list
        try:
            out = subprocess.run(
                [self._fc_list, "--format", "%{file}\t%{index}\n", f":charset={ord(ch):x}"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None  # a broken fontconfig: fall back to scanning folders
        cands = set()
        for line in out.splitlines():
            path, _, index = line.partition("\t")
            if path and Path(path).name not in _BUNDLED.values():
                cands.add(_Candidate(path, int(index) if index.isdigit() else 0))
        return sorted(cands, key=lambda c: c.rank)

    def _load(self, cand: _Candidate) -> tuple[str, frozenset[str]] | None:
        name = f"CarePlanFallback-{Path(cand.path).stem}-{cand.index}"
        try:
            font = pdfmetrics.getFont(name)
        except KeyError:
            try:
                font = TTFont(name, cand.path, subfontIndex=cand.index)
            except Exception:  # unreadable, or PostScript outlines ReportLab cannot embed: skip it
                return None
            _register(name, font)
        return name, _chars(font)


def _chars(font: object) -> frozenset[str]:
    return frozenset(chr(cp) for cp in font.face.charToGlyph)  # type: ignore[attr-defined]


def _scan(dirs: Iterable[Path]) -> list[_Candidate]:
    found = []
    for d in dirs:
        try:
            for root, _dirs, files in os.walk(d):
                for f in files:
                    if f.lower().endswith((".ttf", ".ttc", ".otf")) and f not in _BUNDLED.values():
                        found.append(_Candidate(os.path.join(root, f), 0))
        except OSError:
            continue
    return found


_register_lock = threading.Lock()
_book: FontBook | None = None


def register_bundled_fonts() -> None:
    """Register the DejaVu Sans family from resources/fonts once per process."""
    with _register_lock:
        if REGULAR in pdfmetrics.getRegisteredFontNames():
            return
        _fix_to_unicode()
        for name, file in _BUNDLED.items():
            pdfmetrics.registerFont(_bundled_font(name, file))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)
        _register(PLAIN, _bundled_font(PLAIN, _BUNDLED[REGULAR]))


def _bundled_font(name: str, file: str) -> TTFont:
    # TTFont reads the whole file when it is made, so the path need only last that long.
    with as_file(resource(f"fonts/{file}")) as path:
        return TTFont(name, str(path))


def font_book() -> FontBook:
    """The process-wide FontBook, created on first use."""
    global _book
    if _book is None:
        book = FontBook()
        with _register_lock:
            if _book is None:
                _book = book
    return _book


def missing_glyphs(texts: Iterable[str]) -> list[str]:
    """Characters in `texts` that neither DejaVu Sans nor any installed font can show."""
    return font_book().missing(texts)


def describe_missing(chars: list[str], limit: int = 20) -> str:
    shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in chars[:limit])
    more = f" and {len(chars) - limit} more" if len(chars) > limit else ""
    return (
        f"These characters cannot be shown by any installed font and print as empty boxes: {shown}{more}. "
        "Installing a TrueType (.ttf) font that has them and making the printout again fixes this."
    )
