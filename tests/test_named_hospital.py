"""A named hospital (``--hospital CCN``): its published prices set the facility fee."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator import cli, gfe
from estimator.batch import output_columns, quote_frame
from estimator.hospital_files import import_files, store
from estimator.quote import quote
from estimator.scenario import Scenario, ScenarioError

from .conftest import ROOT
from .test_batch import _expected

DATA = ROOT / "data"
FIXTURES = Path(__file__).parent / "fixtures" / "hospital_prices"
PRICES = pd.read_csv(DATA / "hospital_prices.csv", dtype={"ccn": str, "code": str})
RATES = pd.read_csv(DATA / "hospital_payer_rates.csv", dtype={"ccn": str, "code": str})
HOSPITALS = pd.read_csv(DATA / "hospitals.csv", dtype={"ccn": str, "zip": str})


def _published(ccn: str, code: str = "62321") -> pd.Series:
    return PRICES[(PRICES["ccn"] == ccn) & (PRICES["code"] == code)].iloc[0]


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert cli.main(["quote", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _cli_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli.main(["quote", *args]) == 2
    return capsys.readouterr().err


@pytest.fixture(autouse=True)
def _no_imported_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no clinic's imported hospital files (an empty var/ folder)."""
    monkeypatch.delenv("ESTIMATOR_DATA_DIR", raising=False)
    monkeypatch.setattr(store, "DEFAULT_DIR", tmp_path / "var")


def _facility(q: dict) -> dict:
    return next(c for c in q["components"] if c["name"] == "facility")


# -- the done-when check ------------------------------------------------------------------------------
def test_self_pay_at_southeast_health_is_its_published_cash_price(capsys: pytest.CaptureFixture[str]) -> None:
    q = _cli_json(capsys, "--hospital", "010001", "--coverage", "self_pay", "--site", "hopd")
    row = _published("010001")
    cash = float(row["cash_price"])
    assert cash == 469.68
    assert _facility(q)["allowed"] == {"low": cash, "typical": cash, "high": cash}
    assert _facility(q)["billed"]["typical"] == float(row["gross_charge"])
    h = q["hospital"]
    assert h["ccn"] == "010001" and h["name"] == "SOUTHEAST HEALTH MEDICAL CENTER"
    assert (h["city"], h["state"], h["file_date"]) == ("DOTHAN", "AL", row["file_date"])
    assert h["figure"] == cash and h["basis"] == "published cash price"
    assert q["locality"]["query"] == "36301"  # priced where the hospital is when no place is given
    assert any("Southeast Health Medical Center" in s and "2026-01-20" in s for s in q["steps"])
    assert any("CCN 010001" in s and "cash price" in s for s in q["sources"])
    assert "hospital_price_not_published" not in [w["code"] for w in q["warnings"]]


def test_without_a_hospital_the_json_has_no_hospital_key(capsys: pytest.CaptureFixture[str]) -> None:
    q = _cli_json(capsys, "--zip", "36301", "--coverage", "self_pay", "--site", "hopd")
    assert "hospital" not in q
    assert _facility(q)["allowed"]["typical"] != 469.68


# -- each coverage -------------------------------------------------------------------------------------
def test_commercial_in_network_is_the_negotiated_range() -> None:
    row = _published("490019")
    q = quote(Scenario(hospital="490019", site="hopd", coverage="commercial", deductible=0, coinsurance=20))
    fac = next(c for c in q.components if c["name"] == "facility")
    assert fac["allowed"] == {"low": row["negotiated_min"], "typical": row["commercial_median"],
                              "high": row["negotiated_max"]}
    assert q.hospital["basis"].startswith("published range of negotiated rates")


def test_a_named_payer_gets_its_own_rate_matched_ignoring_case(capsys: pytest.CaptureFixture[str]) -> None:
    hits = RATES[(RATES["ccn"] == "490002") & (RATES["code"] == "62321") & (RATES["plan_type"] == "commercial")
                 & (RATES["payer_name"].str.casefold() == "aetna")]
    rate = float(hits["amount_usd"].median())
    q = _cli_json(capsys, "--hospital", "490002", "--site", "hopd", "--coverage", "commercial",
                  "--payer", "aEtNa")
    assert _facility(q)["allowed"] == {"low": rate, "typical": rate, "high": rate}
    assert q["hospital"]["payer"] == "AETNA" and q["hospital"]["figure"] == rate
    # a payer the hospital does not list: its negotiated range
    q = _cli_json(capsys, "--hospital", "490002", "--site", "hopd", "--coverage", "commercial",
                  "--payer", "No Such Insurer")
    row = _published("490002")
    assert _facility(q)["allowed"]["low"] == row["negotiated_min"]
    assert _facility(q)["allowed"]["high"] == row["negotiated_max"]


