"""Tables as a Word document (python-docx), in journal style.

Journal style: title above, three horizontal rules (above and below the header, below
the body), no vertical lines, levels indented, footnotes in small type below the table.
Each table starts on its own page so that it can be pasted into a manuscript as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from nedcohort.report.tables import DisplayTable


def _rule(cell, edge: str, size: int) -> None:
    """A horizontal rule on one edge of a cell (size in eighths of a point)."""
    properties = cell._tc.get_or_add_tcPr()
    borders = properties.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        properties.append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:color"), "000000")
    borders.append(line)


def _write(cell, text: str, bold: bool = False, indent: bool = False, right: bool = False):
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    if indent:
        paragraph.paragraph_format.left_indent = Cm(0.4)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(9)


def add_table(document, table: DisplayTable) -> None:
    """Append ``table`` (title, three-rule table, footnotes) to ``document``."""
    title = document.add_paragraph()
    title.add_run(table.title).bold = True
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, header in enumerate(table.columns):
        cell = grid.rows[0].cells[j]
        _write(cell, header, bold=True, right=j > 0)
        _rule(cell, "top", 12)
        _rule(cell, "bottom", 6)
    for i, (row, indent) in enumerate(zip(table.rows, table.indent, strict=True), start=1):
        for j, text in enumerate(row):
            cell = grid.rows[i].cells[j]
            _write(cell, text, indent=indent and j == 0, right=j > 0)
            if i == len(table.rows):
                _rule(cell, "bottom", 12)
    for note in table.footnotes:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(note).font.size = Pt(8)


def write_docx(tables: Sequence[DisplayTable], path: Path) -> None:
    """All tables in one landscape document, one per page."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.8))
    properties = document.core_properties
    properties.author = properties.last_modified_by = "nedcohort"
    # no timestamps: the file is the same from run to run and carries no date at all
    for element in list(properties._element):
        if element.tag.rsplit("}", 1)[-1] in ("created", "modified", "lastPrinted"):
            properties._element.remove(element)
    for index, table in enumerate(tables):
        if index:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        add_table(document, table)
    document.save(str(path))


def read_docx(path: Path) -> list[list[list[str]]]:
    """The cell texts of every table in ``path`` (for checks): tables -> rows -> cells."""
    document = Document(str(path))
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
