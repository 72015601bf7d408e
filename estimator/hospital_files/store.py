"""The local table of imported hospital prices: one SQLite file, ``hospital_prices.sqlite3``.

Where: the ``data_dir`` given, else ``$ESTIMATOR_DATA_DIR``, else the repository's ``var/`` (never
``data/``, which holds only tables built from public reference files). SQLite (Python's own
``sqlite3``) because an import must replace a hospital all at once or not at all: each import is
one transaction (delete the hospital's rows, insert the new ones, commit), so a failed or
interrupted import leaves the table as it was, and readers never see half a hospital.

Tables: ``hospitals`` (one row per hospital: its id, CCN, license, name, locations, addresses, the
file's date, version and name, when it was imported, how many prices) and ``prices`` (one row per
``PriceRow``, keyed by ``hospital_id``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from estimator.common.errors import fail
from estimator.hospital_files.model import PRICE_COLUMNS, HospitalFile

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "var"
FILE_NAME = "hospital_prices.sqlite3"
SCHEMA_VERSION = 1

HOSPITAL_COLUMNS = ("hospital_id", "ccn", "license_state", "license_number", "hospital_name", "locations",
                    "addresses", "file_date", "version", "source_file", "source_format", "imported_at", "n_prices")
_REAL = {"gross", "cash", "negotiated_dollar", "negotiated_percentage", "min", "max", "estimated_amount",
         "median_amount"}
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS hospitals (
    hospital_id TEXT PRIMARY KEY, ccn TEXT, license_state TEXT, license_number TEXT,
    hospital_name TEXT NOT NULL, locations TEXT, addresses TEXT, file_date TEXT NOT NULL, version TEXT,
    source_file TEXT, source_format TEXT, imported_at TEXT NOT NULL, n_prices INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS prices (
    hospital_id TEXT NOT NULL REFERENCES hospitals(hospital_id) ON DELETE CASCADE,
    {", ".join(f"{c} {'REAL' if c in _REAL else 'TEXT'}" for c in PRICE_COLUMNS)});
CREATE INDEX IF NOT EXISTS prices_hospital ON prices(hospital_id);
CREATE INDEX IF NOT EXISTS prices_code ON prices(code);
PRAGMA user_version = {SCHEMA_VERSION};
"""

#: The columns of ``load_hospital_prices``: the hospital's, then the price's.
FRAME_COLUMNS = ("hospital_id", "ccn", "hospital_name", *[c for c in PRICE_COLUMNS], "file_date", "source_file")


