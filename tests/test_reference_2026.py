"""CY2026 Medicare reference prices, the surgery-center rate and ZIP+4 localities, checked straight
against the CMS reference files (read here independently of the data build)."""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimator import cli
from estimator.pricing import fee_schedule
from estimator.quote import quote
from estimator.reference import geography
from estimator.reference.tables import PROCEDURE_CODES, YEARS, data_dir
from estimator.scenario import Scenario

CODES_2026 = ("62320", "62321", "62322", "62323", "99152", "99153")
CENT = Decimal("0.01")


def _cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _rvus_2026(reference: Path) -> dict[str, dict[str, Decimal]]:
    """Work, PE (non-facility, facility), MP RVUs and the CF from the raw CY2026 RVU file.

    Column positions are those of the RVU26 layout (with its PRIC IND column), fixed here on purpose
    so that this reading is independent of the build's header search.
    """
    out = {}
    with open(reference / "cms/pfs2026/PPRRVU2026_Jul_nonQPP.csv", newline="", encoding="latin-1") as fh:
        rows = list(csv.reader(fh))
    header = next(r for r in rows if r and r[0] == "HCPCS")
    assert header[:3] == ["HCPCS", "MOD", "DESCRIPTION"]
    for r in rows:
        if r and r[0] in CODES_2026 and not r[1].strip():
            out[r[0]] = {"row": r}
    assert set(out) == set(CODES_2026)
    return out


def _gpci_2026(reference: Path) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    df = pd.read_csv(reference / "cms/pfs2026/GPCI2026_values.csv", skiprows=1, dtype=str)
    return {f"{int(r.mac):05d}-{int(r.locality):02d}": (Decimal(r.pw_gpci_with_floor), Decimal(r.pe_gpci),
                                                         Decimal(r.mp_gpci)) for r in df.itertuples()}


def test_cy2026_gpci_transcription_equals_cms_rows(reference):
    gpci = _gpci_2026(reference)
    with open(reference / "cms/pfs2026/GPCI2026_cms_rows.csv", newline="") as fh:
        cms_rows = [r for r in csv.reader(fh) if r and r[0].strip().isdigit()]
    assert len(cms_rows) == 3
    for r in cms_rows:
        assert gpci[f"{int(r[0]):05d}-{int(r[2]):02d}"] == tuple(Decimal(x) for x in r[4:7])


def test_cy2026_amounts_in_every_locality_match_decimal_arithmetic_from_the_cms_files(ref, reference):
    raw = _rvus_2026(reference)
    pfs = pd.read_csv(data_dir() / "pfs_rvus.csv", dtype={"code": str})
    gpci = _gpci_2026(reference)
    assert len(gpci) == len(ref.localities) == 109
    y = YEARS.index(2026)
    checked = 0
    for code in CODES_2026:
        row = raw[code]["row"]
        built = pfs[(pfs["year"] == 2026) & (pfs["code"] == code)].iloc[0]
        # the raw row holds the same numbers the build kept (work, PE non-facility, PE facility, MP, CF)
        for col in ("work_rvu", "pe_rvu_nonfacility", "pe_rvu_facility", "mp_rvu", "conversion_factor"):
            assert str(Decimal(str(built[col])).normalize()) in {str(Decimal(c).normalize())
                                                                 for c in row if c.strip()
                                                                 and c.strip().replace(".", "").isdigit()}
        work, pe_nf, pe_f, mp, cf = (Decimal(str(built[c])) for c in
                                     ("work_rvu", "pe_rvu_nonfacility", "pe_rvu_facility", "mp_rvu",
                                      "conversion_factor"))
        assert cf == Decimal("33.4009")
        locs = np.arange(len(ref.localities))
        for nonfac, pe in ((True, pe_nf), (False, pe_f)):
            ours = fee_schedule.pfs_cents(ref, np.full(len(locs), y), locs, code, np.full(len(locs), nonfac))
            for i, loc in enumerate(ref.localities):
                gw, gp, gm = gpci[loc.key]
                expected = _cents((work * gw + pe * gp + mp * gm) * cf)
                assert Decimal(int(ours[i])) / 100 == expected, (code, nonfac, loc.key)
                checked += 1
    assert checked == len(CODES_2026) * 2 * 109


