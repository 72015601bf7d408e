"""The DataFrame API gives the same numbers as the single-quote API, and handles bad rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.batch import output_columns, quote_frame
from estimator.inputs.fields import REGISTRY
from estimator.inputs.validation import check_values
from estimator.pricing.cases import CASES
from estimator.quote import quote
from estimator.reference.tables import load
from estimator.scenario import Scenario

from .strategies import random_scenarios, scenarios
from .test_fields import field_text

_REF = load()


def _expected(sc: Scenario) -> list[float]:
    q = quote(sc)
    comps = {c["name"]: c for c in q.components}
    out = []
    for name in ("professional", "facility", "anesthesia"):
        for kind in ("allowed", "billed"):
            band = comps[name][kind] if name in comps else {"low": 0.0, "typical": 0.0, "high": 0.0}
            out += [band["low"], band["typical"], band["high"]]
    for band in (q.total_allowed, q.total_billed, q.patient_pays, q.plan_pays):
        out += [band["low"], band["typical"], band["high"]]
    for case in CASES:  # each case left open (blank where the scenario left it closed)
        band = q.patient_pays_if.get(case, {"low": np.nan, "typical": np.nan, "high": np.nan})
        out += [band["low"], band["typical"], band["high"]]
    return out


def test_batch_equals_single_quotes_on_thousands_of_random_scenarios():
    scs = random_scenarios(4000, seed=2026)
    df = pd.DataFrame([sc.to_dict() for sc in scs])
    out = quote_frame(df)
    assert (out["status"] == "ok").all(), out.loc[out["status"] != "ok", "error"].head().tolist()
    got = out[output_columns()].to_numpy()
    want = np.array([_expected(sc) for sc in scs])
    np.testing.assert_allclose(got, want, atol=0.005, rtol=0)
    assert (out["billed_code"].to_numpy() == np.array([sc.billed_code for sc in scs])).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scs=st.lists(scenarios(allow_overrides=True), min_size=1, max_size=6))
def test_each_single_quote_is_its_row_of_the_batch_exactly(scs):
    """The two paths (one scenario through quote(), many through quote_frame) give the same cents,
    exactly, for scenarios drawn over every field the registry has (but the named hospital, tested
    below), each case left open included; the rows of a batch do not change one another."""
    out = quote_frame(pd.DataFrame([sc.to_dict() for sc in scs]))
    assert (out["status"] == "ok").all()
    got = out[output_columns()].to_numpy()
    want = np.array([_expected(sc) for sc in scs])
    assert np.array_equal(got, want, equal_nan=True), np.argwhere(~np.isclose(got, want, equal_nan=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_refused_row_has_the_single_validators_words(data):
    """Raw text in any registry field, valid or not: the batch refuses exactly the rows the single
    validator refuses, with the same words."""
    rows = []
    for _ in range(data.draw(st.integers(1, 4))):
        names = data.draw(st.lists(st.sampled_from([f.name for f in REGISTRY]), max_size=6, unique=True))
        rows.append({"zip": "35203"} | {name: data.draw(field_text(name)) for name in names})
    out = quote_frame(pd.DataFrame(rows, dtype=object))
    for i, row in enumerate(rows):
        errors = check_values(row, _REF)[1]
        assert out.loc[i, "error"] == "; ".join(str(e) for e in errors), row
        assert (out.loc[i, "status"] == "error") == bool(errors)


def test_bad_rows_get_their_own_message_and_do_not_stop_the_rest():
    df = pd.DataFrame([
        {"zip": "35203", "coverage": "medicare", "site": "office", "year": 2025},
        {"zip": "00000"},
        {"zip": "35203", "coinsurance": 150},
        {"zip": "35203", "site": "spa"},
        {"zip": "35203", "deductible": -1},
        {"zip": "35203", "deductible": "abc"},
        {"zip": "35203", "state": "AL"},
        {"state": "ZZ"},
        {"locality": "99999-99"},
        {"zip": "35203", "coverage": "medicaid", "network": "out"},
        {"zip": "35203", "deductible": 100, "deductible_met": 200},
        {"zip": "35203", "year": 2019},
        {"zip": "35203", "sedation_minutes": 12.5},
    ])
    out = quote_frame(df)
    assert out["status"].tolist() == ["ok"] + ["error"] * (len(df) - 1)
    assert out.loc[0, "professional_allowed_typical"] == 224.68
    fields = ["zip", "coinsurance", "site", "deductible", "deductible", "zip", "state", "locality", "network",
              "deductible_met", "year", "sedation_minutes"]
    for i, field in enumerate(fields, start=1):
        assert out.loc[i, "error"].startswith(field + ":"), (i, out.loc[i, "error"])
    assert out.loc[1:, output_columns()].isna().all().all()


def test_batch_error_flags_agree_with_the_single_validator():
    rng = np.random.default_rng(7)
    n = 3000
    df = pd.DataFrame({
        "zip": rng.choice(["35203", "10001", "99999", "", "abcde", "9021"], n),
        "state": rng.choice(["", "", "", "CA", "XX"], n),
        "coverage": rng.choice(["commercial", "medicare", "medicaid", "self_pay", "bogus"], n),
        "network": rng.choice(["in", "out"], n),
        "coinsurance": rng.choice([np.nan, 20, 150, -3], n),
        "deductible": rng.choice([np.nan, 500], n),
        "deductible_met": rng.choice([0, 100, 900], n),
        "medigap": rng.choice(["none", "g"], n),
        "medicare_provider": rng.choice(["participating", "nonpar_assigned", "nonpar_unassigned", "nope"], n),
    })
    out = quote_frame(df)
    for i in range(n):
        row = {k: (None if pd.isna(v) or v == "" else v) for k, v in df.iloc[i].items()}
        if row["coinsurance"] is not None:
            row["coinsurance"] = float(row["coinsurance"])
        if row["deductible"] is not None:
            row["deductible"] = float(row["deductible"])
        row["deductible_met"] = float(row["deductible_met"])
        try:
            quote(Scenario(**row))
            ok = True
        except ValueError:
            ok = False
        assert (out.loc[i, "status"] == "ok") == ok, (i, row, out.loc[i, "error"])


def test_categorical_and_string_columns_give_the_same_result():
    df = pd.DataFrame({"zip": ["35203", "60612"] * 50, "site": ["hopd", "office"] * 50,
                       "coverage": ["commercial", "self_pay"] * 50, "deductible": [1000.0, np.nan] * 50})
    a = quote_frame(df)
    cat = df.astype({"site": "category", "coverage": "category"})
    b = quote_frame(cat)
    pd.testing.assert_frame_equal(a[output_columns()], b[output_columns()])


def test_batch_equals_single_quotes_at_named_hospitals():
    """A named hospital (and an insurer's name) is priced by the same engine path in both APIs."""
    from dataclasses import replace

    ccns = ["010001", "490002", "490019", "490013", "010005", "050056"]
    scs = [replace(sc, hospital=ccns[i % len(ccns)],
                   payer=(["aetna", "United Healthcare", "nobody"][i % 3] if sc.coverage == "commercial" and i % 2
                          else None))
           for i, sc in enumerate(random_scenarios(1500, seed=11)) if sc.site == "hopd"]
    assert len(scs) > 100
    df = pd.DataFrame([sc.to_dict() for sc in scs])
    out = quote_frame(df)
    assert (out["status"] == "ok").all(), out.loc[out["status"] != "ok", "error"].head().tolist()
    want = np.array([_expected(sc) for sc in scs])
    np.testing.assert_allclose(out[output_columns()].to_numpy(), want, atol=0.005, rtol=0)
