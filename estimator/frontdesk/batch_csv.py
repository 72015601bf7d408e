"""A day's schedule from a CSV file: every row quoted, every bad row explained, nothing dropped.

Columns (a template is in ``TEMPLATE``): the patient's name, date of birth and reference (optional),
the service date (optional), ``payer`` (to match the clinic's own prices), and any Scenario field
(zip or state, site, sedation, imaging, coverage, network, deductible, ...). Unknown columns are
kept in the output and reported; a row's problems are listed by field in its ``error`` cell and do
not stop the other rows. The output is written by ``estimator.common.safe_csv`` (safe to open in a spreadsheet).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from estimator.batch import quote_frame
from estimator.common.errors import FieldError, InputError, fail
from estimator.common.i18n import _
from estimator.common.safe_csv import frame_to_csv
from estimator.documents.summary import summary_pdf
from estimator.frontdesk.clinic_prices import PriceList, quote_with_prices
from estimator.inputs.parsing import scenario_from_strings
from estimator.inputs.readers import Problems, check_size, decode_text, parse_birth_date, parse_date, read_csv
from estimator.reference.tables import RefData, load
from estimator.scenario import Scenario

PATIENT_COLUMNS = ("patient_name", "patient_dob", "patient_ref", "service_date", "payer")
#: The template's columns: the patient's details, then scenario fields (names from the field registry).
TEMPLATE_COLUMNS = ("patient_name", "patient_dob", "patient_ref", "service_date", "zip", "state", "site", "sedation",
                    "imaging", "coverage", "network", "payer", "deductible", "deductible_met", "copay", "coinsurance",
                    "oop_max", "oop_met", "medigap", "medicare_provider")
_EXAMPLES = (
    {"patient_name": "Jordan Example", "patient_dob": "1968-04-12", "patient_ref": "MRN-000123",
     "service_date": "2026-12-10", "zip": "35203", "site": "asc", "sedation": "local", "imaging": "fluoroscopy",
     "coverage": "commercial", "network": "in", "payer": "Example Health PPO", "deductible": "1500",
     "deductible_met": "200", "copay": "0", "coinsurance": "20", "oop_max": "5000", "oop_met": "800"},
    {"patient_name": "Casey Example", "patient_dob": "1955-09-30", "patient_ref": "MRN-000124",
     "service_date": "2026-12-10", "zip": "35203", "site": "office", "sedation": "local", "imaging": "fluoroscopy",
     "coverage": "medicare", "network": "in", "deductible_met": "0", "medigap": "g",
     "medicare_provider": "participating"},
    {"patient_name": "Riley Example", "patient_dob": "1990-01-05", "patient_ref": "MRN-000125",
     "service_date": "2026-12-11", "state": "AL", "site": "asc", "sedation": "moderate", "imaging": "fluoroscopy",
     "coverage": "self_pay"},
)
TEMPLATE = "".join(",".join(row.get(c, "") for c in TEMPLATE_COLUMNS) + "\n"
                   for row in ({c: c for c in TEMPLATE_COLUMNS}, *_EXAMPLES))
MAX_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS = 500
RESULT_COLUMNS = ["total_allowed_low", "total_allowed_typical", "total_allowed_high", "patient_pays_low",
                  "patient_pays_typical", "patient_pays_high", "plan_pays_typical", "total_billed_typical"]
#: Columns quote_cases adds; in an uploaded file (a previous result sent back) they are dropped.
OUTPUT_COLUMNS = frozenset(["row", "status", "error", "locality_key", "price_source", "data_version",
                            *RESULT_COLUMNS])


@dataclass
class BatchResult:
    """The quoted rows (every input row, in order) and file-level notes."""

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return int((self.table["status"] == "ok").sum())

    def to_csv(self) -> str:
        """The table as CSV (``estimator.common.safe_csv``: every field quoted, no cell can start a formula)."""
        return frame_to_csv(self.table)


def read_cases(data: bytes | str) -> tuple[pd.DataFrame, list[str]]:
    """Parse the uploaded file as text cells; raises InputError for a file that cannot be used.

    The file: at most MAX_BYTES; UTF-8 (with or without BOM), UTF-16 with a BOM, or text taken as
    Windows-1252 (``readers.decode_text``); a header whose names are distinct once case and spaces
    are ignored. The frame's index (named ``row``) is each row's number as a spreadsheet shows it
    (the header is row 1). A row that cannot be read (more fields than the header) stays in the
    frame with its problem in the ``error`` column (empty for the other rows) and is not quoted.
    Columns of a previous result (``status``, ``error``, the amounts...) are dropped with a note.
    """
    check_size(data, "file", MAX_BYTES)
    text = decode_text(data, "file") if isinstance(data, bytes) else data
    try:
        table = read_csv(text, "file")
    except InputError as e:
        if [x.message for x in e.errors] == ["the file is empty"]:
            raise fail("file", _("the file is empty: download the template for the columns")) from None
        raise
    columns = table.columns
    if not ({"zip", "state", "locality"} & set(columns)):
        raise fail("columns", _("the file needs a zip (or state) column; found: {columns}").format(
            columns=", ".join(columns[:12])))
    if not table.rows:
        raise fail("file", _("the file has a header but no rows"))
    notes = []
    previous = [c for c in columns if c in OUTPUT_COLUMNS]
    keep = [j for j, c in enumerate(columns) if c not in OUTPUT_COLUMNS]
    if previous:
        notes.append(f"Columns of a previous result were ignored: {', '.join(previous)}")
    df = pd.DataFrame([[cells[j] for j in keep] for _, cells in table.rows], columns=[columns[j] for j in keep],
                      dtype=str, index=pd.Index([n for n, _ in table.rows], name="row"))
    df["error"] = [str(table.row_errors[n]) if n in table.row_errors else "" for n, _ in table.rows]
    known = set(Scenario.field_names()) | set(PATIENT_COLUMNS)
    unknown = [c for c in df.columns if c not in known and c != "error"]
    if unknown:
        notes.append(f"Columns not used for pricing (kept as they are): {', '.join(unknown)}")
    return df, notes


def _row_problems(row: dict[str, str]) -> tuple[Scenario | None, list[FieldError]]:
    errs: list[FieldError] = []
    dates = Problems()
    dob = dates.get(parse_birth_date, v, "patient_dob") if (v := row.get("patient_dob", "").strip()) else None
    service = dates.get(parse_date, v, "service_date") if (v := row.get("service_date", "").strip()) else None
    if dob and service and dob > service:
        dates.add("patient_dob", f"{dob} is after the service date ({service})")
    errs += dates.errors
    values = {k: v for k, v in row.items() if k in Scenario.field_names()}
    try:
        sc = scenario_from_strings(values)
    except InputError as e:
        return None, errs + e.errors
    return (None if errs else sc), errs


def quote_cases(df: pd.DataFrame, prices: PriceList | None = None, ref: RefData | None = None,
                progress: Callable[[float], None] | None = None) -> BatchResult:
    """Quote every row. Rows are checked one by one (for their messages) and priced together."""
    ref = ref or load()
    n = len(df)
    status = np.full(n, "error", dtype=object)
    errors = np.full(n, "", dtype=object)
    source = np.full(n, "", dtype=object)
    values = np.full((n, len(RESULT_COLUMNS)), np.nan)
    read_errors = df["error"].to_numpy() if "error" in df else np.full(n, "", dtype=object)
    rows = df.drop(columns=["error"], errors="ignore").to_dict("records")
    good: list[tuple[int, Scenario]] = []
    step = max(1, n // 50)
    for i, row in enumerate(rows):
        if read_errors[i]:
            errors[i] = read_errors[i]
            continue
        sc, errs = _row_problems(row)
        if errs:
            errors[i] = "; ".join(str(e) for e in errs)
        elif sc is not None:
            good.append((i, sc))
        if progress and i % step == 0:
            progress(0.6 * i / n)
    if good:
        frame = pd.DataFrame([sc.to_dict() for _, sc in good])
        if prices is not None:  # the clinic's own prices, where they apply, replace the estimate
            for k, (i, sc) in enumerate(good):
                for comp, p in prices.applicable(sc, rows[i].get("payer")).items():
                    col = f"allowed_{comp}"
                    if col not in frame:
                        frame[col] = np.nan
                    frame.loc[k, col] = p.amount
                    source[i] = (source[i] + "; " if source[i] else "") + f"clinic price: {p.payer} {comp}"
        priced = quote_frame(frame, ref, keep_inputs=False)
        idx = np.array([i for i, _ in good])
        ok = (priced["status"] == "ok").to_numpy()
        status[idx[ok]] = "ok"
        errors[idx[~ok]] = priced.loc[~ok, "error"].to_numpy()
        values[idx] = priced[RESULT_COLUMNS].to_numpy()
        values[idx[~ok]] = np.nan
        keys = priced["locality_key"].astype(str).to_numpy()
        locality = np.full(n, "", dtype=object)
        locality[idx] = np.where(ok, keys, "")
    else:
        locality = np.full(n, "", dtype=object)
    if progress:
        progress(1.0)
    source = np.where((status == "ok") & (source == ""), "market estimate", source)
    numbers = df.index.to_numpy() if df.index.name == "row" else np.arange(2, n + 2)
    out = df.drop(columns=["error"], errors="ignore").reset_index(drop=True)
    out.insert(0, "row", numbers)  # the row number in the file as a spreadsheet shows it (the header is 1)
    out["status"] = status
    out["error"] = errors
    out["locality_key"] = locality
    out["price_source"] = np.where(status == "ok", source, "")
    for j, col in enumerate(RESULT_COLUMNS):
        out[col] = values[:, j]
    out["data_version"] = ref.version
    return BatchResult(out)


def documents_zip(result: BatchResult, prices: PriceList | None = None, ref: RefData | None = None) -> bytes:
    """A ZIP of one-page PDF summaries for the quoted rows (at most MAX_DOCUMENTS)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        done = 0
        for row in result.table.to_dict("records"):
            if row["status"] != "ok" or done >= MAX_DOCUMENTS:
                continue
            sc, _problems = _row_problems({k: str(v) for k, v in row.items() if isinstance(v, str)})
            q = quote_with_prices(sc, prices, row.get("payer"), ref)
            name = "".join(c if c.isalnum() else "-" for c in str(row.get("patient_name") or "patient"))[:40]
            z.writestr(f"row{row['row']:05d}-{name}.pdf", summary_pdf(q.to_dict()))
            done += 1
    return buf.getvalue()

