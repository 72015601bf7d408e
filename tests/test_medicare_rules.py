"""Medicare coding and coverage rules, each checked against its source.

- 99153 (each further 15 minutes of moderate sedation) is paid only in an office: CMS's relative value
  file gives it the facility NA indicator and PC/TC indicator 3 (reference/cms/pfs2025/PPRRVU2025_Oct.csv,
  reference/cms/pfs2026/PPRRVU2026_Jul_nonQPP.csv); the MACs deny it in a facility (Palmetto GBA,
  "Moderate Sedation Services", palmettogba.com/palmetto/jmb.nsf/DID/AXBK432613).
- The MACs' epidural steroid injection LCDs require imaging guidance (e.g. L33906: "Procedures must be
  image-guided (CT/fluoroscopy with contrast unless contraindicated)", verity.backworkai.com/policy/L33906),
  so 62320/62322 under Medicare are priced as self-pay, like a session past the frequency limit.
- The MAC of a locality is its carrier's A/B MAC jurisdiction (CMS, "Who are the MACs"; JL includes, for
  Part B, Arlington and Fairfax counties and Alexandria in Virginia).
"""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator import cli
from estimator.batch import quote_frame
from estimator.databuild import mac
from estimator.inputs import fields
from estimator.quote import quote
from estimator.reference.tables import data_dir, load
from estimator.scenario import Scenario
from estimator.words import guidance

from .strategies import scenarios

AL = "35203"  # Birmingham, Alabama: locality 10112-00, Palmetto GBA (JJ)


