"""Commercial bands per payer and state, from insurers' imported rate files (built by
``python -m estimator payer-rates bands``; estimator.payer_rates.bands).

The table, ``payer_bands.csv``, lives beside the imported hospital prices (``$ESTIMATOR_DATA_DIR``,
else the repository's ``var/``), never in ``data/``, which holds only tables built from the public
reference files. One row per payer, state, site (asc, office), code, component (professional,
facility) and year: the 10th / 50th / 90th percentile of the rate as a multiple of Medicare's amount
for the same bill, across the providers (tax IDs) that back it, with their count and sources. Only
rows backed by at least ``MIN_PROVIDERS`` tax IDs are written, so every row may be used.

A hand-edited or damaged file must not stop a quote or a batch, nor price one below nothing:
- a row is used only if it names a payer, its low, typical and high are finite multiples with
  0 < low <= typical <= high, and its providers (at least ``MIN_PROVIDERS``) and year (1 to 9999)
  are whole numbers; other rows are left out, counted (``TableRead.left_out``) and warned of once;
- a file that cannot be read as CSV (an unclosed quote, not UTF-8, unreadable) gives no bands:
  ``table()`` is then empty, ``problem()`` says why, and a warning naming the file (never its rows)
  goes to this module's logger (stderr when logging is not set up), once per version of the file.
Quotes are then made as with no file.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.reference.tables import PROCEDURE_CODES, YEARS, RefData
from estimator.reference.tables import SITES as ENGINE_SITES

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "var"
FILE_NAME = "payer_bands.csv"
#: Tax IDs a band needs: rates are contracted per tax ID, so its NPIs are not independent observations.
MIN_PROVIDERS = 5
COLUMNS = ("payer", "state", "site", "code", "component", "year", "low", "typical", "high", "providers", "npis",
           "rates", "file_dates", "source")
#: The bills a payer band prices, in the order of ``encode``'s first axis.
BILLS = ("professional", "facility")
SITES = ("asc", "office")


def path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    base = data_dir if data_dir is not None else os.environ.get("ESTIMATOR_DATA_DIR") or DEFAULT_DIR
    return Path(base) / FILE_NAME


@dataclass(frozen=True)
class PayerBand:
    """One bill's band for one payer, state, site and code: multiples of Medicare and what backs them."""

    payer: str
    component: str
    low: float
    typical: float
    high: float
    providers: int
    file_dates: str


#: The bands by (payer lower-cased, state, site, code, component, year).
Bands = dict[tuple[str, str, str, str, str, int], PayerBand]
#: The table's number columns (the rest are text).
NUMBERS = ("year", "low", "typical", "high", "providers", "npis", "rates")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableRead:
    """A bands file as read: its usable bands, how many rows were left out, and why the whole file
    could not be used ('' if it could)."""

    bands: Bands
    left_out: int = 0
    problem: str = ""


def read(file: str | os.PathLike[str]) -> TableRead:
    """The usable bands of ``file`` (see the module's rules); a file that cannot be parsed gives none
    and its ``problem``, never an exception."""
    try:
        df = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as e:  # pandas' ParserError and EmptyDataError, UnicodeDecodeError
        reason = " ".join(str(e).split()) or type(e).__name__
        return TableRead({}, 0, f"{file}: cannot be read as the payer bands table (CSV): {reason[:200]}")
    for c in COLUMNS:
        if c not in df:
            df[c] = ""
    text = {c: df[c].astype(str).str.strip() for c in ("payer", "state", "site", "code", "component", "file_dates")}
    num = {c: pd.to_numeric(df[c], errors="coerce") for c in NUMBERS}
    finite = pd.concat([np.isfinite(num[c]) for c in ("year", "low", "typical", "high", "providers")], axis=1)
    ok = (text["payer"] != "") & finite.all(axis=1)
    ok &= (num["low"] > 0) & (num["low"] <= num["typical"]) & (num["typical"] <= num["high"])
    ok &= (num["providers"] >= MIN_PROVIDERS) & (num["providers"] % 1 == 0)
    ok &= num["year"].between(1, 9999) & (num["year"] % 1 == 0)
    bands = {(text["payer"][i].lower(), text["state"][i], text["site"][i], text["code"][i], text["component"][i],
              int(num["year"][i])):
             PayerBand(text["payer"][i], text["component"][i], float(num["low"][i]), float(num["typical"][i]),
                       float(num["high"][i]), int(num["providers"][i]), text["file_dates"][i])
             for i in df.index[ok]}
    return TableRead(bands, int((~ok).sum()))