@pytest.mark.parametrize("coverage", ["medicare", "medicare_advantage"])
def test_medicare_keeps_its_own_rate(coverage: str) -> None:
    base = quote(Scenario(zip="36301", site="hopd", coverage=coverage))
    named = quote(Scenario(zip="36301", site="hopd", coverage=coverage, hospital="010001"))
    assert named.components[1]["allowed"] == base.components[1]["allowed"]
    assert named.components[0] == base.components[0]  # the doctor's bill as before
    assert named.components[1]["billed"]["typical"] == float(_published("010001")["gross_charge"])


def test_the_professional_and_anesthesia_bills_are_unchanged() -> None:
    kw = {"zip": "36301", "site": "hopd", "coverage": "self_pay", "sedation": "anesthesia"}
    base, named = quote(Scenario(**kw)), quote(Scenario(**kw, hospital="010001"))
    by = lambda q: {c["name"]: c for c in q.components}  # noqa: E731
    assert by(named)["professional"] == by(base)["professional"]
    assert by(named)["anesthesia"] == by(base)["anesthesia"]
    assert by(named)["facility"]["allowed"]["typical"] == 469.68


def test_an_entered_facility_allowed_amount_still_wins() -> None:
    q = quote(Scenario(zip="36301", site="hopd", coverage="self_pay", hospital="010001", allowed_facility=300))
    assert q.components[1]["allowed"]["typical"] == 300


def test_a_hospital_without_a_published_price_gets_the_local_band_and_a_warning(
        capsys: pytest.CaptureFixture[str]) -> None:
    ccn = "010005"
    assert ccn in set(HOSPITALS["ccn"]) and PRICES[PRICES["ccn"] == ccn].empty
    base = _cli_json(capsys, "--zip", "35957", "--site", "hopd", "--coverage", "self_pay")
    q = _cli_json(capsys, "--hospital", ccn, "--zip", "35957", "--site", "hopd", "--coverage", "self_pay")
    assert _facility(q)["allowed"] == _facility(base)["allowed"]
    (w,) = [w for w in q["warnings"] if w["code"] == "hospital_price_not_published"]
    assert "Marshall Medical Centers" in w["message"]
    assert q["hospital"]["figure"] is None and q["hospital"]["published"] is False


def test_an_unknown_ccn_is_refused_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    err = _cli_error(capsys, "--hospital", "999999", "--zip", "36301", "--site", "hopd")
    assert err.startswith("error: --hospital:") and "999999" in err
    err = _cli_error(capsys, "--hospital", "01-001", "--zip", "36301", "--site", "hopd")
    assert err.startswith("error: --hospital:")


