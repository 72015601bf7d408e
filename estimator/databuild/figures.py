"""Published figures the build needs that are not in a machine-readable CMS file.

They live in ``curated/published_figures.csv``: one figure per row with its unit, the reference
file it is quoted from (relative to the reference folder) and the exact words quoted. The build
refuses to run if a quote is not found in its file or the value is not in the quote, so a figure
cannot drift away from its source. A row with no reference file is a figure from outside the
reference folder; its ``citation`` says where it was published and the data tables label it so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

CURATED = Path(__file__).parent / "curated"


@dataclass(frozen=True)
class Figure:
    """One published figure: its value, unit and where it comes from."""

    key: str
    year: int | None
    value: float
    unit: str
    reference_file: str
    citation: str

    @property
    def source(self) -> str:
        """Human-readable source for data tables' ``source`` columns."""
        if not self.reference_file:
            where = "not in the reference data"
        elif self.reference_file.startswith("../"):
            where = f"product brief {self.reference_file[3:]}"
        else:
            where = f"reference/{self.reference_file}"
        return f"{self.citation} ({where})"


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2011", "-")).strip()


def load_figures(reference: Path) -> dict[tuple[str, int | None], Figure]:
    """Load and verify every published figure; key is (name, year or None)."""
    table = pd.read_csv(CURATED / "published_figures.csv", dtype=str, keep_default_na=False)
    texts: dict[str, str] = {}
    figures: dict[tuple[str, int | None], Figure] = {}
    for row in table.itertuples(index=False):
        if row.reference_file:
            if row.reference_file not in texts:
                texts[row.reference_file] = _normalise(
                    (reference / row.reference_file).read_text(encoding="utf-8", errors="replace"))
            quote = _normalise(row.quote)
            if quote not in texts[row.reference_file]:
                raise ValueError(f"published figure {row.key}: quote not found in {row.reference_file}")
            if row.value not in quote.replace(",", ""):
                raise ValueError(f"published figure {row.key}: value {row.value} not in its quote")
        year = int(row.year) if row.year else None
        fig = Figure(row.key, year, float(row.value), row.unit, row.reference_file, row.citation)
        if (row.key, year) in figures:
            raise ValueError(f"published figure {row.key} {year} given twice")
        figures[(row.key, year)] = fig
    return figures


def load_codes() -> pd.DataFrame:
    """The procedure and add-on codes the project prices, with its own plain-language names."""
    return pd.read_csv(CURATED / "codes.csv", dtype=str, keep_default_na=False)