def table_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The SQLite file: ``data_dir``, else $ESTIMATOR_DATA_DIR, else var/, + hospital_prices.sqlite3."""
    base = data_dir if data_dir is not None else os.environ.get("ESTIMATOR_DATA_DIR") or DEFAULT_DIR
    return Path(base) / FILE_NAME


def _connect(path: Path, create: bool) -> sqlite3.Connection:
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = sqlite3.connect(path if create else f"file:{path}?mode=ro", uri=not create, isolation_level=None)
        con.execute("PRAGMA foreign_keys = ON")
        if create:
            con.executescript(SCHEMA)
        return con
    except sqlite3.DatabaseError as e:
        raise fail("hospital_prices", f"cannot open the hospital price table {path}: {e}") from None


@dataclass(frozen=True)
class Hospital:
    """One imported hospital, as ``hospital-prices list`` shows it."""

    hospital_id: str
    ccn: str | None
    hospital_name: str
    file_date: str  # YYYY-MM-DD, the file's last_updated_on
    n_prices: int
    imported_at: str  # ISO 8601, UTC
    source_file: str


def replace_hospitals(files: Iterable[HospitalFile], data_dir: str | os.PathLike[str] | None = None,
                      now: datetime | None = None) -> list[bool]:
    """Add or replace each file's hospital, all in one transaction; returns for each file whether a
    hospital with the same id was there before (and was replaced)."""
    files = list(files)
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    con = _connect(table_path(data_dir), create=True)
    replaced: list[bool] = []
    try:
        con.execute("BEGIN IMMEDIATE")
        for hf in files:
            hid = hf.hospital_id
            replaced.append(con.execute("SELECT 1 FROM hospitals WHERE hospital_id = ?", (hid,)).fetchone() is not None)
            con.execute("DELETE FROM prices WHERE hospital_id = ?", (hid,))
            con.execute("DELETE FROM hospitals WHERE hospital_id = ?", (hid,))
            con.execute(f"INSERT INTO hospitals ({', '.join(HOSPITAL_COLUMNS)}) VALUES ({', '.join('?' * 13)})",
                        (hid, hf.ccn, hf.license_state, hf.license_number, hf.hospital_name, "|".join(hf.locations),
                         "|".join(hf.addresses), hf.file_date.isoformat(), hf.version, hf.source_file,
                         hf.source_format, stamp, len(hf.rows)))
            con.executemany(f"INSERT INTO prices (hospital_id, {', '.join(PRICE_COLUMNS)}) "
                            f"VALUES (?, {', '.join('?' * len(PRICE_COLUMNS))})",
                            ((hid, *astuple(r)) for r in hf.rows))
        con.execute("COMMIT")
    except BaseException as e:
        if con.in_transaction:
            con.execute("ROLLBACK")
        if isinstance(e, sqlite3.Error):  # e.g. locked by another import, or the disk is full: nothing written
            raise fail("hospital_prices", f"cannot write {table_path(data_dir)}: {e}") from None
        raise
    finally:
        con.close()
    return replaced


def list_hospitals(data_dir: str | os.PathLike[str] | None = None) -> list[Hospital]:
    """Every imported hospital, by id; [] when nothing was imported."""
    path = table_path(data_dir)
    if not path.exists():
        return []
    con = _connect(path, create=False)
    try:
        rows = con.execute("SELECT hospital_id, ccn, hospital_name, file_date, n_prices, imported_at, source_file "
                           "FROM hospitals ORDER BY hospital_id").fetchall()
    finally:
        con.close()
    return [Hospital(*r) for r in rows]


def remove_hospital(key: str, data_dir: str | os.PathLike[str] | None = None) -> Hospital:
    """Remove the hospital whose id or CCN is ``key`` (with its prices); InputError if there is none."""
    key = key.strip()
    match = [h for h in list_hospitals(data_dir) if key in (h.hospital_id, h.ccn) or key.upper() == h.ccn]
    if not match:
        raise fail("hospital", f"no imported hospital has the id or CCN '{key[:40]}' "
                               "(`hospital-prices list` shows them)")
    con = _connect(table_path(data_dir), create=True)
    try:
        con.execute("BEGIN IMMEDIATE")
        for h in match:
            con.execute("DELETE FROM prices WHERE hospital_id = ?", (h.hospital_id,))
            con.execute("DELETE FROM hospitals WHERE hospital_id = ?", (h.hospital_id,))
        con.execute("COMMIT")
    except BaseException as e:
        if con.in_transaction:
            con.execute("ROLLBACK")
        if isinstance(e, sqlite3.Error):
            raise fail("hospital_prices", f"cannot write {table_path(data_dir)}: {e}") from None
        raise
    finally:
        con.close()
    return match[0]


def load_hospital_prices(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every imported price for 62320-62323, one row per hospital x code x setting x payer/plan.

    Columns (``FRAME_COLUMNS``): hospital_id, ccn, hospital_name, then the ``PriceRow`` fields
    (code, description, modifiers, billing_class, setting, gross, cash, payer, plan,
    negotiated_dollar, negotiated_percentage, negotiated_algorithm, methodology, min, max,
    estimated_amount, median_amount, notes, source_location), file_date (``datetime64``, the file's
    last_updated_on) and source_file. Amounts are float dollars (NaN where the file has none);
    ``negotiated_percentage`` is a percentage (70.5 = 70.5%). Empty, with these columns, when
    nothing was imported.
    """
    path = table_path(data_dir)
    if not path.exists():
        frame = pd.DataFrame({c: pd.Series(dtype=float if c in _REAL else object) for c in FRAME_COLUMNS})
        frame["file_date"] = pd.to_datetime(frame["file_date"])
        return frame
    con = _connect(path, create=False)
    try:
        frame = pd.read_sql_query(
            "SELECT h.hospital_id, h.ccn, h.hospital_name, "
            + ", ".join(f"p.{c}" for c in PRICE_COLUMNS)
            + ", h.file_date, h.source_file FROM prices p JOIN hospitals h USING (hospital_id) "
              "ORDER BY h.hospital_id, p.rowid", con)
    finally:
        con.close()
    for c in _REAL:
        frame[c] = frame[c].astype(float)
    frame["file_date"] = pd.to_datetime(frame["file_date"])
    return frame[list(FRAME_COLUMNS)]


__all__ = ["FRAME_COLUMNS", "Hospital", "list_hospitals", "load_hospital_prices", "remove_hospital",
           "replace_hospitals", "table_path"]
