"""The shared document builders: the layout offices expect, text that stays text."""

from __future__ import annotations

import io
from datetime import date

import docx
from docx.oxml.ns import qn
from openpyxl import load_workbook

from command.documents.docx import BODY_FONT, TITLE_FONT, OfficialDocument, chinese_date
from command.documents.xlsx import Column, Sheet, workbook_bytes


def test_a_circular_has_the_gbt9704_page_masthead_and_fonts():
    built = (
        OfficialDocument("关于信息报送情况的通报")
        .masthead("黑河市应急管理局", "黑应急〔2026〕3号")
        .heading_title()
        .heading("一、总体情况")
        .paragraph("全市按时报告率为 95.0%。")
        .table(["单位", "迟报"], [["爱辉区", 1], ["北安市", None]])
        .signature("黑河市应急管理局", date(2026, 12, 1))
        .to_bytes()
    )
    document = docx.Document(io.BytesIO(built))
    section = document.sections[0]
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[:3] == ["黑河市应急管理局", "黑应急〔2026〕3号", "关于信息报送情况的通报"]
    assert texts[-1] == "2026年12月1日"
    title_run = document.paragraphs[2].runs[0]
    assert title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT
    body_run = document.paragraphs[4].runs[0]
    assert body_run._element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT
    [table] = document.tables
    assert [cell.text for cell in table.rows[2].cells] == ["北安市", ""]
    assert document.core_properties.title == "关于信息报送情况的通报"


def test_chinese_dates_use_arabic_numerals():
    assert chinese_date(date(2027, 1, 10)) == "2027年1月10日"


def test_a_workbook_keeps_formula_text_as_text_and_drops_control_characters():
    sheet = Sheet(
        "考核/汇总",
        "2026年度考核",
        "黑河市",
        [Column("单位", 20), Column("得分率", 10, "0.0%")],
        [['=HYPERLINK("x")', 0.5], ["北安\x07市", None]],
    )
    book = load_workbook(io.BytesIO(workbook_bytes([sheet], title="2026年度考核")))
    [name] = book.sheetnames
    assert name == "考核_汇总"
    cells = book[name]
    assert cells["A1"].value == "2026年度考核" and cells["A1"].font.bold
    assert cells["A3"].font.bold and cells.freeze_panes == "A4"
    assert cells.auto_filter.ref == "A3:B5"
    assert cells["A4"].data_type == "s" and cells["A4"].value.startswith("=")
    assert cells["B4"].number_format == "0.0%" and cells["A5"].value == "北安市"
    assert cells.column_dimensions["A"].width == 20


def test_a_title_period_or_header_starting_with_a_formula_sign_stays_text():
    """The title and period rows carry a unit's name (typed by its administrator), the
    header a sheet's group title: none of them may become a formula."""
    sheet = Sheet(
        "汇总",
        '=HYPERLINK("http://evil.example","x")2026年度考核',
        "+黑河市 · 2026年度",
        [Column("=SUM(A1)", 12), Column("得分", 8)],
        [["爱辉区", 90]],
    )
    book = load_workbook(io.BytesIO(workbook_bytes([sheet], title="考核")))
    cells = book["汇总"]
    for ref in ("A1", "A2", "A3"):
        assert cells[ref].data_type == "s", ref
    assert cells["A1"].value.startswith("=HYPERLINK")


def test_a_circular_numbers_its_pages_and_ends_with_the_imprint():
    built = (
        OfficialDocument("关于信息报送情况的通报")
        .masthead("黑河市应急管理局", "黑应急〔2026〕3号")
        .heading_title()
        .paragraph("正文")
        .signature("黑河市应急管理局", date(2026, 12, 1))
        .imprint("黑河市应急管理局办公室", date(2026, 12, 1))
        .page_numbers()
        .to_bytes()
    )
    document = docx.Document(io.BytesIO(built))
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer in (section.footer, section.even_page_footer):
        [paragraph] = footer.paragraphs
        [field] = paragraph._p.findall(qn("w:fldSimple"))
        assert field.get(qn("w:instr")) == "PAGE"
        assert paragraph.runs[0].text == "— " and paragraph.runs[0].font.name == "宋体"
    assert section.footer.paragraphs[0].alignment == 2  # right on odd pages
    assert section.even_page_footer.paragraphs[0].alignment == 0  # left on even pages
    imprint = document.paragraphs[-1]
    assert imprint.text == "黑河市应急管理局办公室\u3000\u30002026年12月1日印发"
    borders = imprint._p.pPr.find(qn("w:pBdr"))
    assert [child.tag.split("}")[1] for child in borders] == ["top", "bottom"]
    children = [child.tag.split("}")[1] for child in imprint._p.pPr]
    assert children.index("pBdr") < children.index("spacing")  # the schema's order