@lru_cache(maxsize=1)
def _table(file: str, stamp: tuple[int, int]) -> TableRead:
    """The bands of ``file`` as it was at ``stamp`` (modification time in ns, size in bytes): only the
    latest version is kept, and what is wrong with it is warned of once."""
    got = read(file)
    if got.problem:
        log.warning("%s; quoting without payer bands", got.problem)
    elif got.left_out:
        log.warning("%s: %d rows left out (no payer, or low, typical, high, providers or year not a usable "
                    "number: 0 < low <= typical <= high, %d or more whole providers)", file, got.left_out,
                    MIN_PROVIDERS)
    return got


#: Bands handed to this context (a Dask worker quoting with the bands its client read); None: the file.
_SUPPLIED: ContextVar[Bands | None] = ContextVar("supplied_payer_bands", default=None)


@contextlib.contextmanager
def supplied(bands: Bands) -> Iterator[None]:
    """While the block runs, in this thread or task only, ``table()`` is ``bands`` (even when empty),
    not this machine's file: a worker quotes with the bands of the process that sent it the work."""
    token = _SUPPLIED.set(bands)
    try:
        yield
    finally:
        _SUPPLIED.reset(token)


def table() -> Bands:
    """The bands, by (payer lower-cased, state, site, code, component, year): those ``supplied`` to
    this context, else the file's; empty with no file. Read again when the file changes (its
    modification time or size)."""
    given = _SUPPLIED.get()
    if given is not None:
        return given
    return _current().bands


def problem() -> str:
    """Why this machine's bands file is not used ('' when it is, or when there is none)."""
    return "" if _SUPPLIED.get() is not None else _current().problem


def _current() -> TableRead:
    p = path()
    try:
        st = p.stat()
    except OSError:
        return TableRead({})
    if not p.is_file():
        return TableRead({}, 0, f"{p}: not a file")
    return _table(str(p), (st.st_mtime_ns, st.st_size))


def lookup(payer: str | None, state: str, site: str, code: str, year: int) -> dict[str, PayerBand]:
    """The bands that apply to one scenario, by bill."""
    if not payer or site not in SITES:
        return {}
    t = table()
    key = payer.strip().lower()
    return {c: t[k] for c in BILLS if (k := (key, state, site, code, c, year)) in t}


def encode(payers: np.ndarray, states: np.ndarray, sites: np.ndarray, codes: np.ndarray, years: np.ndarray,
           ref: RefData) -> np.ndarray | None:
    """The bands as engine input: (2 bills, 3 levels, n) multiples of Medicare, NaN where none
    applies; None when no scenario has one (the engine then does nothing for them).

    ``payers`` text ('' for none); ``states``, ``sites``, ``codes`` and ``years`` the engine's indices."""
    t = table()
    if not t or not len(payers):
        return None
    keys = pd.Series(np.asarray(payers, dtype=object)).fillna("").astype(str).str.strip().str.lower()
    used = (keys != "").to_numpy() & np.isin(np.asarray(sites), [ENGINE_SITES.index(s) for s in SITES])
    if not used.any():
        return None
    rows = pd.DataFrame({"payer": keys.to_numpy(), "state": states, "site": sites, "code": codes, "year": years})
    codes_of, uniq = pd.factorize(pd.MultiIndex.from_frame(rows[used]))
    per = np.full((len(BILLS), 3, len(uniq)), np.nan)
    for u, (payer, state, site, code, year) in enumerate(uniq):
        for b, comp in enumerate(BILLS):
            band = t.get((payer, ref.states[state], ENGINE_SITES[site], PROCEDURE_CODES[code], comp, YEARS[year]))
            if band is not None:
                per[b, :, u] = (band.low, band.typical, band.high)
    if np.isnan(per).all():
        return None
    out = np.full((len(BILLS), 3, len(payers)), np.nan)
    out[:, :, used] = per[:, :, codes_of]
    return out
