"""A day's schedule from a CSV file: every row quoted, every bad row explained, nothing dropped.

Columns (a template is in ``TEMPLATE``): the patient's name, date of birth and reference (optional),
the service date (optional), ``payer`` (to match the clinic's own prices), and any Scenario field
(zip or state, site, sedation, imaging, coverage, network, deductible, ...). Unknown columns are
kept in the output and reported; a row's problems are listed by field in its ``error`` cell and do
not stop the other rows. The output is written by ``estimator.safe_csv`` (safe to open in a spreadsheet).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from .batch import quote_frame
from .clinic_prices import PriceList, quote_with_prices
from .documents.summary import summary_pdf
from .parsing import scenario_from_strings
from .safe_csv import frame_to_csv
from .scenario import FieldError, Scenario, ScenarioError
from .tables import RefData, load

PATIENT_COLUMNS = ("patient_name", "patient_dob", "patient_ref", "service_date", "payer")
TEMPLATE = (
    "patient_name,patient_dob,patient_ref,service_date,zip,state,site,sedation,imaging,coverage,network,"
    "payer,deductible,deductible_met,copay,coinsurance,oop_max,oop_met,medigap,medicare_provider\n"
    "Jordan Example,1968-04-12,MRN-000123,2026-12-10,35203,,asc,local,fluoroscopy,commercial,in,"
    "Example Health PPO,1500,200,0,20,5000,800,,\n"
    "Casey Example,1955-09-30,MRN-000124,2026-12-10,35203,,office,local,fluoroscopy,medicare,in,,,0,,,,,"
    "g,participating\n"
    "Riley Example,1990-01-05,MRN-000125,2026-12-11,,AL,asc,moderate,fluoroscopy,self_pay,,,,,,,,,,\n"
)
MAX_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS = 500
RESULT_COLUMNS = ["total_allowed_low", "total_allowed_typical", "total_allowed_high", "patient_pays_low",
                  "patient_pays_typical", "patient_pays_high", "plan_pays_typical", "total_billed_typical"]


@dataclass
class BatchResult:
    """The quoted rows (every input row, in order) and file-level notes."""

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return int((self.table["status"] == "ok").sum())

    def to_csv(self) -> str:
        """The table as CSV (``estimator.safe_csv``: every field quoted, no cell can start a formula)."""
        return frame_to_csv(self.table)


def read_cases(data: bytes | str) -> tuple[pd.DataFrame, list[str]]:
    """Parse the uploaded file as text cells; raises ScenarioError for a file that cannot be used."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise ScenarioError([FieldError("file", f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ScenarioError([FieldError("file", "the file is not text (UTF-8 CSV expected)")]) from None
    if not data.strip():
        raise ScenarioError([FieldError("file", "the file is empty: download the template for the columns")])
    try:
        df = pd.read_csv(io.StringIO(data), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, csv.Error) as e:
        raise ScenarioError([FieldError("file", f"not a readable CSV file ({str(e).strip().splitlines()[-1]})")]) \
            from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    known = set(Scenario.field_names()) | set(PATIENT_COLUMNS)
    if not ({"zip", "state", "locality"} & set(df.columns)):
        raise ScenarioError([FieldError("columns", "the file needs a zip (or state) column; found: "
                                                   + ", ".join(df.columns[:12]))])
    if df.empty:
        raise ScenarioError([FieldError("file", "the file has a header but no rows")])
    notes = []
    unknown = [c for c in df.columns if c not in known]
    if unknown:
        notes.append(f"Columns not used for pricing (kept as they are): {', '.join(unknown)}")
    return df, notes


def _row_problems(row: dict[str, str]) -> tuple[Scenario | None, list[FieldError]]:
    errs: list[FieldError] = []
    for col in ("patient_dob", "service_date"):
        v = row.get(col, "").strip()
        if v:
            try:
                d = date.fromisoformat(v)
                if col == "patient_dob" and d > date.today():
                    errs.append(FieldError(col, "is in the future"))
            except ValueError:
                errs.append(FieldError(col, f"'{v}' is not a date: use YYYY-MM-DD"))
    values = {k: v for k, v in row.items() if k in Scenario.field_names()}
    try:
        sc = scenario_from_strings(values)
    except ScenarioError as e:
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
    rows = df.to_dict("records")
    good: list[tuple[int, Scenario]] = []
    step = max(1, n // 50)
    for i, row in enumerate(rows):
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
    out = df.copy()
    out.insert(0, "row", np.arange(2, n + 2))  # the line number in the file (after the header)
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
            sc, _ = _row_problems({k: str(v) for k, v in row.items() if isinstance(v, str)})
            q = quote_with_prices(sc, prices, row.get("payer"), ref)
            name = "".join(c if c.isalnum() else "-" for c in str(row.get("patient_name") or "patient"))[:40]
            z.writestr(f"row{row['row']:05d}-{name}.pdf", summary_pdf(q.to_dict()))
            done += 1
    return buf.getvalue()

