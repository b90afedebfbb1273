"""Fonts for the printout: the bundled DejaVu Sans, plus installed fonts for what it lacks.

ReportLab's registry is process-wide, so the bundled family is registered once and every
lookup is cached; a font is only searched for when a character outside DejaVu Sans appears.
Arabic is the exception: an installed Arabic font (Noto Sans Arabic) is preferred to DejaVu
Sans, whose bold face lacks some letters. An installed font's bold face is its sibling file
(NotoSansThai-Bold.ttf beside NotoSansThai-Regular.ttf); a font with none, such as Droid Sans
Fallback for Chinese and Japanese, is drawn in bold by outlining its letters (FAUX_BOLD).
"""

from __future__ import annotations

import contextvars
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
# Arabic, its supplements and presentation forms: drawn from an installed Arabic font when there is one.
_PREFER_INSTALLED = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
# Registered names drawn outlined as well as filled: bold for a font that has no bold face.
FAUX_BOLD: set[str] = set()


class Font(TTFont):
    """A TrueType font that remembers the typed text behind its shaped glyphs (see shaping.py),
    so that its ToUnicode map gives the letters back when the PDF's text is copied or read aloud."""

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.glyph_text: dict[int, str] = {}

    def addObjects(self, doc: object) -> None:  # noqa: N802 - ReportLab's name
        token = _WRITING.set(self)
        try:
            super().addObjects(doc)
        finally:
            _WRITING.reset(token)


_WRITING: contextvars.ContextVar[Font | None] = contextvars.ContextVar("careplan_font_writing", default=None)


def glyph_text(font_name: str) -> dict[int, str]:
    """The code -> typed text table of a registered font (a throwaway one for other fonts)."""
    font = pdfmetrics.getFont(font_name)
    return font.glyph_text if isinstance(font, Font) else {}


