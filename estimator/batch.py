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

from estimator.inputs.fields import COPAY_TIMING, COVERAGE, FIELDS, IMAGING
from estimator.inputs.validation import Checked, check_frame
from estimator.pricing import pipeline
from estimator.reference import named_hospital, payer_bands
from estimator.reference.tables import COMPONENTS, LEVELS, PROCEDURE_CODES, YEARS, RefData, load

CHUNK = 32_768


def output_columns() -> list[str]:
    """Names of the numeric result columns, in order."""
    cols = [f"{c}_{kind}_{lvl}" for c in COMPONENTS for kind in ("allowed", "billed") for lvl in LEVELS]
    cols += [f"{name}_{lvl}" for name in ("total_allowed", "total_billed", "patient_pays", "plan_pays")
             for lvl in LEVELS]
    # What the patient would pay in each case left open (blank where the patient said): the
    # deductible already met / not yet met, and an unknown plan type out of network as a PPO / an HMO.
    cols += [f"patient_pays_if_{case}_{lvl}" for case in pipeline.CASES for lvl in LEVELS]
    return cols


def encode_frame(df: pd.DataFrame, ref: RefData) -> tuple[pipeline.Inputs, Checked]:
    """Check and encode a DataFrame of scenarios; returns (engine inputs, the check with its bad rows).

    Bad rows are encoded with harmless stand-in values (their results are discarded).
    """
    checked = check_frame(df, ref)
    c = checked.cols
    idx = {name: np.maximum(v, 0) for name, v in c.idx.items()}
    num = c.num
    imaging_given = c.idx["imaging"] >= 0
    anes_given = c.idx["anesthesia_network"] >= 0
    anes_net = np.where(anes_given, idx["anesthesia_network"], idx["network"])
    doc_net = np.where(c.idx["doctor_network"] >= 0, idx["doctor_network"], idx["network"])

    # The code billed, given the spine region and imaging.
    code = idx["code"]
    upper = code <= 1
    guided = np.where(imaging_given, c.idx["imaging"] != IMAGING.index("none"), (code == 1) | (code == 3))
    billed_code = np.where(upper, np.where(guided, 1, 0), np.where(guided, 3, 2))

    year = np.clip(np.searchsorted(np.array(YEARS), _as_int(_filled(num["year"], FIELDS["year"].default))),
                   0, len(YEARS) - 1)
    as_int = lambda f: _as_int(_filled(num[f], 0))  # noqa: E731
    inp = pipeline.Inputs(
        year=year, loc=c.loc, state=c.state, code=billed_code, site=idx["site"],
        sedation=idx["sedation"], sed_minutes=as_int("sedation_minutes"),
        anes_minutes=as_int("anesthesia_minutes"), coverage=idx["coverage"],
        net_out=idx["network"] == 1, anes_out=anes_net == 1,
        deductible=num["deductible"], deductible_met=_filled(num["deductible_met"], 0.0),
        deductible_remaining=num["deductible_remaining"], copay=_filled(num["copay"], 0.0),
        coinsurance_pct=num["coinsurance"], oop_max=num["oop_max"], oop_met=_filled(num["oop_met"], 0.0),
        oop_remaining=num["oop_remaining"],
        copay_before=idx["copay_timing"] == COPAY_TIMING.index("before_deductible"),
        coins_incl_copay=idx["coinsurance_base"] == 1, medigap=idx["medigap"],
        medicare_provider=idx["medicare_provider"],
        prior_sessions=as_int("prior_sessions"), allowed_total=num["allowed"],
        allowed_component=_per_component(df, num),
        billed_total=num["billed"],
        plan_type=idx["plan_type"], doc_out=doc_net == 1, consent=idx["signed_consent"] == 1,
        oon_deductible=num["oon_deductible"], oon_deductible_met=_filled(num["oon_deductible_met"], 0.0),
        oon_coinsurance_pct=num["oon_coinsurance"], oon_oop_max=num["oon_oop_max"],
        oon_oop_met=_filled(num["oon_oop_met"], 0.0),
        copay_instead=idx["copay_timing"] == COPAY_TIMING.index("instead_of_deductible"),
        grandfathered=idx["grandfathered"] == 1, hdhp=idx["hdhp"] == 1, qmb=idx["qmb"] == 1,
        **({"wage_area": c.wage_area} | _hospital_inputs(checked, billed_code, ref)),
        payer_band=_payer_band(checked, idx, billed_code, year, ref),
    )
    return inp, checked


