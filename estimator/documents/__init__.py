"""Printable documents built from quotes (PDF): the patient summary and the Good Faith Estimate.

Every PDF embeds Unicode TrueType fonts (``fonts/``), so names print as written (``Łukasz
Żółkiewski-Nguyễn``, ``山田太郎``): DejaVu Sans (Latin, Greek, Cyrillic, Vietnamese and more;
Bitstream Vera licence) for the text, and Droid Sans Fallback (Chinese, Japanese, Korean; Apache
2.0) for the characters DejaVu lacks. fpdf2 embeds only the glyphs a document uses (subsetting),
and the fallback font is added only to documents that need it, so a PDF stays small. Bold CJK text
is drawn with a synthetic bold (``Document._bold_fallback``: the fallback font has no bold weight).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.line_break import Fragment

#: The fonts shipped with the project (each with its licence file beside it).
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
FALLBACK = "DroidSansFallback"
FALLBACK_FILE = "DroidSansFallback.ttf"


@lru_cache(maxsize=1)
def _main_font_chars() -> frozenset[int]:
    """The code points the main font (DejaVu Sans) draws; others go to the fallback font."""
    from fontTools.ttLib import TTFont

    with TTFont(FONT_DIR / FONT_FILES[""], lazy=True) as font:
        return frozenset(font.getBestCmap())


def needs_fallback(text: str) -> bool:
    """True when ``text`` has a character DejaVu Sans lacks (a CJK name, for instance)."""
    chars = _main_font_chars()
    return any(ord(c) not in chars for c in str(text) if not c.isspace())


class Document(FPDF):
    """A letter-size page with the project's margins, its Unicode fonts and a small vocabulary."""

    def __init__(self, title: str):
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        for style, name in FONT_FILES.items():
            self.add_font(FAMILY, style, str(FONT_DIR / name))
        self._fallback = False
        self._stroke_fallback = False  # inside a bold cell that needs the CJK font
        self.set_margins(14, 12, 14)
        self.set_auto_page_break(True, margin=12)
        self.set_title(str(title))
        self.set_creator("epidural-cost-estimator")
        self.add_page()

    def text_for(self, text: object) -> str:
        """``text`` as a string, adding the CJK fallback font first if the text needs it."""
        s = str(text)
        if not self._fallback and needs_fallback(s):
            self.add_font(FALLBACK, "", str(FONT_DIR / FALLBACK_FILE))
            self.set_fallback_fonts([FALLBACK], exact_match=False)
            self._fallback = True
        return s

    def cell(self, *args: object, **kwargs: object) -> bool:  # noqa: D102 - FPDF.cell, with bold CJK drawn bold
        with self._bold_fallback(kwargs.get("text", args[2] if len(args) > 2 else "")):
            return super().cell(*args, **kwargs)

    def multi_cell(self, *args: object, **kwargs: object) -> object:  # noqa: D102 - FPDF.multi_cell, likewise
        with self._bold_fallback(kwargs.get("text", args[2] if len(args) > 2 else "")):
            return super().multi_cell(*args, **kwargs)

    @contextlib.contextmanager
    def _bold_fallback(self, text: object) -> Iterator[None]:
        """Bold text that needs the CJK font, drawn bold. Droid Sans Fallback has one weight and no
        kept CJK font with a bold weight is small enough to ship (Noto Sans CJK Bold alone is over
        16 MB, OpenType CFF), so its glyphs are filled and stroked (PDF text render mode 2) with a
        line a thirtieth of the font size wide, in the text's colour: the usual synthetic bold. Only
        the fallback font's runs are stroked (``_parse_chars``); Latin text beside them is already bold."""
        if "B" not in self.font_style or not needs_fallback(str(text)):
            yield
            return
        with self.local_context(line_width=self.font_size / 30, draw_color=self.text_color):
            self._stroke_fallback = True
            try:
                yield
            finally:
                self._stroke_fallback = False

    def _parse_chars(self, text: str, markdown: bool, **kwargs: object) -> Iterator[Fragment]:
        """FPDF's runs of one font, the fallback font's stroked inside a bold CJK cell."""
        for frag in super()._parse_chars(text, markdown, **kwargs):
            if self._stroke_fallback and frag.font.fontkey in self._fallback_font_ids:
                frag.graphics_state.text_mode = TextMode.FILL_STROKE
            yield frag

    def style(self, style: str = "", size: float = 8.5) -> None:
        self.set_font(FAMILY, style, size)

    def heading(self, text: str, size: float = 11) -> None:
        self.style("B", size)
        self.multi_cell(0, size * 0.5, self.text_for(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.8)

    def para(self, text: str, size: float = 8.5, style: str = "") -> None:
        self.style(style, size)
        self.multi_cell(0, size * 0.45, self.text_for(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.6)

    def bullets(self, items: list[str], size: float = 8.5) -> None:
        self.style("", size)
        for item in items:
            self.multi_cell(0, size * 0.45, self.text_for(f"\u2022 {item}"), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.6)

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], size: float = 8.5) -> None:
        self.style("B", size)
        for text, w in zip(header, widths):
            self._fitted_cell(w, size * 0.55, self.text_for(text), "B", size, border="B")
        self.ln()
        for row in rows:
            bold = row and row[0].startswith("Total")
            self.style("B" if bold else "", size)
            for text, w in zip(row, widths):
                self._fitted_cell(w, size * 0.55, self.text_for(text), "B" if bold else "", size)
            self.ln()
        self.ln(1)

    def _fitted_cell(self, w: float, h: float, text: str, style: str, size: float, border: str = "") -> None:
        """A table cell whose text fits its width: set smaller (down to 75%), then shortened with an ellipsis."""
        room = w - 2 * self.c_margin - 0.5
        fit = size
        while self.get_string_width(text) > room and fit > size * 0.75:
            fit -= 0.25
            self.style(style, fit)
        while self.get_string_width(text) > room and len(text) > 1:
            text = text[:-2].rstrip() + "\u2026"
        self.cell(w, h, text, border=border)
        self.style(style, size)

    def bytes(self) -> bytes:
        return bytes(self.output())
