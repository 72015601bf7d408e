"""The one CSV writer for every file the project hands out: safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@`` (and in some programs ``|``
or ``%``) as a formula, so a patient name like ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` in an
exported file could run code or leak data when a colleague opens it. Following the OWASP guidance
on CSV injection, every field is quoted and a cell that would start a formula gets a leading
apostrophe, which spreadsheets show as plain text. Our rules:

- Every field is quoted (``csv.QUOTE_ALL``); rows end with ``\\n``.
- A cell is neutralised with a leading ``'`` when it starts with a tab or carriage return, or when
  its first character after any leading spaces, tabs, CR or LF is ``=``, ``+``, ``-``, ``@``,
  ``|`` or ``%`` - unless the whole cell is a plain finite number (``-5.25`` stays data).
- No physical line of the file starts (after spaces and tabs) with such a character either: where
  a cell holds a line break (CR, LF or CRLF) followed by one, a ``'`` is inserted after the break.
- ``None``, NaN, ``pd.NA`` and ``NaT`` are written as empty cells; other values as ``str(value)``.

``csv.reader`` reads the output back to exactly the neutralised cells (``safe_cell`` of each value).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

#: Characters that make a spreadsheet treat a cell as a formula (or a DDE command).
FORMULA_CHARS = "=+-@|%"
_LEADING_SPACE = " \t\r\n"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def is_plain_number(text: str) -> bool:
    """True for a finite decimal number written plainly (``12``, ``-5.25``, ``1e-05``), nothing else."""
    return _PLAIN_NUMBER.fullmatch(text) is not None


def _starts_formula(text: str) -> bool:
    """Would a spreadsheet read this text (a cell, or a line inside one) as a formula?"""
    if text[:1] in ("\t", "\r"):
        return True
    return text.lstrip(_LEADING_SPACE)[:1] in set(FORMULA_CHARS)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    return isinstance(value, np.datetime64) and np.isnat(value)


def safe_cell(value: object) -> str:
    """The text a value is written as: empty for missing values, neutralised where it could run."""
    if _is_missing(value):
        return ""
    text = str(value)
    if not text:
        return text
    if _starts_formula(text) and not is_plain_number(text):
        text = "'" + text
    # Every line inside the cell must be as inert as its start: a spreadsheet importing the file
    # line by line (or a careless reader) must not see a formula after an embedded line break.
    parts = _LINE_BREAK.split(text)
    if len(parts) == 1:
        return text
    breaks = _LINE_BREAK.findall(text)
    out = [parts[0]]
    for brk, part in zip(breaks, parts[1:], strict=True):
        out.append(brk)
        out.append("'" + part if part.lstrip(" \t")[:1] in set(FORMULA_CHARS) or part[:1] == "\t" else part)
    return "".join(out)


def write_rows(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document: the header row then each row, every cell passed through ``safe_cell``."""
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow([safe_cell(h) for h in header])
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def frame_to_csv(df: pd.DataFrame) -> str:
    """A DataFrame as a safe CSV document: its column names, then its rows (the index is not written)."""
    return write_rows(list(df.columns), df.itertuples(index=False, name=None))


def read_rows(text: str) -> list[list[str]]:
    """The rows of a CSV document as written by ``write_rows`` (header first), cells as text."""
    return list(csv.reader(io.StringIO(text, newline="")))
