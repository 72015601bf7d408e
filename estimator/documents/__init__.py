"""Printable documents built from quotes (PDF): the patient summary and the Good Faith Estimate."""

from __future__ import annotations

from fpdf import FPDF

_ASCII = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2019": "'", "\u2018": "'", "\u201c": '"',
                        "\u201d": '"', "\u2265": ">=", "\u2264": "<=", "\u00a0": " ", "\u2022": "-"})


def latin1(text: str) -> str:
    """Text the PDF core fonts can draw (they cover Latin-1 only)."""
    return str(text).translate(_ASCII).encode("latin-1", "replace").decode("latin-1")


class Document(FPDF):
    """A letter-size page with the project's margins and a small helper vocabulary."""

    def __init__(self, title: str):
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        self.set_margins(14, 12, 14)
        self.set_auto_page_break(True, margin=12)
        self.set_title(latin1(title))
        self.set_creator("epidural-cost-estimator")
        self.add_page()

    def heading(self, text: str, size: float = 11) -> None:
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.8)

    def para(self, text: str, size: float = 8.5, style: str = "") -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, size * 0.45, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.6)

    def bullets(self, items: list[str], size: float = 8.5) -> None:
        self.set_font("Helvetica", "", size)
        for item in items:
            self.multi_cell(0, size * 0.45, latin1(f"- {item}"), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.6)

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], size: float = 8.5) -> None:
        self.set_font("Helvetica", "B", size)
        for text, w in zip(header, widths):
            self.cell(w, size * 0.55, latin1(text), border="B")
        self.ln()
        self.set_font("Helvetica", "", size)
        for row in rows:
            bold = row and row[0].startswith("Total")
            self.set_font("Helvetica", "B" if bold else "", size)
            for text, w in zip(row, widths):
                self.cell(w, size * 0.55, latin1(text))
            self.ln()
        self.ln(1)

    def bytes(self) -> bytes:
        return bytes(self.output())
