"""Pages of a printed file (fpdf2): a Unicode font so that Kazakh and Russian letters
render, a header and a confidentiality footer with "page X of Y" on every page, headings,
paragraphs and tables whose cells wrap their text instead of running over the edge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, WrapMode, XPos, YPos

from domain.errors import KopirError

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/share/fonts/TTF"))
FAMILY = "DejaVu"
WIDTH = 190.0  # A4 less 10 mm margins on each side
NB = "{nb}"    # fpdf2 puts the number of pages here when the file is written


class FontMissing(KopirError):
    """Raised when the Unicode font a printed file needs is not installed."""


def fonts() -> dict[str, Path]:
    """DejaVu Sans, regular and bold; raised as one sentence when it is not installed."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return {"": regular, "B": bold}
    raise FontMissing("A printed file needs the DejaVu Sans font (DejaVuSans.ttf and "
                      "DejaVuSans-Bold.ttf in /usr/share/fonts/truetype/dejavu), which is not "
                      "installed: install the fonts-dejavu-core package.")


@dataclass(frozen=True)
class Frame:
    """What every page says: the header's lines, the footer's notice and its page label
    (a template with {n} and {total})."""

    header: Sequence[str]
    notice: str
    page_label: str


class Document(FPDF):
    def __init__(self, frame: Frame, title: str, author: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.frame = frame
        for style, path in fonts().items():
            self.add_font(FAMILY, style, str(path))
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages(NB)
        self.set_title(title)
        self.set_author(author)
        self.set_creator("Köpir")
        self.add_page()

    def header(self) -> None:
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(90)
        for line in self.frame.header:
            self.multi_cell(0, 3.6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y() + 1
        self.set_draw_color(170)
        self.line(10, y, 10 + WIDTH, y)
        self.set_y(y + 3)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(90)
        self.multi_cell(0, 3.6, self.frame.notice, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        page = self.frame.page_label.format(n=self.page_no(), total=NB)
        self.cell(0, 3.6, page, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)

    # --- content ----------------------------------------------------------------------
    def title_line(self, text: str) -> None:
        self.set_font(FAMILY, "B", 14)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 45:  # a heading never ends a page
            self.add_page()
        self.ln(3)
        self.set_font(FAMILY, "B", 11.5)
        self.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def subheading(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(1.5)
        self.set_font(FAMILY, "B", 9)
        self.multi_cell(0, 4.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str, muted: bool = False) -> None:
        self.set_font(FAMILY, "", 8.5)
        if muted:
            self.set_text_color(90)
        self.multi_cell(0, 4.4, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[str]],
             widths: Sequence[float]) -> None:
        """A table: the headings repeated on every page it spans, each cell's text wrapped
        within its column."""
        self.set_font(FAMILY, "", 7.5)
        self.set_draw_color(170)
        with self.table(col_widths=tuple(widths), width=WIDTH, text_align="LEFT",
                        line_height=3.7, padding=1, first_row_as_headings=True,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 232, 232)),
                        cell_fill_color=(248, 248, 248), cell_fill_mode=TableCellFillMode.ROWS,
                        wrapmode=WrapMode.WORD) as table:
            head = table.row()
            for text in headings:
                head.cell(text)
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(clean(text))
        self.ln(2)

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def clean(text: object) -> str:
    """A value as text a cell can hold: control characters other than line breaks out."""
    value = "" if text is None else str(text)
    return "".join(ch for ch in value if ch == "\n" or ch >= " " or ch == "\t").replace(
        "\t", " ")
