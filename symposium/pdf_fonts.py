"""The Unicode fonts every PDF of the application embeds, registered once with reportlab.

reportlab's built-in Helvetica has no glyphs for Vietnamese names (Nguyễn) or pinyin tones
(Lǚ); DejaVu Sans has them (``fonts-dejavu-core``), and Bitstream Vera, shipped with
reportlab, is the fallback when it is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
VERA = Path(reportlab.__file__).parent / "fonts"
FAMILY = "SymposiumSans"

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