def _texts(c: Checked, name: str) -> np.ndarray:
    """(n,) object array of a text field's values ('' = blank or a bad row)."""
    cols = c.cols
    codes = np.where(c.bad, -1, cols.place_codes[name])
    table = np.append(np.asarray(cols.place_values[name], dtype=object), np.array([""], dtype=object))
    return table[codes]


def _hospital_inputs(c: Checked, billed_code: np.ndarray, ref: RefData) -> dict[str, np.ndarray]:
    """Each row's named hospital's figures as engine inputs (none when no row names one)."""
    if not (c.cols.place_codes["hospital"] >= 0).any():
        return {}
    ccns = _texts(c, "hospital")
    codes = np.asarray(PROCEDURE_CODES, dtype=object)[np.asarray(billed_code)]
    cash, gross, neg = named_hospital.encode(ccns, codes, _texts(c, "payer"), ref)
    area = named_hospital.hospital_wage_areas(ccns, ref)
    return {"hospital_cash": cash, "hospital_gross": gross, "hospital_negotiated": neg,
            "hospital_band": named_hospital.encode_bands(ccns, ref),
            "wage_area": np.where(area >= 0, area, c.cols.wage_area)}


def _payer_band(c: Checked, idx: dict[str, np.ndarray], billed_code: np.ndarray, year: np.ndarray,
                ref: RefData) -> np.ndarray | None:
    """Each commercial row's payer band (payer_bands.encode), or None when no row has one."""
    if not (c.cols.place_codes["payer"] >= 0).any():
        return None
    payers = np.where(idx["coverage"] == COVERAGE.index("commercial"), _texts(c, "payer"), "")
    return payer_bands.encode(payers, c.cols.state, idx["site"], billed_code, year, ref)


def _filled(v: np.ndarray, fill: float) -> np.ndarray:
    """``v`` with NaN (a bad cell) replaced by a harmless stand-in; broadcasts stay broadcasts."""
    if v.strides == (0,) and len(v):
        return v if not np.isnan(v[0]) else np.broadcast_to(np.float64(fill), v.shape)
    return np.where(np.isnan(v), fill, v)


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


def quote_arrays(inp: pipeline.Inputs, ref: RefData, threads: int = 2) -> np.ndarray:
    """Run the engine in chunks (on ``threads`` threads); returns a float array (len(output_columns()), n).

    Chunks keep the temporaries small (cache-friendly, no page-fault churn); numpy releases the
    GIL inside its loops, so chunks on two threads use two cores.
    """
    n = len(inp)
    out = np.empty((len(output_columns()), n))

    def work(start: int) -> None:
        sl = slice(start, min(start + CHUNK, n))
        res = pipeline.run(ref, inp.take(sl))
        for c in range(len(COMPONENTS)):
            out[c * 6:c * 6 + 3, sl] = res.allowed[c]
            out[c * 6 + 3:c * 6 + 6, sl] = res.billed[c]
        k = len(COMPONENTS) * 6
        for arr in (res.total_allowed, res.total_billed, res.patient, res.plan,
                    *(res.cases[case] for case in pipeline.CASES)):
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


def quote_frame(df: pd.DataFrame, ref: RefData | None = None, keep_inputs: bool = True,
                threads: int = 2) -> pd.DataFrame:
    """Quote every row of ``df``. Adds status, error, locality_key, billed_code and the result columns.
    ``threads``: how many cores the engine's chunks run on (1 in a cluster worker that has one)."""
    ref = ref or load()
    inp, checked = encode_frame(df, ref)
    bad = checked.bad
    values = quote_arrays(inp, ref, threads)
    values[:, bad] = np.nan
    # One column per row of ``values``, no copy (a 2-D block would be copied when joined to the rest).
    result = pd.DataFrame(dict(zip(output_columns(), values)), index=df.index, copy=False)
    errors = checked.error_texts()
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
