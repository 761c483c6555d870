"""The A4 page of every PDF of the application: even margins, the document's title and author,
a grey footer line with what the document is and "Page n of m", and the house text styles."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from symposium.pdf_fonts import pdf_fonts

MARGIN = 18 * mm
BLUE = colors.HexColor("#0b5394")


@dataclass(frozen=True)
class HouseStyles:
    """The paragraph styles the circular and the completion report share."""

    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    kicker: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle


def house_styles() -> HouseStyles:
    """Body text 10/13 in the Unicode font, table cells, small print, blue headings."""
    fonts = pdf_fonts()
    base = getSampleStyleSheet()["BodyText"]
    body = ParagraphStyle("body", parent=base, fontName=fonts.regular, fontSize=10, leading=13)
    return HouseStyles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        cell=ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        kicker=ParagraphStyle("kicker", parent=body, fontName=fonts.bold, textColor=BLUE),
        title=ParagraphStyle(
            "title", parent=body, fontName=fonts.bold, fontSize=18, leading=23, spaceAfter=6
        ),
        heading=ParagraphStyle(
            "h2",
            parent=body,
            fontName=fonts.bold,
            fontSize=13,
            leading=16,
            spaceBefore=10,
            spaceAfter=4,
            textColor=BLUE,
        ),
    )


def a4_pdf(story: Sequence[Flowable], *, title: str, author: str, footer: str) -> bytes:
    """The PDF bytes of ``story`` on A4 pages, ``footer`` at the foot of each."""
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
    )
    pdf.build(list(story), canvasmaker=_numbered_canvas(footer, pdf_fonts().regular))
    return buffer.getvalue()


def _numbered_canvas(footer: str, font: str) -> type[Canvas]:
    """A canvas that writes the footer and "Page n of m" once it knows m (after the last page)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # reportlab calls it at the end of each page
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 8)
                self.setFillColor(colors.grey)
                self.drawString(MARGIN, 10 * mm, footer)
                self.drawRightString(
                    A4[0] - MARGIN, 10 * mm, f"Page {self._pageNumber} of {len(self._pages)}"
                )
                super().showPage()
            super().save()

    return NumberedCanvas