def _cli_json(capsys, *args: str) -> dict:
    assert cli.main(["quote", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def _fee(code: str, year: int, locality: str, nonfacility: bool) -> float:
    """CMS's payment formula in decimal arithmetic, straight from the data tables."""
    rvu = pd.read_csv(data_dir() / "pfs_rvus.csv", dtype={"code": str}).set_index(["year", "code"]).loc[(year, code)]
    g = pd.read_csv(data_dir() / "gpci.csv", dtype={"carrier": str}).set_index(["year", "locality_key"]).loc[
        (year, locality)]
    d = lambda x: Decimal(str(x))  # noqa: E731
    pe = rvu["pe_rvu_nonfacility"] if nonfacility else rvu["pe_rvu_facility"]
    total = (d(rvu["work_rvu"]) * d(g["gpci_work"]) + d(pe) * d(g["gpci_pe"]) + d(rvu["mp_rvu"]) * d(g["gpci_mp"])
             ) * d(rvu["conversion_factor"])
    return float(total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- 99153 outside an office -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cms/pfs2025/PPRRVU2025_Oct.csv", "cms/pfs2026/PPRRVU2026_Jul_nonQPP.csv"])
def test_cms_rvu_file_gives_99153_no_facility_payment(reference: Path, name: str):
    with open(reference / name, newline="", encoding="latin-1") as fh:
        row = next(r for r in csv.reader(fh) if r and r[0] == "99153" and not r[1].strip())
    assert row[9] == "NA"  # FACILITY NA INDICATOR
    rvus = pd.read_csv(data_dir() / "pfs_rvus.csv", dtype={"code": str}, keep_default_na=False)
    assert set(rvus.loc[rvus["code"] == "99153", "facility_na"]) == {"NA"}
    assert set(rvus.loc[rvus["code"] != "99153", "facility_na"]) == {""}


@pytest.mark.parametrize("site", ["hopd", "asc"])
def test_no_99153_line_or_amount_in_a_hospital_or_surgery_center(capsys, site):
    q = _cli_json(capsys, "--zip", AL, "--site", site, "--sedation", "moderate", "--sedation-minutes", "30",
                  "--coverage", "medicare", "--year", "2026")
    prof = next(c for c in q["components"] if c["name"] == "professional")
    assert {li["code"]: li["units"] for li in prof["lines"]} == {"62321": 1, "99152": 1}
    expected = round(_fee("62321", 2026, "10112-00", False) + _fee("99152", 2026, "10112-00", False), 2)
    assert prof["medicare"] == expected == prof["allowed"]["typical"]
    assert "sedation_time_not_paid" in [w["code"] for w in q["warnings"]]
    note = next(w["message"] for w in q["warnings"] if w["code"] == "sedation_time_not_paid")
    assert "99153" in note and "office" in note
    sedation = next(w["message"] for w in q["warnings"] if w["code"] == "medicare_sedation")
    assert f"${_fee('99152', 2026, '10112-00', False):,.2f}" in sedation  # 99152 only


def test_99153_still_paid_in_an_office(capsys):
    q = _cli_json(capsys, "--zip", AL, "--site", "office", "--sedation", "moderate", "--sedation-minutes", "30",
                  "--coverage", "medicare", "--year", "2026")
    prof = next(c for c in q["components"] if c["name"] == "professional")
    assert {li["code"]: li["units"] for li in prof["lines"]} == {"62321": 1, "99152": 1, "99153": 1}
    assert prof["medicare"] == round(sum(_fee(c, 2026, "10112-00", True) for c in ("62321", "99152", "99153")), 2)
    assert "sedation_time_not_paid" not in [w["code"] for w in q["warnings"]]


def test_batch_prices_99153_only_in_an_office():
    base = {"zip": AL, "sedation": "moderate", "coverage": "medicare", "year": 2026}
    df = pd.DataFrame([{**base, "site": s, "sedation_minutes": m} for s in ("hopd", "asc", "office")
                       for m in (15, 30, 60)])
    out = quote_frame(df).set_index(["site", "sedation_minutes"])
    for site in ("hopd", "asc"):
        # 15, 30 or 60 minutes: only 99152 is paid, so the doctor's fee does not change
        assert out.loc[site, "professional_allowed_typical"].nunique() == 1
        assert out.loc[(site, 30), "professional_allowed_typical"] == pytest.approx(
            _fee("62321", 2026, "10112-00", False) + _fee("99152", 2026, "10112-00", False), abs=0.005)
    office = out.loc["office", "professional_allowed_typical"]
    assert office[60] - office[30] == pytest.approx(2 * _fee("99153", 2026, "10112-00", True), abs=0.005)


@settings(max_examples=150, deadline=None)
@given(scenarios(), st.integers(23, 240))
def test_extra_sedation_time_changes_nothing_outside_an_office(sc, minutes):
    sc = sc.changed(sedation="moderate", sedation_minutes=22)
    if sc.site == "office":
        sc = sc.changed(site="hopd")
    longer = quote(sc.changed(sedation_minutes=minutes))
    short = quote(sc)
    assert longer.total_allowed == short.total_allowed and longer.patient_pays == short.patient_pays
    assert "sedation_time_not_paid" in longer.warning_codes()


# --- Medicare without imaging ------------------------------------------------------------------------

@pytest.mark.parametrize("coverage", ["medicare", "medicare_advantage"])
@pytest.mark.parametrize("code", ["62320", "62322"])
def test_medicare_without_imaging_warns_and_is_priced_as_self_pay(capsys, coverage, code):
    q = _cli_json(capsys, "--zip", AL, "--code", code, "--site", "office", "--coverage", coverage,
                  "--year", "2026")
    cash = _cli_json(capsys, "--zip", AL, "--code", code, "--site", "office", "--coverage", "self_pay",
                     "--year", "2026")
    assert q["code"] == code and q["imaging"] == "none"
    w = next(w for w in q["warnings"] if w["code"] == "medicare_imaging_required")
    assert w["severity"] == "warning"
    assert "Medicare" in w["message"] and "imaging" in w["message"]
    assert f"${q['patient_pays']['typical']:,.2f}" in w["message"]  # about how much, from the quote
    abn = "Advance Beneficiary Notice" if coverage == "medicare" else "told you in writing before the visit"
    assert abn in w["message"] and abn in " ".join(q["steps"])
    # priced like the frequency-limit rule: the providers' cash prices, owed in full
    assert q["total_allowed"] == cash["total_allowed"] and q["patient_pays"] == cash["total_allowed"]
    assert q["plan_pays"] == dict.fromkeys(("low", "typical", "high"), 0.0)


def test_imaging_guided_medicare_and_commercial_without_imaging_have_no_such_warning(capsys):
    guided = _cli_json(capsys, "--zip", AL, "--coverage", "medicare", "--year", "2026")
    commercial = _cli_json(capsys, "--zip", AL, "--code", "62320", "--coverage", "commercial", "--year", "2026")
    for q in (guided, commercial):
        assert "medicare_imaging_required" not in [w["code"] for w in q["warnings"]]
    assert guided["plan_pays"]["typical"] > 0


def test_batch_prices_medicare_without_imaging_as_its_cash_price():
    rows = [{"zip": AL, "code": code, "coverage": cov, "site": "asc", "year": 2026}
            for code in ("62320", "62321") for cov in ("medicare", "self_pay")]
    out = quote_frame(pd.DataFrame(rows)).set_index(["code", "coverage"])
    cols = ["total_allowed_typical", "patient_pays_typical", "plan_pays_typical"]
    assert list(out.loc[("62320", "medicare"), cols]) == list(out.loc[("62320", "self_pay"), cols])
    assert out.loc[("62320", "medicare"), "plan_pays_typical"] == 0
    assert out.loc[("62321", "medicare"), "plan_pays_typical"] > 0


# --- the patient's Medicare contractor -----------------------------------------------------------------

@pytest.mark.parametrize(("zip_code", "carrier", "jurisdiction", "contractor"), [
    ("22201", "12202", "JL", "Novitas Solutions"),  # Arlington, VA: in JL for Part B (CMS)
    ("23219", "11302", "JM", "Palmetto GBA"),  # Richmond, VA
    (AL, "10112", "JJ", "Palmetto GBA"),
    ("90210", "01182", "JE", "Noridian Healthcare Solutions"),
])
def test_medicare_quote_names_the_localitys_contractor(capsys, zip_code, carrier, jurisdiction, contractor):
    q = _cli_json(capsys, "--zip", zip_code, "--coverage", "medicare", "--prior-sessions", "4", "--year", "2026")
    assert q["locality"]["carrier"] == carrier
    w = next(w["message"] for w in q["warnings"] if w["code"] == "frequency_limit_reached")
    assert contractor in w and f"jurisdiction {jurisdiction}" in w
    assert "L33906" not in json.dumps(q["warnings"])  # no LCD number without a source naming this MAC's
    assert any(contractor in s and "Who are the MACs" in s for s in q["sources"])


def test_every_locality_has_a_contractor(ref):
    assert {loc.carrier for loc in ref.localities} <= set(ref.macs)
    assert all(m.lcd_id == "" for m in ref.macs.values())  # none cited yet: named in words


def test_contractor_table_refuses_a_carrier_in_a_state_cms_does_not_list():
    with pytest.raises(ValueError, match="jurisdiction JL"):
        mac.mac_jurisdictions(pd.DataFrame({"carrier": ["12102"], "state": ["CA"]}))
    with pytest.raises(ValueError, match="no jurisdiction"):
        mac.mac_jurisdictions(pd.DataFrame({"carrier": ["99102"], "state": ["CA"]}))


# --- caveats about a year's figures, where that year is shown ------------------------------------------

def test_2026_hospital_rate_says_it_is_estimated_and_2025_does_not():
    q26 = quote(Scenario(zip=AL, site="hopd", year=2026))
    q25 = quote(Scenario(zip=AL, site="hopd", year=2025))
    notes = [w["message"] for w in q26.warnings if w["code"] == "year_estimate"]
    assert len(notes) == 1 and "2026 hospital rate is an estimate" in notes[0]
    assert "APC" not in notes[0] and "weight" not in notes[0]  # said in plain words to the patient
    key = f"facility:2026:hopd:{q26.scenario.billed_code}"
    assert "7.7664" in load().estimates[key]  # the technical note stays in the data
    assert "year_estimate" not in q25.warning_codes()
    assert "year_estimate" not in quote(Scenario(zip=AL, site="asc", year=2026)).warning_codes()


def test_2026_anesthesia_factor_caveat_only_where_scaled():
    published = quote(Scenario(zip=AL, site="office", sedation="anesthesia", year=2026))  # CMS's own row
    scaled = quote(Scenario(zip="90210", site="office", sedation="anesthesia", year=2026))
    assert "year_estimate" not in published.warning_codes()
    assert any("2026 anesthesia rate for your area is an estimate" in w["message"]
               for w in scaled.warnings if w["code"] == "year_estimate")


def test_resolved_gpci_caveat_is_gone_from_the_assumptions(ref):
    gpci = [a for a in ref.metadata["assumptions"] if a.startswith("CY2026 GPCI")]
    assert len(gpci) == 1 and "no estimate" in gpci[0] and "transcription" not in gpci[0]


# --- words: the hospital-owned clinic and ZIP+4 -----------------------------------------------------------

def test_hospital_owned_clinic_in_site_help_and_questions():
    site = next(s for s in fields.REGISTRY if s.name == "site")
    assert "provider-based" in site.help and "hospital outpatient department" in site.help
    doctor = " ".join(guidance.questions(Scenario(zip=AL))["doctor"])
    assert "part of a hospital" in doctor and "separate facility fee" in doctor


def test_zip_help_and_messages_mention_zip_plus_4(capsys):
    z = next(s for s in fields.REGISTRY if s.name == "zip")
    assert "ZIP+4" in z.help and "ZIP+4" in z.example
    assert cli.main(["quote", "--zip", "3520"]) != 0
    assert "ZIP+4" in capsys.readouterr().err
