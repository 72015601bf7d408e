"""Medicare reference prices against CMS's published amounts and an independent computation."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from estimator.pricing import fee_schedule
from estimator.reference.tables import PROCEDURE_CODES, YEARS, data_dir

from .conftest import run_cli

# CMS Physician Fee Schedule look-up, CY2025, Alabama (locality 10112-00): non-facility / facility.
CMS_ALABAMA_2025 = {"62321": (224.68, 96.78), "62320": (139.05, 88.45),
                    "62322": (116.08, 70.82), "62323": (220.48, 89.49)}


@pytest.mark.parametrize("code", sorted(CMS_ALABAMA_2025))
@pytest.mark.parametrize("site", ["office", "asc"])
def test_cms_published_alabama_amounts_through_the_cli(code, site):
    imaging = "fluoroscopy" if code in ("62321", "62323") else "none"
    r = run_cli("quote", "--json", "--zip", "35203", "--code", code, "--imaging", imaging, "--site", site,
                "--coverage", "medicare", "--year", "2025")
    assert r.returncode == 0, r.stderr
    q = json.loads(r.stdout)
    prof = next(c for c in q["components"] if c["name"] == "professional")
    expected = CMS_ALABAMA_2025[code][0 if site == "office" else 1]
    assert prof["medicare"] == expected
    if imaging != "none":  # without imaging Medicare's LCDs do not cover it: priced as self-pay
        assert prof["allowed"] == {"low": expected, "typical": expected, "high": expected}
    assert q["code"] == code


def _independent_fee(rvu: pd.Series, gpci: pd.Series, nonfacility: bool) -> float:
    """CMS's formula in decimal arithmetic, straight from the data tables."""
    d = lambda x: Decimal(str(x))  # noqa: E731
    pe = rvu["pe_rvu_nonfacility"] if nonfacility else rvu["pe_rvu_facility"]
    total = (d(rvu["work_rvu"]) * d(gpci["gpci_work"]) + d(pe) * d(gpci["gpci_pe"])
             + d(rvu["mp_rvu"]) * d(gpci["gpci_mp"])) * d(rvu["conversion_factor"])
    return float(total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_every_locality_code_setting_and_year_matches_decimal_arithmetic(ref):
    rvus = pd.read_csv(data_dir() / "pfs_rvus.csv", dtype={"code": str})
    gpci = pd.read_csv(data_dir() / "gpci.csv", dtype=str)
    checked = 0
    for y, year in enumerate(YEARS):
        g = gpci[gpci["year"] == str(year)].set_index("locality_key")
        for code in ref.pfs_codes:
            rvu = rvus[(rvus["year"] == year) & (rvus["code"] == code)].iloc[0]
            for nonfac in (True, False):
                locs = np.arange(len(ref.localities))
                ours = fee_schedule.pfs_cents(ref, np.full(len(locs), y), locs, code,
                                              np.full(len(locs), nonfac)) / 100
                for i, loc in enumerate(ref.localities):
                    assert ours[i] == _independent_fee(rvu, g.loc[loc.key], nonfac), (year, code, loc.key)
                    checked += 1
    assert checked == len(YEARS) * len(ref.pfs_codes) * 2 * len(ref.localities)


def test_moderate_sedation_units_follow_the_cpt_time_table():
    minutes = np.array([0, 9, 10, 22, 23, 37, 38, 52, 53, 67, 68])
    first, extra = fee_schedule.sedation_units(minutes)
    assert first.tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert extra.tolist() == [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4]


def test_anesthesia_is_base_plus_time_units_times_the_locality_factor(ref):
    # Alabama CY2025 anesthesia CF $19.31; 01937 has 4 base units; 30 minutes = 2.0 time units.
    al = ref.locality_index["10112-00"]
    rc = fee_schedule.reference_cents(ref, np.array([0]), np.array([al]), np.array([1]), np.array([0]),
                                      np.array([2]), np.array([15]), np.array([30]))
    assert rc["anesthesia"][0] == round((4 + 2.0) * 19.31 * 100)
    rc = fee_schedule.reference_cents(ref, np.array([0]), np.array([al]), np.array([1]), np.array([0]),
                                      np.array([2]), np.array([15]), np.array([37]))
    assert rc["anesthesia_units_tenths"][0] == 65  # 37 / 15 = 2.47 -> 2.5 time units
    assert rc["anesthesia"][0] == round(6.5 * 1931)


def test_hospital_facility_fee_is_the_wage_adjusted_apc_rate(ref):
    # APC 5442 CY2025 $692.52, 60% labor share, Alabama PE GPCI 0.869.
    al = ref.locality_index["10112-00"]
    rc = fee_schedule.reference_cents(ref, np.array([0]), np.array([al]), np.array([1]), np.array([0]),
                                      np.array([0]), np.array([15]), np.array([30]))
    expected = Decimal("692.52") * (Decimal("0.6") * Decimal("0.869") + Decimal("0.4"))
    assert rc["facility"][0] / 100 == float(expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_no_facility_fee_in_an_office_and_codes_are_all_priced(ref):
    n = len(PROCEDURE_CODES)
    rc = fee_schedule.reference_cents(ref, np.zeros(n, int), np.zeros(n, int), np.arange(n),
                                      np.full(n, 2), np.zeros(n, int), np.full(n, 15), np.full(n, 30))
    assert (rc["facility"] == 0).all() and (rc["professional"] > 0).all() and (rc["anesthesia"] == 0).all()


def _cents(x: Decimal) -> float:
    return float(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("code", ["62321", "62323"])  # Medicare covers only the imaging-guided codes
@pytest.mark.parametrize("site", ["office", "asc"])
def test_non_participating_amount_and_limiting_charge_from_cms_published_amounts(code, site, ref):
    """Social Security Act 1848: a non-participating doctor is approved 95% of the published amount and,
    not accepting assignment, may charge at most 115% of that (109.25% of the published amount)."""
    imaging = "fluoroscopy"
    published = Decimal(str(CMS_ALABAMA_2025[code][0 if site == "office" else 1]))
    nonpar = Decimal(str(ref.param("medicare_nonpar_pct", 2025))) / 100
    limit = Decimal(str(ref.param("medicare_limiting_charge_pct", 2025))) / 100
    assert (nonpar, limit) == (Decimal("0.95"), Decimal("1.15"))
    for provider, billed in (("nonpar_assigned", None), ("nonpar_unassigned", published * nonpar * limit)):
        r = run_cli("quote", "--json", "--zip", "35203", "--code", code, "--imaging", imaging, "--site", site,
                    "--coverage", "medicare", "--year", "2025", "--medicare-provider", provider)
        assert r.returncode == 0, r.stderr
        prof = next(c for c in json.loads(r.stdout)["components"] if c["name"] == "professional")
        assert prof["medicare"] == float(published)
        assert prof["allowed"]["typical"] == _cents(published * nonpar)
        if billed is not None:
            assert prof["billed"] == dict.fromkeys(("low", "typical", "high"), _cents(billed))
