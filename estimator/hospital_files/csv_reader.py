"""Reading a hospital's standard-charges file in CMS's CSV template ("tall" or "wide", v2.x or v3.0).

The layout (CMS data dictionary, ``documentation/CSV/README.md``): row 1 names the hospital's
general data (``hospital_name``, ``last_updated_on``, ``version``, ``hospital_location`` (v2) or
``location_name`` (v3), ``hospital_address``, ``license_number|[state]``, the attestation, ...),
row 2 holds its values, row 3 names the columns of the charges that follow. "Tall" files have one
row per payer and plan (``payer_name``, ``plan_name``, ``standard_charge|negotiated_dollar``, ...);
"wide" files have columns per payer and plan (``standard_charge|[payer]|[plan]|negotiated_dollar``).
Spaces around the pipes and the case of the header names are ignored, as CMS allows.

The three header rows are read with Python's ``csv`` module; the rest of the file (often several
gigabytes) is streamed through pyarrow's multithreaded CSV reader in blocks, and only the rows
whose ``code|i`` is 62320-62323 with type CPT or HCPCS are turned into Python values and checked
field by field. The rest of the file is checked only as CSV: every row must have the column header
row's number of fields. The first problem found is raised as an ``InputError`` naming the file's
line (``line 7 standard_charge|negotiated_dollar``).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from estimator.common.errors import InputError, fail
from estimator.hospital_files import model
from estimator.hospital_files.model import HospitalFile, PriceRow, amount, check_payer, choice, clean

#: Bytes per block handed to pyarrow's reader: its default, 1 MB, was the fastest on 2 cores and
#: keeps memory low (larger blocks cost memory and were not faster). A file with a row longer than
#: that is read again with ``LONG_ROW_BLOCK_SIZE``.
BLOCK_SIZE = 1024 * 1024
LONG_ROW_BLOCK_SIZE = 64 * 1024 * 1024
#: The longest header line accepted (row 2 can hold long contract provisions), in bytes.
MAX_HEADER_LINE = 16 * 1024 * 1024

REQUIRED_GENERAL = ("hospital_name", "last_updated_on", "version")
REQUIRED_COLUMNS = ("description", "setting", "standard_charge|gross", "standard_charge|discounted_cash",
                    "standard_charge|min", "standard_charge|max")
TALL_COLUMNS = ("payer_name", "plan_name", "standard_charge|negotiated_dollar",
                "standard_charge|negotiated_percentage", "standard_charge|negotiated_algorithm",
                "standard_charge|methodology")
#: Per payer and plan in the wide layout: (what, how the column is named) with P|L the payer|plan.
WIDE_PARTS = {"negotiated_dollar": "standard_charge|P|L|negotiated_dollar",
              "negotiated_percentage": "standard_charge|P|L|negotiated_percentage",
              "negotiated_algorithm": "standard_charge|P|L|negotiated_algorithm",
              "methodology": "standard_charge|P|L|methodology",
              "estimated_amount": "estimated_amount|P|L",
              "median_amount": "median_amount|P|L",
              "additional_payer_notes": "additional_payer_notes|P|L"}
#: The columns read into Python for a 62320-62323 row (besides code|i, code|i|type and the wide
#: layout's payer columns); the others (drug units, percentiles, counts, ...) are not converted.
USED = ("description", "modifiers", "setting", "billing_class", "standard_charge|gross",
        "standard_charge|discounted_cash", "standard_charge|min", "standard_charge|max", "additional_generic_notes",
        "estimated_amount", "median_amount", *TALL_COLUMNS)
CHARGE_PARTS = {"negotiated_dollar", "negotiated_percentage", "negotiated_algorithm"}


def norm(name: str) -> str:
    """A header name as compared: parts around pipes stripped, in lower case."""
    return "|".join(p.strip() for p in name.split("|")).lower()


def _decode(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


@dataclass
class _Header:
    records: list[tuple[int, list[str]]]  # (line, cells) for rows 1-3
    data_offset: int  # byte offset of the first data row
    next_line: int  # its line number


def _read_header(path: Path) -> _Header:
    """The first three CSV records (rows 1-3) and where the data rows start."""
    consumed = 0
    with open(path, "rb") as f:
        def lines() -> Iterator[str]:
            nonlocal consumed
            first = True
            while True:
                line = f.readline(MAX_HEADER_LINE + 1)
                if not line:
                    return
                if len(line) > MAX_HEADER_LINE:
                    raise fail("file", f"a header line is longer than {MAX_HEADER_LINE // 1024 // 1024} MB")
                consumed += len(line)
                if first and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                first = False
                if b"\x00" in line:
                    raise fail("file", "the file is not text: it contains NUL bytes (a binary file?)")
                yield _decode(line)

        reader = csv.reader(lines(), strict=True)
        records: list[tuple[int, list[str]]] = []
        try:
            while len(records) < 3:
                start = reader.line_num + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                if any(c.strip() for c in cells):
                    records.append((start, cells))
        except csv.Error as e:
            raise fail(f"line {reader.line_num}", f"not readable as CSV: {e}") from None
        return _Header(records, consumed, reader.line_num + 1)


def _general(header: _Header, source: str) -> HospitalFile:
    """Rows 1 and 2: the hospital's general data."""
    if not header.records:
        raise fail("file", "the file is empty")
    (line1, names), rest = header.records[0], header.records[1:]
    keys = [norm(n) for n in names]
    if "hospital_name" not in keys:
        looks_like_columns = "description" in keys or any(k.startswith("code|") for k in keys)
        raise fail(f"line {line1}", "expected the hospital's general data (hospital_name, last_updated_on, "
                   "version, ...) in rows 1-2 and the column headers in row 3"
                   + ("; row 1 is the column header row: the 2 rows of hospital data are missing"
                      if looks_like_columns else "; hospital_name is missing"))
    missing = [k for k in REQUIRED_GENERAL if k not in keys]
    if missing:
        raise fail(f"line {line1}", "missing " + ", ".join(missing) + " in the hospital's general data")
    if not rest:
        raise fail(f"line {line1 + 1}", "the file ends before the hospital's general data (row 2)")
    line2, values = rest[0]
    values = values + [""] * (len(keys) - len(values))
    at = {k: (names[j].strip(), values[j]) for j, k in enumerate(keys) if k}

    def where(key: str) -> str:
        return f"line {line2} {at[key][0]}"

    name = clean(at["hospital_name"][1])
    if name is None:
        raise fail(where("hospital_name"), "is required: the hospital's legal business name")
    hf = HospitalFile(hospital_name=name, file_date=model.file_date(at["last_updated_on"][1], where("last_updated_on")),
                      version=model.template_version(at["version"][1], where("version")),
                      source_file=source, source_format="csv")
    for key in ("hospital_location", "location_name"):
        if key in at:
            hf.locations = [p.strip() for p in at[key][1].split("|") if p.strip()]
    if "hospital_address" in at:
        hf.addresses = [p.strip() for p in at["hospital_address"][1].split("|") if p.strip()]
    for key in ("ccn", "cms_certification_number"):
        if key in at:
            hf.ccn = model.ccn(at[key][1], where(key))
    for key, (_raw, value) in at.items():
        if key.startswith("license_number"):
            state = key.partition("|")[2].upper() or None
            hf.license_state = state if state and state.isalpha() and len(state) == 2 else None
            hf.license_number = clean(value)
    return hf


