"""The Unicode fonts every PDF of the application embeds, registered once with reportlab.

reportlab's built-in Helvetica has no glyphs for Vietnamese names (Nguyễn) or pinyin tones
(Lǚ); DejaVu Sans has them (``fonts-dejavu-core``), and Bitstream Vera, shipped with
reportlab, is the fallback when it is not installed. Characters neither has (Chinese, Japanese,
Korean) fall back, run by run, to a CJK TrueType font when the machine has one
(``fonts-wqy-zenhei``, installed by ``make system-packages``): ``pdf_text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
VERA = Path(reportlab.__file__).parent / "fonts"
FAMILY = "SymposiumSans"
CJK_FONT = "SymposiumCJK"
CJK_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)

_DEJAVU_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
)
_VERA_FILES = ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf")


@dataclass(frozen=True)
class PdfFonts:
    """Names of the registered fonts, for styles and canvas calls."""

    regular: str
    bold: str
    italic: str
    bold_italic: str


@cache
def pdf_fonts() -> PdfFonts:
    """Register the font family (once per process) so ``<b>`` and ``<i>`` work in paragraphs."""
    paths = [DEJAVU / name for name in _DEJAVU_FILES]
    if not all(path.exists() for path in paths):
        paths = [VERA / name for name in _VERA_FILES]
    fonts = PdfFonts(FAMILY, f"{FAMILY}-Bold", f"{FAMILY}-Italic", f"{FAMILY}-BoldItalic")
    names = (fonts.regular, fonts.bold, fonts.italic, fonts.bold_italic)
    for name, path in zip(names, paths, strict=True):
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        FAMILY,
        normal=fonts.regular,
        bold=fonts.bold,
        italic=fonts.italic,
        boldItalic=fonts.bold_italic,
    )
    return fonts


@cache
def cjk_font() -> str | None:
    """Register the first CJK font found (once per process); None when there is none."""
    for path in CJK_CANDIDATES:
        if path.exists():
            # subfontIndex 0 of a .ttc is the proportional face.
            pdfmetrics.registerFont(TTFont(CJK_FONT, str(path), subfontIndex=0))
            # One face for every style, so <b> around a Chinese name still finds a font.
            pdfmetrics.registerFontFamily(
                CJK_FONT, normal=CJK_FONT, bold=CJK_FONT, italic=CJK_FONT, boldItalic=CJK_FONT
            )
            return CJK_FONT
    return None


@cache
def _glyphs(font: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(font).face.charToGlyph)


def pdf_text(value: object) -> str:
    """``value`` as escaped paragraph markup, characters the main font lacks set in the CJK font.

    Whitespace stays in the main font so that a run of CJK characters is one ``<font>`` span.
    """
    plain = str(value)
    fallback = cjk_font()
    if fallback is None or plain.isascii():
        return escape(plain)
    main, other = _glyphs(pdf_fonts().regular), _glyphs(fallback)
    pieces: list[str] = []
    run: list[str] = []
    for char in plain:
        code = ord(char)
        if code not in main and code in other:
            run.append(char)
            continue
        if run:
            pieces.append(f'<font name="{fallback}">{escape("".join(run))}</font>')
            run = []
        pieces.append(escape(char))
    if run:
        pieces.append(f'<font name="{fallback}">{escape("".join(run))}</font>')
    return "".join(pieces)
