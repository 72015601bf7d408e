"""Many scenarios at once: a DataFrame in (one row per scenario), a DataFrame of results out.

``quote_frame(df)`` encodes and validates every column with array operations (no Python loop per
row) and runs the same engine as the single-quote API, in chunks to bound memory. Columns are the
Scenario field names; any that are missing take the Scenario defaults. Rows with bad input get
status "error" and a message naming the field (built with the same validation as the single API);
they do not stop the rest.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from . import engine, geography
from .geography import PlaceError
from .parsing import NUMERIC_FIELDS, scenario_from_strings
from .scenario import (
    COINSURANCE_BASE,
    COPAY_TIMING,
    COVERAGE,
    IMAGING,
    MAX_DOLLARS,
    MAX_MINUTES,
    MEDICARE_PROVIDER,
    MEDIGAP,
    NETWORK,
    SEDATION,
    Scenario,
    ScenarioError,
)
from .tables import COMPONENTS, LEVELS, PROCEDURE_CODES, SITES, YEARS, RefData, load

CHUNK = 32_768
ENUMS = {"code": PROCEDURE_CODES, "site": SITES, "sedation": SEDATION, "coverage": COVERAGE,
         "network": NETWORK, "copay_timing": COPAY_TIMING, "coinsurance_base": COINSURANCE_BASE,
         "medigap": MEDIGAP, "medicare_provider": MEDICARE_PROVIDER}
DEFAULTS = Scenario()


def output_columns() -> list[str]:
    """Names of the numeric result columns, in order."""
    cols = [f"{c}_{kind}_{lvl}" for c in COMPONENTS for kind in ("allowed", "billed") for lvl in LEVELS]
    cols += [f"{name}_{lvl}" for name in ("total_allowed", "total_billed", "patient_pays", "plan_pays")
             for lvl in LEVELS]
    return cols


def _norm(x: object) -> str:
    """A cell as text: stripped, with whole floats written without '.0' (35203.0 -> '35203')."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    if isinstance(x, float) and x == int(x):
        return str(int(x))
    return str(x).strip()


def _factor(df: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) of a text column: uniques are normalised strings, code -1 means blank.

    Work is done once per distinct value, not per row (categorical columns cost nothing).
    """
    if col not in df:
        return np.full(len(df), -1, dtype=np.int64), np.array([], dtype=object)
    s = df[col]
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, uniques = s.cat.codes.to_numpy(np.int64), s.cat.categories
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    idx = pd.Index(uniques)
    if pd.api.types.is_numeric_dtype(idx) and not pd.api.types.is_bool_dtype(idx):
        u = np.array([_norm(float(x)) for x in idx], dtype=object)
    else:
        u = idx.astype(str).str.strip().to_numpy(dtype=object)
    blank = u == ""  # per distinct value, then gathered by code (no per-row string work)
    if blank.any():
        codes = np.where((codes >= 0) & blank[np.maximum(codes, 0)], -1, codes)
    return codes.astype(np.int64, copy=False), u


def _gather(per_unique: np.ndarray, codes: np.ndarray, blank: object) -> np.ndarray:
    """Per-row values from per-unique values; rows with code -1 get ``blank``."""
    table = np.append(np.asarray(per_unique), np.asarray([blank], dtype=np.asarray(per_unique).dtype))
    return table[np.where(codes < 0, len(table) - 1, codes)]


def _enum(df: pd.DataFrame, col: str, allowed: tuple[str, ...], default: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(index into allowed, -1 if not allowed; given) per row. Blank cells take the default."""
    codes, u = _factor(df, col)
    keys = u if col == "code" else np.array([x.lower() for x in u], dtype=object)
    idx = pd.Index(list(allowed)).get_indexer(keys) if len(u) else np.array([], dtype=np.int64)
    fallback = allowed.index(default) if default is not None else -1
    return _gather(idx.astype(np.int64), codes, fallback), codes >= 0