@dataclass
class _Columns:
    """The column header row (row 3), understood."""

    raw: list[str]  # as written
    index: dict[str, int]  # normalised name -> position
    codes: list[tuple[int, int]]  # (code column, its type column)
    wide: dict[tuple[str, str], dict[str, int]]  # (payer, plan) -> part -> position
    tall: bool


def _columns(line: int, cells: list[str]) -> _Columns:
    raw = [c.strip() for c in cells]
    index: dict[str, int] = {}
    for j, c in enumerate(raw):
        key = norm(c)
        if not key:
            continue
        if key in index:
            raise fail(f"line {line}", f"the column '{c[:60]}' appears twice (columns {index[key] + 1} and {j + 1})")
        index[key] = j
    missing = [k for k in REQUIRED_COLUMNS if k not in index]
    if missing:
        raise fail(f"line {line}", "missing column " + ", ".join(missing)
                   + " in the column header row (row 3 of a CMS standard-charges file)")
    codes = []
    i = 1
    while f"code|{i}" in index:
        if f"code|{i}|type" not in index:
            raise fail(f"line {line}", f"column code|{i} has no code|{i}|type column")
        codes.append((index[f"code|{i}"], index[f"code|{i}|type"]))
        i += 1
    if not codes:
        raise fail(f"line {line}", "missing column code|1 (and code|1|type) in the column header row")
    wide: dict[tuple[str, str], dict[str, int]] = {}
    for j, c in enumerate(raw):
        parts = [p.strip() for p in c.split("|")]
        head = parts[0].lower()
        if head == "standard_charge" and len(parts) == 4 and parts[3].lower() in WIDE_PARTS:
            wide.setdefault((parts[1], parts[2]), {})[parts[3].lower()] = j
        elif head in ("estimated_amount", "median_amount", "additional_payer_notes") and len(parts) == 3:
            wide.setdefault((parts[1], parts[2]), {})[head] = j
    tall = "payer_name" in index or "plan_name" in index
    if tall:
        missing = [k for k in TALL_COLUMNS if k not in index]
        if missing:
            raise fail(f"line {line}", "missing column " + ", ".join(missing) + " (a tall file, with payer_name, "
                       "has one row per payer and plan)")
    elif not any(CHARGE_PARTS & set(p) for p in wide.values()):
        raise fail(f"line {line}", "no payer columns: a tall file has payer_name, plan_name and "
                   "standard_charge|negotiated_dollar; a wide file has "
                   "standard_charge|[payer]|[plan]|negotiated_dollar")
    return _Columns(raw, index, codes, wide, tall)