def test_62321_alabama_2026_is_cms_published_amount(ref):
    al = ref.locality_index["10112-00"]
    y = np.array([YEARS.index(2026)])
    assert fee_schedule.pfs_cents(ref, y, np.array([al]), "62321", True)[0] == 24806
    assert fee_schedule.pfs_cents(ref, y, np.array([al]), "62321", False)[0] == 8966


def test_cli_quote_2026_office_professional_amount(capsys):
    code = cli.main(["quote", "--zip", "35203", "--site", "office", "--coverage", "medicare", "--year", "2026",
                     "--json"])
    assert code == 0
    q = json.loads(capsys.readouterr().out)
    prof = next(c for c in q["components"] if c["name"] == "professional")
    assert prof["medicare"] == 248.06
    assert prof["allowed"] == dict.fromkeys(("low", "typical", "high"), 248.06)


def _addendum_aa(reference: Path, name: str) -> dict[str, tuple[str, Decimal]]:
    out = {}
    with open(reference / "cms/asc" / name, newline="", encoding="latin-1") as fh:
        for r in csv.reader(fh):
            if r and r[0] in PROCEDURE_CODES:
                out[r[0]] = (r[4].strip(), Decimal(r[6].strip().lstrip("$")))
    return out


@pytest.mark.parametrize("year,files", [(2025, ("ASC_AA_2025_January.csv", "ASC_AA_2025_October.csv")),
                                        (2026, ("ASC_AA_2026_January.csv",))])
def test_asc_rates_are_addendum_aa(year, files, reference):
    fac = pd.read_csv(data_dir() / "facility_rates.csv", dtype={"code": str})
    aa_table = pd.read_csv(data_dir() / "asc_rates.csv", dtype={"code": str})
    for f in files:
        aa = _addendum_aa(reference, f)
        assert set(aa) == set(PROCEDURE_CODES)
        for code, (indicator, rate) in aa.items():
            built = fac[(fac["year"] == year) & (fac["site"] == "asc") & (fac["code"] == code)].iloc[0]
            assert Decimal(str(built["national_rate"])) == rate
            assert indicator in built["method"]
            row = aa_table[(aa_table["year"] == year) & (aa_table["code"] == code)
                           & (aa_table["release"] == f[7:-4])].iloc[0]
            assert (row["payment_indicator"], Decimal(str(row["national_rate"]))) == (indicator, rate)
    published = {2025: {"62321": "371.75", "62322": "477.94"}, 2026: {"62321": "387.46", "62322": "485.51"}}
    for code, rate in published[year].items():
        assert aa[code] == ("G2", Decimal(rate))


def test_asc_facility_fee_is_rate_times_half_wage_index_plus_half_in_every_locality(ref):
    wi = pd.read_csv(data_dir() / "asc_wage_index.csv", dtype=str)
    rates = {2025: Decimal("371.75"), 2026: Decimal("387.46")}
    n = len(ref.localities)
    for year, rate in rates.items():
        w = wi[wi["year"] == str(year)].set_index("locality_key")["wage_index"]
        rc = fee_schedule.reference_cents(ref, np.full(n, YEARS.index(year)), np.arange(n),
                                          np.full(n, PROCEDURE_CODES.index("62321")),
                                          np.full(n, fee_schedule.SITE_ASC), np.zeros(n, int),
                                          np.zeros(n, int), np.zeros(n, int))
        for i, loc in enumerate(ref.localities):
            expected = _cents(rate * (Decimal("0.5") * Decimal(w[loc.key]) + Decimal("0.5")))
            assert Decimal(int(rc["facility"][i])) / 100 == expected, (year, loc.key)


def test_surgery_center_medicare_quote_is_built_on_the_2026_addendum_aa_rate():
    q = quote(Scenario(zip="35203", site="asc", coverage="medicare", year=2026))
    fac = next(c for c in q.components if c["name"] == "facility")
    # 35203 is in Jefferson County, CBSA 13820 Birmingham-Hoover (data/zip_wage_area.csv).
    wi = pd.read_csv(data_dir() / "wage_index_areas.csv", dtype=str)
    bham = Decimal(wi[(wi["year"] == "2026") & (wi["area"] == "13820")]["wage_index"].iloc[0])
    expected = _cents(Decimal("387.46") * (Decimal("0.5") * bham + Decimal("0.5")))
    assert Decimal(str(fac["medicare"])) == expected
    assert fac["allowed"]["typical"] == float(expected)
    assert any("G2" in s and "ASC_AA_2026_January" in s for s in q.sources)
    assert "asc_floor" not in q.warning_codes()