@pytest.mark.parametrize("site", ["asc", "office"])
def test_a_hospital_with_another_site_is_refused(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = _cli_error(capsys, "--hospital", "010001", "--zip", "36301", "--site", site)
    assert err.startswith("error: --hospital:") and "hopd" in err


def test_a_payer_changes_nothing_but_a_named_hospitals_commercial_rate() -> None:
    kw = {"zip": "23219", "site": "hopd"}
    for cov in ("self_pay", "medicare", "commercial"):
        assert quote(Scenario(**kw, coverage=cov, payer="Aetna")).total_allowed == \
            quote(Scenario(**kw, coverage=cov)).total_allowed
    assert quote(Scenario(**kw, coverage="self_pay", payer="Aetna", hospital="490002")).components[1][
        "allowed"]["typical"] == float(_published("490002")["cash_price"])
    with pytest.raises(ScenarioError) as e:
        quote(Scenario(**kw, payer="=HYPERLINK(1)"))
    assert e.value.errors[0].field == "payer"


# -- a clinic's imported files come first ------------------------------------------------------------------
def test_the_clinics_imported_file_takes_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (FIXTURES / "tall_v2.csv").read_text().splitlines()
    text[0] += ",ccn"
    text[1] += ",050056"
    (tmp_path / "f.csv").write_text("\n".join(text) + "\n")
    import_files([tmp_path / "f.csv"])  # into the (empty) var/ folder
    from estimator.hospital_files import load_hospital_prices

    mine = load_hospital_prices()
    mine = mine[(mine["code"] == "62321") & (mine["setting"] != "inpatient")]
    cash = float(mine["cash"].max())
    assert cash != float(_published("050056")["cash_price"])
    q = quote(Scenario(site="hopd", coverage="self_pay", hospital="050056"))
    assert q.components[1]["allowed"]["typical"] == cash
    assert q.hospital["origin"] == "imported"
    # a code the imported file does not have falls back to the published table
    q = quote(Scenario(site="hopd", coverage="self_pay", hospital="050056", code="62320"))
    if mine[mine["code"] == "62320"].empty:
        assert q.hospital["origin"] == "published"


# -- batch == single ------------------------------------------------------------------------------------
def test_batch_equals_single_with_named_hospitals() -> None:
    rng = np.random.default_rng(7)
    ccns = ["010001", "490002", "490019", "490013", "010005", "050056"]
    rows = []
    for i in range(60):
        cov = ["self_pay", "commercial", "medicare", "medicare_advantage", "medicaid"][i % 5]
        row = {"site": "hopd", "coverage": cov, "hospital": ccns[rng.integers(len(ccns))],
               "code": ["62321", "62320", "62323"][rng.integers(3)],
               "sedation": ["local", "moderate", "anesthesia"][rng.integers(3)]}
        if i % 3:
            row["zip"] = ["36301", "23219", "93534"][rng.integers(3)]
        if cov == "commercial":
            row |= {"deductible": 500.0, "coinsurance": 20.0, "network": ["in", "out"][rng.integers(2)]}
            if rng.random() < 0.5:
                row["payer"] = ["aetna", "United Healthcare", "nobody"][rng.integers(3)]
        if rng.random() < 0.2:
            row["billed"] = 5000.0
        rows.append(row)
    df = pd.DataFrame(rows)
    out = quote_frame(df)
    assert (out["status"] == "ok").all(), out.loc[out["status"] != "ok", "error"].head().tolist()
    want = np.array([_expected(Scenario(**{k: v for k, v in r.items() if not pd.isna(v)})) for r in rows])
    np.testing.assert_allclose(out[output_columns()].to_numpy(), want, atol=0.005, rtol=0)


def test_batch_refuses_a_bad_hospital_row_by_row() -> None:
    df = pd.DataFrame([{"zip": "36301", "site": "hopd", "hospital": "010001"},
                       {"zip": "36301", "site": "hopd", "hospital": "999999"},
                       {"zip": "36301", "site": "asc", "hospital": "010001"}])
    out = quote_frame(df)
    assert out["status"].tolist() == ["ok", "error", "error"]
    assert out.loc[1, "error"].startswith("hospital:") and out.loc[2, "error"].startswith("hospital:")


# -- a Good Faith Estimate at a named hospital ----------------------------------------------------------
def test_gfe_facility_line_is_the_hospitals_cash_price() -> None:
    case = json.loads((ROOT / "examples" / "gfe_case.json").read_text())
    d = copy.deepcopy(case)
    d["scenario"] = {"site": "hopd", "coverage": "self_pay", "hospital": "010001", "zip": "36301"}
    d["cash_prices"] = {"professional": 250.0}  # the physician's own; the facility's is the hospital's
    q, lines = gfe.build(gfe.GfeCase.from_dict(d, ROOT / "examples"))
    fac = [li for li in lines if li.role == "facility"]
    assert fac and sum(li.amount for li in fac) == pytest.approx(469.68)
    assert q.hospital["ccn"] == "010001"


_CASH = PRICES[PRICES["cash_price"].notna() & PRICES["ccn"].isin(set(HOSPITALS["ccn"]))][
    ["ccn", "code", "cash_price", "gross_charge"]].drop_duplicates(["ccn", "code"])


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(list(_CASH.itertuples(index=False))))
def test_any_published_cash_price_is_the_self_pay_facility_fee(row) -> None:
    q = quote(Scenario(site="hopd", coverage="self_pay", hospital=row.ccn, code=row.code,
                       imaging="fluoroscopy" if row.code in ("62321", "62323") else "none"))
    fac = q.components[1]
    assert fac["allowed"]["typical"] == pytest.approx(row.cash_price, abs=0.005)
    assert fac["billed"]["typical"] >= fac["allowed"]["typical"]
    if not pd.isna(row.gross_charge) and row.gross_charge >= row.cash_price:
        assert fac["billed"]["typical"] == pytest.approx(row.gross_charge, abs=0.005)


def test_comparing_sites_keeps_the_hospital_only_at_its_outpatient_department() -> None:
    from estimator.planning import compare

    sc = Scenario(zip="36301", site="hopd", coverage="self_pay", hospital="010001")
    assert sc.changed(site="asc").hospital is None and sc.changed(coverage="commercial").hospital == "010001"
    table = compare.by_site(sc).set_index("site")
    assert table.loc["hopd", "facility_allowed_typical"] == 469.68
    assert (table["status"] == "ok").all()
    assert set(table.index) == {"hopd", "asc", "office"}