def _physical_line(path: Path, header: _Header, record: int) -> int:
    """The line on which data record ``record`` (0-based, blank lines not counted) starts; read
    again with Python's csv module, only to name the line of a problem."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        f.seek(header.data_offset)
        reader = csv.reader(f)
        n = -1
        prev = 0
        for cells in reader:
            if cells:
                n += 1
                if n == record:
                    return header.next_line + prev
            prev = reader.line_num
    return header.next_line + prev


def _bad_width_line(path: Path, header: _Header, width: int) -> tuple[int, int] | None:
    """The first data line whose number of fields differs from the header's, with that number."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        f.seek(header.data_offset)
        reader = csv.reader(f)
        prev = 0
        try:
            for cells in reader:
                if cells and len(cells) != width:
                    return header.next_line + prev, len(cells)
                prev = reader.line_num
        except csv.Error:
            return None
    return None


class _Row:
    """One data row's cells by position, checked by name (``where`` names the column as written)."""

    def __init__(self, cols: _Columns, cells: list[str | None]):
        self.cols, self.cells = cols, cells

    def get(self, key: str) -> str | None:
        j = self.cols.index.get(key)
        return clean(self.cells[j]) if j is not None else None

    def at(self, j: int | None) -> str | None:
        return clean(self.cells[j]) if j is not None else None

    def name(self, key_or_pos: str | int) -> str:
        j = key_or_pos if isinstance(key_or_pos, int) else self.cols.index[key_or_pos]
        return self.cols.raw[j]

    def amount(self, key: str) -> float | None:
        return amount(self.get(key), self.name(key)) if key in self.cols.index else None


def _estimate(v: float | None) -> float | None:
    return None if v == model.NO_ESTIMATE else v


def _rows_of(cols: _Columns, cells: list[str | None], location: str) -> list[PriceRow]:
    """The PriceRows of one data row whose code is 62320-62323 (raises InputError naming the column)."""
    r = _Row(cols, cells)
    code = next(r.at(c) for c, t in cols.codes if model.is_code(r.at(c), r.at(t)))
    setting = choice(r.get("setting"), r.name("setting"), model.SETTINGS, required=True)
    billing = (choice(r.get("billing_class"), r.name("billing_class"), model.BILLING_CLASSES)
               if "billing_class" in cols.index else None)
    common = dict(code=code, description=r.get("description") or "", modifiers=r.get("modifiers"),
                  billing_class=billing, setting=setting, gross=r.amount("standard_charge|gross"),
                  cash=r.amount("standard_charge|discounted_cash"), min=r.amount("standard_charge|min"),
                  max=r.amount("standard_charge|max"), source_location=location)
    generic_notes = r.get("additional_generic_notes")
    out: list[PriceRow] = []
    if cols.tall:
        payer, plan = r.get("payer_name"), r.get("plan_name")
        dollar = r.amount("standard_charge|negotiated_dollar")
        pct = r.amount("standard_charge|negotiated_percentage")
        algo = r.get("standard_charge|negotiated_algorithm")
        meth = choice(r.get("standard_charge|methodology"), r.name("standard_charge|methodology"), model.METHODOLOGIES)
        check_payer(payer, plan, dollar, pct, algo, meth, "", {
            "payer": r.name("payer_name"), "plan": r.name("plan_name"),
            "dollar": r.name("standard_charge|negotiated_dollar"),
            "percentage": r.name("standard_charge|negotiated_percentage"),
            "algorithm": r.name("standard_charge|negotiated_algorithm"),
            "methodology": r.name("standard_charge|methodology")})
        out.append(PriceRow(**common, payer=payer, plan=plan, negotiated_dollar=dollar, negotiated_percentage=pct,
                            negotiated_algorithm=algo, methodology=meth,
                            estimated_amount=_estimate(r.amount("estimated_amount")),
                            median_amount=r.amount("median_amount"), notes=generic_notes))
    else:
        for (payer, plan), parts in cols.wide.items():
            def num(part: str, parts: dict[str, int] = parts) -> float | None:
                j = parts.get(part)
                return amount(r.at(j), r.name(j)) if j is not None else None
            dollar, pct = num("negotiated_dollar"), num("negotiated_percentage")
            algo = r.at(parts.get("negotiated_algorithm"))
            j = parts.get("methodology")
            meth = choice(r.at(j), r.name(j), model.METHODOLOGIES) if j is not None else None
            if dollar is None and pct is None and algo is None:
                continue
            if meth is None:
                raise fail(r.name(j) if j is not None else f"standard_charge|{payer}|{plan}|methodology",
                           "is required with a negotiated charge: one of " + ", ".join(model.METHODOLOGIES))
            out.append(PriceRow(**common, payer=payer or None, plan=plan or None, negotiated_dollar=dollar,
                                negotiated_percentage=pct, negotiated_algorithm=algo, methodology=meth,
                                estimated_amount=_estimate(num("estimated_amount")),
                                median_amount=num("median_amount"),
                                notes=r.at(parts.get("additional_payer_notes")) or generic_notes))
        if not out:
            out.append(PriceRow(**common, payer=None, plan=None, negotiated_dollar=None, negotiated_percentage=None,
                                negotiated_algorithm=None, methodology=None, estimated_amount=None,
                                median_amount=None, notes=generic_notes))
    first = out[0]
    if first.gross is None and first.cash is None and first.payer is None:
        raise fail("", "no standard charge: give a gross charge, a discounted cash price "
                       "or a payer's negotiated charge")
    return out


