"""Word documents in the official layout (GB/T 9704-2012, 党政机关公文格式).

A4 with the standard margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); the
title in 方正小标宋简体 at 2号 (22 pt), the body in 仿宋_GB2312 at 3号 (16 pt) on a fixed
28 pt line; first-level headings "一、" in 黑体, second-level "（一）" in 楷体_GB2312. The
fonts are named as offices name them; a machine without them substitutes its own.
A circular (通报) carries the issuing office (发文机关标志, red) and its number
(发文字号) above a red rule, page numbers "— 1 —" (4号 宋体, odd pages right, even left)
and the 版记 (印发机关 and date) at its end; a report (评估报告) starts with its title.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312"}
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_SIZE = Pt(16)
TABLE_SIZE = Pt(12)
LINE = Pt(28)
# The children of w:pPr that come after w:pBdr (ECMA-376 CT_PPr), for inserting it in order.
AFTER_BORDERS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
PAGE_FONT = "宋体"
PAGE_SIZE = Pt(14)  # 4号


class OfficialDocument:
    """Builds one document; `heading`, `paragraph` and `table` append in order."""

    def __init__(self, title: str) -> None:
        self.document = Document()
        self.title = title
        self._page()
        self.document.core_properties.title = title

    def masthead(self, issuer: str, number: str) -> OfficialDocument:
        """The issuing office in red, the document number, and the red rule."""
        self._line(issuer, TITLE_FONT, Pt(36), WD_ALIGN_PARAGRAPH.CENTER, color=RED)
        rule = self._line(number, BODY_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.CENTER)
        _red_rule_below(rule)
        return self

    def heading_title(self) -> OfficialDocument:
        self._line(self.title, TITLE_FONT, Pt(22), WD_ALIGN_PARAGRAPH.CENTER)
        return self

    def heading(self, text: str, level: int = 1) -> OfficialDocument:
        self._line(text, HEADING_FONTS.get(level, BODY_FONT), BODY_SIZE, indent=True)
        return self

    def paragraph(self, text: str) -> OfficialDocument:
        self._line(text, BODY_FONT, BODY_SIZE, indent=True)
        return self

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> OfficialDocument:
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            _cell_text(cell, text, bold=True)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=False):
                _cell_text(cell, "" if value is None else str(value))
        return self

    def signature(self, issuer: str, day: date) -> OfficialDocument:
        for text in (issuer, chinese_date(day)):
            self._line(text, BODY_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.RIGHT)
        return self

    def page_numbers(self) -> OfficialDocument:
        """Page numbers as GB/T 9704 has them: "— 1 —" in 4号 宋体, odd pages on the right
        and even pages on the left, each one character in from the edge."""
        self.document.settings.odd_and_even_pages_header_footer = True
        section = self.document.sections[0]
        for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):  # fmt: skip
            paragraph = footer.paragraphs[0]
            paragraph.alignment = align
            indent = Pt(PAGE_SIZE.pt)
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                paragraph.paragraph_format.right_indent = indent
            else:
                paragraph.paragraph_format.left_indent = indent
            _run(paragraph, "— ", PAGE_FONT, PAGE_SIZE)
            _page_field(paragraph)
            _run(paragraph, " —", PAGE_FONT, PAGE_SIZE)
        return self

    def imprint(self, printed_by: str, day: date) -> OfficialDocument:
        """The 版记 at the end: who printed it and when, between two rules."""
        paragraph = self._line(f"{printed_by}\u3000\u3000{chinese_date(day)}印发", BODY_FONT,
                               Pt(14), WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip
        _rule(paragraph, "top")
        _rule(paragraph, "bottom")
        return self

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()

    def _page(self) -> None:
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)

    def _line(self, text, font, size, align=None, *, indent=False, color=None):
        paragraph = self.document.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.line_spacing = LINE
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(size.pt * 2)
        _run(paragraph, text, font, size, color=color)
        return paragraph


def chinese_date(day: date) -> str:
    """GB/T 9704 writes dates with Arabic numerals: 2026年12月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _run(paragraph, text: str, font: str, size, *, bold=False, color=None) -> None:
    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.bold = font, size, bold
    if color is not None:
        run.font.color.rgb = color
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _cell_text(cell, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    _run(paragraph, text, BODY_FONT, TABLE_SIZE, bold=bold)


def _red_rule_below(paragraph) -> None:
    _rule(paragraph, "bottom", color="C00000", size="12")


def _rule(paragraph, side: str, *, color: str = "000000", size: str = "6") -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:  # in its place in the sequence the schema gives w:pPr
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, *AFTER_BORDERS)
    line = OxmlElement(f"w:{side}")
    for name, value in (("val", "single"), ("sz", size), ("space", "4"), ("color", color)):
        line.set(qn(f"w:{name}"), value)
    borders.append(line)


def _page_field(paragraph) -> None:
    """A PAGE field: the page's number, filled in by the word processor."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