def is_invisible(ch: str) -> bool:
    """Formatting marks (joiners, direction marks, variation selectors) that draw nothing."""
    cat = unicodedata.category(ch)
    return cat in ("Cf", "Cc") or 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode map, with code points above U+FFFF written as UTF-16 pairs.

    ReportLab writes them as 5-6 hex digits, which PDF readers misread: an emoji copied from
    the PDF, or read by a screen reader, came out as a different character.
    """

    typed = getattr(_WRITING.get(), "glyph_text", {})

    def utf16(cp: int) -> str:
        if cp in typed:
            return typed[cp].encode("utf-16-be").hex().upper()
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
    # Always ours: besides the UTF-16 fix it maps shaped glyphs back to the typed letters.
    if getattr(ttfonts, "makeToUnicodeCMap", None) is not None:
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def _register(name: str, font: TTFont) -> None:
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)


_SECONDARY_STYLES = ("mono", "bold", "italic", "oblique", "looped", "condensed", "light", "thin", "black",
                     "medium", "semi", "extra", "display")


@dataclass(frozen=True)
class _Candidate:
    path: str
    index: int

    @property
    def rank(self) -> tuple[bool, bool, bool, bool, str]:
        # Prefer an upright sans TrueType face; .otf files usually have outlines ReportLab cannot
        # embed; "UI" faces are squeezed for screens.
        low = Path(self.path).name.lower()
        return (low.endswith(".otf"), "sans" not in low, "ui-" in low or "ui." in low,
                any(w in low for w in _SECONDARY_STYLES), low)


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
        self._bold: dict[str, str] = {}  # a fallback's registered name -> its bold (or faux bold) name
        self._files: dict[str, _Candidate] = {}
        self._chars_of: dict[str, frozenset[str]] = {}
        self._arabic_checked = False

    def primary(self, text: str, bold: bool) -> frozenset[str]:
        """What the bundled face draws itself, for `text`. The first Arabic letter seen makes an
        installed Arabic font take over Arabic (looked up then: it costs a font load)."""
        if not self._arabic_checked and any(lo <= ord(c) <= hi for c in text for lo, hi in _PREFER_INSTALLED):
            with self._lock:
                self._arabic_checked = True
            self._prefer_installed_arabic()
        return self.bold_chars if bold else self.regular_chars

    def _prefer_installed_arabic(self) -> None:
        arabic = self.fallback_for("\u0628")  # BEH: any Arabic font has it
        if arabic is not None and not Path(self._files[arabic].path).name.startswith("DejaVu"):
            theirs = frozenset(c for c in self.chars_of(arabic)
                               if any(lo <= ord(c) <= hi for lo, hi in _PREFER_INSTALLED))
            self.regular_chars, self.bold_chars = self.regular_chars - theirs, self.bold_chars - theirs
            for c in theirs:
                self._by_char[c] = arabic

    def fallback_for(self, ch: str, bold: bool = False) -> str | None:
        """The registered name of an installed font that has `ch`, or None if none has it; with
        `bold`, its bold face, or the same font drawn outlined (FAUX_BOLD) when it has none."""
        try:
            name = self._by_char[ch]
        except KeyError:
            with self._lock:
                if ch not in self._by_char:
                    self._by_char[ch] = self._find(ch)
                name = self._by_char[ch]
        if name is None or not bold:
            return name
        with self._lock:
            if name not in self._bold:
                self._bold[name] = self._bold_face(name)
            return self._bold[name]

    def chars_of(self, name: str) -> frozenset[str]:
        """The characters a registered fallback font draws (empty for any other name)."""
        return self._chars_of.get(name, frozenset())

    def _bold_face(self, name: str) -> str:
        cand = self._files[name]
        path = Path(cand.path)
        stem = path.stem
        for sibling in {stem.replace("Regular", "Bold"), f"{stem}-Bold", f"{stem}Bold", f"{stem}-B"} - {stem}:
            bold = path.with_name(sibling + path.suffix)
            if bold.is_file():
                loaded = self._load(_Candidate(str(bold), cand.index))
                # Only a bold face that draws every letter the regular one does.
                if loaded and loaded[1] >= self._chars_of[name]:
                    return loaded[0]
        faux = f"{name}-FauxBold"
        if faux not in pdfmetrics.getRegisteredFontNames():
            _register(faux, Font(faux, cand.path, subfontIndex=cand.index))
        FAUX_BOLD.add(faux)
        return faux

    def missing(self, texts: Iterable[str]) -> list[str]:
        """Visible characters of `texts` that no font can draw, sorted and without repeats."""
        wanted: set[str] = set()
        for text in texts:
            wanted.update(text)
        wanted -= self.primary("".join(wanted), bold=False)
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
                font = Font(name, cand.path, subfontIndex=cand.index)
            except Exception:  # unreadable, or PostScript outlines ReportLab cannot embed: skip it
                return None
            _register(name, font)
        self._files[name], self._chars_of[name] = cand, _chars(font)
        return name, self._chars_of[name]


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
        FAUX_BOLD.add(PLAIN)  # it stands in for bold letters the bold face lacks


def _bundled_font(name: str, file: str) -> TTFont:
    # TTFont reads the whole file when it is made, so the path need only last that long.
    with as_file(resource(f"fonts/{file}")) as path:
        return Font(name, str(path))


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


# Unicode name prefixes -> the script as a reader knows it, and the Debian package with a font for it.
_SCRIPTS = {
    "HANGUL": ("Korean (Hangul)", "fonts-nanum"),
    "CJK": ("Chinese or Japanese (Han characters)", "fonts-droid-fallback"),
    "HIRAGANA": ("Japanese (Hiragana)", "fonts-droid-fallback"),
    "KATAKANA": ("Japanese (Katakana)", "fonts-droid-fallback"),
    "DEVANAGARI": ("Devanagari (Hindi, Marathi, Nepali)", "fonts-noto-core"),
    "THAI": ("Thai", "fonts-noto-core"),
    "ARABIC": ("Arabic", "fonts-noto-core"),
    "HEBREW": ("Hebrew", "fonts-noto-core"),
}


def script_of(ch: str) -> str:
    """The script of a character in plain words ("Korean (Hangul)"), or "" when not known."""
    first = unicodedata.name(ch, "").split(" ")[0]
    if first in _SCRIPTS:
        return _SCRIPTS[first][0]
    if not first or unicodedata.category(ch) in ("Co", "Cn"):
        return ""
    return first.title()


def describe_missing(chars: list[str], limit: int = 20) -> str:
    shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in chars[:limit])
    more = f" and {len(chars) - limit} more" if len(chars) > limit else ""
    scripts = sorted({script_of(c) for c in chars} - {""})
    named = f" Text in {', '.join(scripts)} cannot be printed on this computer." if scripts else ""
    packages = sorted({pkg for first, (_, pkg) in _SCRIPTS.items()
                       for c in chars if unicodedata.name(c, "").startswith(first + " ")})
    hint = f" (on Debian or Ubuntu: apt install {' '.join(packages)})" if packages else ""
    return (
        f"These characters cannot be shown by any installed font and print as empty boxes: {shown}{more}.{named} "
        f"Installing a TrueType (.ttf) font that has them{hint} and making the printout again fixes this."
    )