def read_csv_file(path: str | os.PathLike[str], source: str | None = None) -> HospitalFile:
    """Read one CMS CSV standard-charges file; raises InputError naming the line and column."""
    path = Path(path)
    header = _read_header(path)
    hf = _general(header, source or path.name)
    if len(header.records) < 3:
        raise fail(f"line {header.next_line}", "the file ends before the column header row (row 3)")
    line3, cells = header.records[2]
    cols = _columns(line3, cells)
    hf.source_format = "csv tall" if cols.tall else "csv wide"
    try:
        hf.rows = _scan(path, header, cols, len(cells), BLOCK_SIZE)
    except pa.ArrowInvalid as e:
        if str(e).startswith("Empty CSV file"):  # the headers and no charges
            return hf
        if "straddl" not in str(e):
            raise _csv_problem(path, header, len(cells), e) from None
        try:  # a row longer than a block
            hf.rows = _scan(path, header, cols, len(cells), LONG_ROW_BLOCK_SIZE)
        except pa.ArrowInvalid as e2:
            raise _csv_problem(path, header, len(cells), e2) from None
    return hf


def _scan(path: Path, header: _Header, cols: _Columns, width: int, block_size: int) -> list[PriceRow]:
    """Stream the data rows through pyarrow; the rows coded 62320-62323, checked (InputError names
    the line). Raises pyarrow's ArrowInvalid for a file that is not CSV of the header's width."""
    names = [f"c{j}" for j in range(width)]
    needed = sorted({cols.index[k] for k in USED if k in cols.index} | {j for pair in cols.codes for j in pair}
                    | {j for parts in cols.wide.values() for j in parts.values()})
    code_names = [names[c] for c, _ in cols.codes]
    out: list[PriceRow] = []
    seen = 0
    with pa.OSFile(str(path)) as stream:
        stream.seek(header.data_offset)
        reader = pa_csv.open_csv(
            stream,
            read_options=pa_csv.ReadOptions(column_names=names, block_size=block_size, use_threads=True),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names}, include_columns=[names[j] for j in needed],
                check_utf8=False, strings_can_be_null=False))
        for batch in reader:
            mask = None
            for n in code_names:  # a cheap first cut, in pyarrow: a code column contains "6232"
                m = pc.match_substring(batch.column(n), "6232")
                mask = m if mask is None else pc.or_(mask, m)
            if mask is not None and pc.any(mask).as_py():
                offsets = pc.indices_nonzero(mask).to_pylist()
                picked = batch.filter(mask)
                values = {j: [None if v is None else _decode(v)
                              for v in picked.column(names[j]).cast(pa.binary()).to_pylist()] for j in needed}
                for k, offset in enumerate(offsets):
                    row: list[str | None] = [None] * width
                    for j in needed:
                        row[j] = values[j][k]
                    if not any(model.is_code(row[c], row[t]) for c, t in cols.codes):
                        continue
                    record = seen + offset
                    try:
                        out += _rows_of(cols, row, f"row {header.records[2][0] + 1 + record}")
                    except InputError as e:
                        line = _physical_line(path, header, record)
                        raise InputError([type(err)(f"line {line} {err.field}".strip(), err.message)
                                          for err in e.errors]) from None
            seen += batch.num_rows
    return out


def _csv_problem(path: Path, header: _Header, width: int, e: Exception) -> InputError:
    bad = _bad_width_line(path, header, width)
    if bad:
        return fail(f"line {bad[0]}", f"has {bad[1]} fields, the column header row (line {header.records[2][0]}) "
                    f"has {width} (a comma inside a value needs quotes)")
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    return fail("file", f"not a readable CSV file: {msg[:200]}")


__all__ = ["read_csv_file"]