def test_named_metropolitan_localities_take_their_cbsa_wage_index(ref):
    wi = pd.read_csv(data_dir() / "asc_wage_index.csv", dtype=str)
    la = wi[(wi["year"] == "2026") & (wi["locality_key"] == "01182-18")].iloc[0]
    assert (la["cbsa"], la["wage_index"]) == ("31084", "1.2699")  # Los Angeles-Long Beach-Glendale, CA
    assert len(wi) == len(YEARS) * len(ref.localities)


def test_anesthesia_2026_uses_cms_published_rows_and_states_the_scaling_residual(ref, reference):
    anes = pd.read_csv(data_dir() / "anesthesia_cf.csv", dtype=str)
    a26 = anes[anes["year"] == "2026"].set_index("locality_key")["anesthesia_cf"]
    assert (a26["10112-00"], a26["02102-01"]) == ("19.53", "28.15")
    # the residual of the scaling, recomputed from the CMS files
    with open(reference / "cms/pfs2025/ANES2025.csv", newline="") as fh:
        a25 = {f"{int(r[0]):05d}-{int(r[1]):02d}": Decimal(r[3].strip()) for r in csv.reader(fh)
               if r and r[0].strip().isdigit()}
    ratio = Decimal("20.49754") / Decimal("20.3178")
    meta = json.loads((data_dir() / "metadata.json").read_text())
    residual = {r["locality_key"]: r for r in meta["anesthesia_2026_scaling_residual"]}
    for key, published in (("10112-00", Decimal("19.53")), ("02102-01", Decimal("28.15"))):
        scaled = _cents(a25[key] * ratio)
        assert Decimal(str(residual[key]["scaled_estimate"])) == scaled
        assert Decimal(str(residual[key]["residual"])) == scaled - published
        assert abs(residual[key]["residual_pct"]) < 1
    assert any("scaling is off by" in a for a in meta["assumptions"])


def test_a_zip_plus_4_is_priced_in_its_own_locality(ref):
    # CMS splits 90265 (Malibu) between Los Angeles (the 5-digit ZIP's locality) and Ventura.
    assert geography.resolve(ref, zip="90265").locality.key == "01182-18"
    assert geography.resolve(ref, zip="90265-1400").locality.key == "01182-18"
    assert geography.resolve(ref, zip="90265-2000").locality.key == "01182-17"
    assert geography.resolve(ref, zip="90265-2020").locality.key == "01182-18"  # not listed: the ZIP's own
    loc, _, ok = geography.lookup_zips(ref, np.array(["90265-1400", "90265-2000", "90265", "35203-1234",
                                                       "902652000", "90265 2000", "9026-52000"]))
    keys = [ref.localities[i].key for i in loc[:4]]
    assert keys == ["01182-18", "01182-17", "01182-18", "10112-00"]
    assert ok.tolist() == [True, True, True, True, False, False, False]
    for bad in ("902652000", "90265-200", "90265 2000"):
        with pytest.raises(geography.PlaceError):
            geography.resolve(ref, zip=bad)


def test_split_zip_quote_names_its_localities_and_the_spread(ref):
    q = quote(Scenario(zip="90265", site="asc", coverage="medicare", year=2026))
    w = next(w for w in q.warnings if w["code"] == "zip_split_localities")
    assert "Los Angeles" in w["message"] and "Oxnard-Thousand Oaks-Ventura" in w["message"]
    ventura = quote(Scenario(zip="90265-2000", site="asc", coverage="medicare", year=2026))
    assert ventura.place.locality.key == "01182-17"
    assert "zip_split_localities" not in ventura.warning_codes()
    totals = sorted([q.total_cost["typical"], ventura.total_cost["typical"]])
    assert f"${totals[0]:,.2f}" in w["message"] and f"${totals[1]:,.2f}" in w["message"]
    assert f"${totals[1] - totals[0]:,.2f} apart" in w["message"]
    assert "zip_split_localities" not in quote(Scenario(zip="35203", year=2026)).warning_codes()
    assert len(ref.zip_split_localities) == 475