def _number(df: pd.DataFrame, col: str, default: float) -> tuple[np.ndarray, np.ndarray]:
    """(values with the default for blanks, bool array of cells that are not numbers)."""
    if col not in df:  # a read-only broadcast: no per-row memory for absent columns
        return np.broadcast_to(np.float64(default), (len(df),)), np.broadcast_to(False, (len(df),))
    s = df[col]
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        bad = np.zeros(len(df), dtype=bool)
    else:
        codes, u = _factor(df, col)
        clean = pd.Series(u, dtype=object).str.replace(",", "", regex=False).str.lstrip("$").str.rstrip("%")
        num = pd.to_numeric(clean.str.strip(), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        v = _gather(num, codes, np.nan)
        bad = (codes >= 0) & np.isnan(v)
    return np.where(np.isnan(v), default, v), bad


def _place(df: pd.DataFrame, ref: RefData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(locality index, state index, bad) per row from the zip / locality / state columns."""
    out = []
    for col, lookup in (("zip", geography.lookup_zips), ("locality", geography.lookup_localities),
                        ("state", geography.lookup_states)):
        codes, u = _factor(df, col)
        loc, st, ok = lookup(ref, u) if len(u) else (np.zeros(0, int), np.zeros(0, int), np.zeros(0, bool))
        out.append((codes >= 0, _gather(loc, codes, 0), _gather(st, codes, 0), _gather(ok, codes, False)))
    (hz, lz, sz, oz), (hl, ll, sl, ol), (hs, ls, ss, os_) = out
    bad = (hz.astype(int) + hl + hs) != 1
    bad |= np.where(hz, ~oz, np.where(hl, ~ol, ~os_))
    return np.where(hz, lz, np.where(hl, ll, ls)), np.where(hz, sz, np.where(hl, sl, ss)), bad


def encode_frame(df: pd.DataFrame, ref: RefData) -> tuple[engine.Inputs, np.ndarray]:
    """Encode a DataFrame of scenarios; returns (inputs, invalid-row mask)."""
    loc_idx, state_idx, bad = _place(df, ref)
    enum = {}
    for name, allowed in ENUMS.items():
        enum[name], _ = _enum(df, name, allowed, getattr(DEFAULTS, name))
        bad |= enum[name] < 0
    imaging, imaging_given = _enum(df, "imaging", IMAGING, None)
    bad |= (imaging < 0) & imaging_given
    anes_net, anes_given = _enum(df, "anesthesia_network", NETWORK, None)
    bad |= (anes_net < 0) & anes_given
    anes_net = np.where(anes_given, anes_net, enum["network"])

    num = {}
    for name, kind in NUMERIC_FIELDS.items():
        default = getattr(DEFAULTS, name)
        num[name], not_number = _number(df, name, np.nan if default is None else float(default))
        if name not in df:
            continue  # defaults are valid
        bad |= not_number
        v = num[name]
        if kind == "money":
            bad |= ~np.isnan(v) & ((v < 0) | (v > MAX_DOLLARS))
        elif kind == "percent":
            bad |= ~np.isnan(v) & ((v < 0) | (v > 100))
        else:
            limit = 52 if name == "prior_sessions" else MAX_MINUTES
            ok_range = (v >= 0) & (v <= limit) & (v == np.floor(v))
            bad |= ~(ok_range if name != "year" else np.isin(v, YEARS))
    # Cross-field rules (mirroring Scenario.validate).
    has = lambda f: ~np.isnan(num[f])  # noqa: E731
    bad |= has("deductible_remaining") & has("deductible")
    bad |= has("deductible") & (num["deductible_met"] > num["deductible"])
    bad |= has("oop_remaining") & has("oop_max")
    bad |= has("oop_max") & (num["oop_met"] > num["oop_max"])
    cov = enum["coverage"]
    out_any = (enum["network"] == 1) | (anes_net == 1)
    bad |= np.isin(cov, (engine.MEDICARE, engine.MEDICAID)) & out_any
    bad |= (cov == engine.MEDICARE) & has("coinsurance") & (num["coinsurance"] != 20)
    bad |= (enum["medigap"] > 0) & (cov != engine.MEDICARE)
    bad |= (enum["medicare_provider"] > 0) & (cov != engine.MEDICARE)
    per_comp = has("allowed_professional") | has("allowed_facility") | has("allowed_anesthesia")
    bad |= has("allowed") & per_comp
    bad |= has("allowed_facility") & (num["allowed_facility"] != 0) & (enum["site"] == SITES.index("office"))
    bad |= has("allowed_anesthesia") & (num["allowed_anesthesia"] != 0) & (
        enum["sedation"] != SEDATION.index("anesthesia"))

    # The code billed, given the spine region and imaging.
    code = np.maximum(enum["code"], 0)
    upper = code <= 1
    guided = np.where(imaging_given, imaging != IMAGING.index("none"), (code == 1) | (code == 3))
    billed_code = np.where(upper, np.where(guided, 1, 0), np.where(guided, 3, 2))

    year = np.clip(np.searchsorted(np.array(YEARS), _as_int(num["year"])), 0, len(YEARS) - 1)
    as_int = lambda f: _as_int(num[f])  # noqa: E731
    inp = engine.Inputs(
        year=year, loc=loc_idx, state=state_idx, code=billed_code, site=np.maximum(enum["site"], 0),
        sedation=np.maximum(enum["sedation"], 0), sed_minutes=as_int("sedation_minutes"),
        anes_minutes=as_int("anesthesia_minutes"), coverage=np.maximum(cov, 0),
        net_out=enum["network"] == 1, anes_out=anes_net == 1,
        deductible=num["deductible"], deductible_met=num["deductible_met"],
        deductible_remaining=num["deductible_remaining"], copay=num["copay"],
        coinsurance_pct=num["coinsurance"], oop_max=num["oop_max"], oop_met=num["oop_met"],
        oop_remaining=num["oop_remaining"], copay_before=enum["copay_timing"] == 1,
        coins_incl_copay=enum["coinsurance_base"] == 1, medigap=enum["medigap"] == 1,
        medicare_provider=enum["medicare_provider"],
        prior_sessions=as_int("prior_sessions"), allowed_total=num["allowed"],
        allowed_component=_per_component(df, num),
        billed_total=num["billed"],
    )
    return inp, bad


def _as_int(v: np.ndarray) -> np.ndarray:
    """Whole numbers as int64, keeping a broadcast column a broadcast (no per-row copy)."""
    if v.strides == (0,):
        return np.broadcast_to(np.int64(v[0]) if len(v) else np.int64(0), v.shape)
    return v.astype(np.int64)


def _per_component(df: pd.DataFrame, num: dict[str, np.ndarray]) -> np.ndarray:
    """(3, n) entered allowed amounts per component; a no-copy broadcast of NaN when none are given."""
    cols = [f"allowed_{c}" for c in COMPONENTS]
    if not any(c in df for c in cols):
        return np.broadcast_to(np.nan, (len(COMPONENTS), len(df)))
    return np.stack(np.broadcast_arrays(*(num[c] for c in cols)))


def _take(inp: engine.Inputs, sl: slice) -> engine.Inputs:
    kw = {k: (v[:, sl] if k == "allowed_component" else v[sl]) for k, v in vars(inp).items()}
    return engine.Inputs(**kw)


def row_errors(df: pd.DataFrame, rows: np.ndarray, ref: RefData) -> dict[int, str]:
    """Messages for the given invalid rows, from the same validation as the single-quote API."""
    fields = [f for f in Scenario.field_names() if f in df.columns]
    out = {}
    for i in rows:
        values = {f: (None if pd.isna(df[f].iloc[i]) else str(df[f].iloc[i])) for f in fields}
        try:
            sc = scenario_from_strings(values)
            geography.resolve(ref, sc.zip, sc.locality, sc.state)
            out[int(i)] = "invalid input"
        except ScenarioError as e:
            out[int(i)] = "; ".join(str(err) for err in e.errors)
        except PlaceError as e:
            out[int(i)] = str(e.error)
    return out


def quote_arrays(inp: engine.Inputs, ref: RefData, threads: int = 2) -> np.ndarray:
    """Run the engine in chunks (on ``threads`` threads); returns a float array (len(output_columns()), n).

    Chunks keep the temporaries small (cache-friendly, no page-fault churn); numpy releases the
    GIL inside its loops, so chunks on two threads use two cores.
    """
    n = len(inp)
    out = np.empty((len(output_columns()), n))

    def work(start: int) -> None:
        sl = slice(start, min(start + CHUNK, n))
        res = engine.compute(ref, _take(inp, sl))
        for c in range(len(COMPONENTS)):
            out[c * 6:c * 6 + 3, sl] = res.allowed[c]
            out[c * 6 + 3:c * 6 + 6, sl] = res.billed[c]
        k = len(COMPONENTS) * 6
        for arr in (res.total_allowed, res.total_billed, res.patient, res.plan):
            out[k:k + 3, sl] = arr
            k += 3
        np.round(out[:, sl], 2, out=out[:, sl])

    starts = range(0, n, CHUNK)
    if threads > 1 and n > CHUNK:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, starts))
    else:
        for start in starts:
            work(start)
    return out


def quote_frame(df: pd.DataFrame, ref: RefData | None = None, keep_inputs: bool = True) -> pd.DataFrame:
    """Quote every row of ``df``. Adds status, error, locality_key, billed_code and the result columns."""
    ref = ref or load()
    inp, bad = encode_frame(df, ref)
    values = quote_arrays(inp, ref)
    values[:, bad] = np.nan
    result = pd.DataFrame(values.T, columns=output_columns(), index=df.index, copy=False)
    errors = np.full(len(df), "", dtype=object)
    if bad.any():
        for i, msg in row_errors(df, np.flatnonzero(bad), ref).items():
            errors[i] = msg
    # Categoricals built from codes: no per-row strings for the repeated values.
    keys = [loc.key for loc in ref.localities]
    meta = pd.DataFrame({
        "status": pd.Categorical.from_codes(bad.astype(np.int8), ["ok", "error"]), "error": errors,
        "locality_key": pd.Categorical.from_codes(np.where(bad, -1, inp.loc), keys),
        "billed_code": pd.Categorical.from_codes(np.where(bad, -1, inp.code), list(PROCEDURE_CODES)),
        "data_version": pd.Categorical.from_codes(np.zeros(len(df), np.int8), [ref.version]),
    }, index=df.index)
    parts = ([df] if keep_inputs else []) + [meta, result]
    return pd.concat(parts, axis=1)
