"""Random valid scenarios, drawn from the field registry (for the benchmark and the tests).

Every field is drawn from its registry definition: a choice from its choices, a number from a few
typical values inside its range; fields that do not apply to a row's coverage or sedation keep
their defaults (``fields.applies``). The cross-field rules are then enforced by the validator
itself: a value that breaks one is put back to its default, until every row is valid. Nothing
here knows a rule of its own, so new fields and rules are sampled without changes here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estimator.inputs.fields import COVERAGE, FIELDS, PLACE_FIELDS, REGISTRY, SEDATION, FieldSpec
from estimator.inputs.validation import check_frame
from estimator.reference.tables import YEARS, RefData, load

#: Typical amounts people enter (dollars), besides a uniform draw inside the range.
_TYPICAL_MONEY = (0.0, 25.0, 100.0, 500.0, 1500.0, 3000.0, 9200.0)


def _draw(spec: FieldSpec, rng: np.random.Generator, n: int) -> np.ndarray:
    """n values of one field: choice fields as codes (index into spec.choices, -1 = blank), number
    fields as floats (NaN = blank)."""
    if spec.kind == "choice":
        return rng.integers(-1 if spec.default is None else 0, len(spec.choices), n)
    if spec.kind == "flag":
        return rng.random(n) < 0.3
    if spec.kind == "year":
        return rng.choice(np.array(YEARS, dtype=float), n)
    if spec.kind == "count":
        return rng.integers(int(spec.low), min(int(spec.high), 120) + 1, n).astype(float)
    if spec.kind == "percent":
        return rng.choice(np.array([np.nan, 0.0, 10.0, 20.0, 30.0, 50.0, 100.0]), n)
    typical = rng.choice(np.array(_TYPICAL_MONEY), n)
    uniform = np.round(rng.uniform(0, 12_000, n), 2)
    blank = rng.random(n) < 0.5 if spec.default is None else np.zeros(n, dtype=bool)
    return np.where(blank, np.nan, np.where(rng.random(n) < 0.5, typical, uniform))


def _default_code(spec: FieldSpec) -> float | int | bool:
    if spec.kind == "flag":
        return bool(spec.default)
    if spec.kind == "choice":
        return -1 if spec.default is None else spec.choices.index(spec.default)
    return np.nan if spec.default is None else float(spec.default)


#: What every row of an ``open_cases`` frame says, so that it leaves both cases open: a plan member
#: (commercial or Medicare Advantage), out of network, plan type and deductible not given, a covered
#: session (image-guided, the first of the year).
_OPEN_CASES = {"network": "out", "plan_type": "unknown", "deductible": np.nan, "deductible_remaining": np.nan,
               "prior_sessions": 0.0, "imaging": None}


def random_frame(n: int, seed: int = 0, ref: RefData | None = None, overrides: float = 0.1,
                 open_cases: bool = False) -> pd.DataFrame:
    """n random valid scenarios as a DataFrame (one column per registry field): numbers as floats
    (NaN = blank) and text as categoricals, as a caller would load a big file.

    ``overrides``: the share of rows that keep drawn known allowed/billed amounts (the rest leave
    them blank, as most quotes do). ``open_cases``: every row leaves the deductible and the plan
    type open (so each is priced in every case; no allowed/billed amounts entered).
    """
    ref = ref or load()
    rng = np.random.default_rng(seed)
    zips = ref.frames["zip_locality"]["zip"].to_numpy()
    places = {"zip": np.unique(zips), "locality": np.array([loc.key for loc in ref.localities]),
              "state": np.array(ref.states)}
    where = rng.integers(0, len(PLACE_FIELDS), n)
    data: dict[str, object] = {}
    for k, name in enumerate(PLACE_FIELDS):
        codes = np.where(where == k, rng.integers(0, len(places[name]), n), -1)
        data[name] = pd.Categorical.from_codes(codes, places[name])
    cov = rng.integers(0, len(COVERAGE), n)
    if open_cases:
        plans = np.array([COVERAGE.index("commercial"), COVERAGE.index("medicare_advantage")])
        cov, overrides = plans[rng.integers(0, 2, n)], 0.0
    sed = rng.integers(0, len(SEDATION), n)
    keep_override = rng.random(n) < overrides
    for spec in REGISTRY:
        if spec.name in PLACE_FIELDS or spec.kind == "text":  # text fields (a named hospital) left out
            continue
        if spec.name in ("coverage", "sedation"):
            values = cov if spec.name == "coverage" else sed
        else:
            values = _draw(spec, rng, n)
            applies = (_table(COVERAGE, spec.coverages)[cov] & _table(SEDATION, spec.sedations)[sed])
            if spec.name.startswith(("allowed", "billed")):
                applies &= keep_override
            values = np.where(applies, values, _default_code(spec))
        data[spec.name] = (pd.Categorical.from_codes(values, list(spec.choices)) if spec.kind == "choice"
                           else values)
    df = pd.DataFrame(data)
    if open_cases:
        for name, value in _OPEN_CASES.items():
            df[name] = (pd.Categorical([value] * n, categories=FIELDS[name].choices)
                        if FIELDS[name].kind == "choice" else value)
        guided = np.array([c for c in FIELDS["code"].choices if c in ("62321", "62323")])
        df["code"] = pd.Categorical(guided[rng.integers(0, len(guided), n)], categories=FIELDS["code"].choices)
    return _repair(df, ref)


def _table(choices: tuple[str, ...], subset: frozenset[str]) -> np.ndarray:
    return np.array([c in subset for c in choices])


def _repair(df: pd.DataFrame, ref: RefData) -> pd.DataFrame:
    """Put back to its default every value the validator names, until every row is valid."""
    for _ in range(len(REGISTRY)):
        checked = check_frame(df, ref)
        if not checked.bad.any():
            return df
        for name, problem in checked.cols.problem.items():
            _reset(df, problem >= 0, name)
        for rule, mask in checked.broken_rules():
            _reset(df, mask, rule.field)
    raise RuntimeError("could not draw valid scenarios")  # pragma: no cover - the loop converges


def _reset(df: pd.DataFrame, rows: np.ndarray, name: str) -> None:
    """Put a field back to its default in the given rows (NaN for a number with no default)."""
    if rows.any():
        d = FIELDS[name].default
        df.loc[rows, name] = np.nan if d is None and FIELDS[name].is_number else d


def scenario_rows(df: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of a random_frame as Scenario keyword arguments (NaN -> None, whole numbers as int)."""
    out = []
    for row in df.to_dict("records"):
        kw = {}
        for k, v in row.items():
            if v is None or (isinstance(v, float) and np.isnan(v)):
                kw[k] = None if FIELDS[k].default is None else FIELDS[k].default
            elif FIELDS[k].kind in ("count", "year"):
                kw[k] = int(v)
            elif FIELDS[k].kind == "flag":
                kw[k] = bool(v)
            else:
                kw[k] = v
        out.append(kw)
    return out
