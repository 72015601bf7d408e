"""The patient's wage-index area: ZIP -> county -> CBSA (or the state's rural area) -> the facility's
Medicare rate, checked against CMS's formula with the wage index read here from CMS's own files."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimator.batch import quote_frame
from estimator.quote import quote
from estimator.reference.tables import YEARS, data_dir, load
from estimator.scenario import Scenario

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
WAGE_FILES = {2025: "cms/asc/ASC_wage_index_2025.txt", 2026: "cms/asc/ASC_wage_index_2026.csv"}
needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason="needs ../shared/reference")


def _cms_wage_index(year: int) -> dict[str, Decimal]:
    """CBSA -> wage index as CMS's file lists it; areas listed twice with two values are left out
    (which one CMS applies is not in the file)."""
    path = REFERENCE / WAGE_FILES[year]
    with path.open(newline="", encoding="latin-1") as fh:
        rows = list(csv.reader(fh, delimiter="\t" if path.suffix == ".txt" else ","))[1:]
    seen: dict[str, set[str]] = {}
    for r in rows:
        if len(r) >= 3 and r[2].strip():
            seen.setdefault(r[0].strip(), set()).add(r[2].strip())
    return {cbsa: Decimal(next(iter(v))) for cbsa, v in seen.items() if len(v) == 1}


def _rates(site: str) -> dict[tuple[int, str], Decimal]:
    fr = pd.read_csv(data_dir() / "facility_rates.csv", dtype={"code": str})
    fr = fr[fr["site"] == site]
    return {(int(r.year), r.code): Decimal(str(r.national_rate)) for r in fr.itertuples(index=False)}


def _cents(x: Decimal) -> float:
    return float(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _facility_medicare(q) -> float:
    return next(c["medicare"] for c in q.to_dict()["components"] if c["name"] == "facility")


@pytest.mark.parametrize(("year", "asc", "hopd_wi"), [(2025, 335.04, "0.8025"), (2026, 360.26, "0.8596")])
def test_birmingham_is_priced_on_its_own_cbsa(year: int, asc: float, hopd_wi: str) -> None:
    """35203 is in Jefferson County, CBSA 13820 Birmingham-Hoover: CMS's formula gives the ASC rate
    $335.04 (2025) and $360.26 (2026); the hospital outpatient rate is wage-adjusted on the same index."""
    assert _facility_medicare(quote(Scenario(zip="35203", site="asc", year=year, coverage="medicare"))) == asc
    apc = _rates("hopd")[(year, "62321")]
    expected = _cents(apc * (Decimal("0.6") * Decimal(hopd_wi) + Decimal("0.4")))
    assert _facility_medicare(quote(Scenario(zip="35203", site="hopd", year=year, coverage="medicare"))) == expected


@needs_reference
@pytest.mark.parametrize("year", YEARS)
def test_every_area_in_cms_files_follows_cms_formula(year: int) -> None:
    """For every area of CMS's wage-index file that a ZIP code falls in: a surgery-center quote there
    is the national rate x (0.50 x that area's wage index + 0.50), to the cent, and a hospital
    quote the APC rate x (0.60 x wage index + 0.40)."""
    cms = _cms_wage_index(year)
    zw = pd.read_csv(data_dir() / "zip_wage_area.csv", dtype=str)
    one_zip = zw.drop_duplicates("area").set_index("area")["zip"]
    areas = [a for a in one_zip.index if a in cms]
    assert len(areas) >= 400  # metropolitan areas and states' rural areas that CMS ZIP codes fall in
    frame = pd.DataFrame({"zip": [one_zip[a] for a in areas] * 2, "year": year, "coverage": "medicare",
                          "site": ["asc"] * len(areas) + ["hopd"] * len(areas), "code": "62321"})
    out = quote_frame(frame)
    assert (out["status"] == "ok").all()
    asc, hopd = _rates("asc")[(year, "62321")], _rates("hopd")[(year, "62321")]
    expected = ([_cents(asc * (Decimal("0.5") * cms[a] + Decimal("0.5"))) for a in areas]
                + [_cents(hopd * (Decimal("0.6") * cms[a] + Decimal("0.4"))) for a in areas])
    got = out["facility_allowed_typical"].to_numpy()  # Medicare's allowed amount is its rate
    np.testing.assert_array_equal(got, np.array(expected))


def test_crosswalk_follows_the_delineation() -> None:
    """A county in a divided CBSA takes its metropolitan division; a county in a micropolitan area,
    or in none, the state's rural area; every area is in both years' files."""
    zw = pd.read_csv(data_dir() / "zip_wage_area.csv", dtype=str).set_index("zip")
    assert zw.loc["10001", "area"] == "35614"  # New York County: New York-Jersey City-White Plains division
    assert zw.loc["35203", ["county", "area", "area_kind"]].tolist() == ["Jefferson County", "13820", "metropolitan"]
    # Covington County, AL (Andalusia) is micropolitan: Medicare treats it as rural Alabama (01).
    assert zw.loc["36420", ["area", "area_kind"]].tolist() == ["01", "rural"]
    # Names that differ only by the words for the county's kind still match OMB's.
    assert zw.loc["99501", "area"] == "11260"  # "Municipality of Anchorage" = Anchorage Municipality
    assert zw.loc["00901", "area"] == "41980"  # "San Juan" = San Juan Municipio
    areas = pd.read_csv(data_dir() / "wage_index_areas.csv", dtype=str)
    for year, g in areas.groupby("year"):
        assert set(zw["area"]) <= set(g["area"]), year
    assert len(zw) > 0.9 * len(pd.read_csv(data_dir() / "zip_locality.csv", dtype=str))


def test_batch_and_single_agree_on_the_area() -> None:
    """ZIP, ZIP+4 of the same ZIP, and the batch path price the facility on the same area."""
    ref = load()
    split = [f"{z:05d}" for z in np.flatnonzero(ref.zip_plus4 & (ref.zip_wage_area >= 0))[:20]]
    zips = ["35203", "35203-1234", "10001", "36420", *split]
    out = quote_frame(pd.DataFrame({"zip": zips, "site": "asc", "coverage": "medicare"}))
    single = [_facility_medicare(quote(Scenario(zip=z, site="asc", coverage="medicare"))) for z in zips]
    assert out["facility_allowed_typical"].tolist() == single
    assert single[0] == single[1]


def test_quotes_without_a_zip_keep_the_locality_wage_index() -> None:
    """By state or locality there is no county: the locality's ASC wage index (data/asc_wage_index.csv)."""
    wi = pd.read_csv(data_dir() / "asc_wage_index.csv", dtype=str)
    ref = load()
    key = ref.localities[int(ref.state_default_locality[ref.state_index["AL"]])].key
    for year in YEARS:
        w = Decimal(wi.loc[(wi["year"] == str(year)) & (wi["locality_key"] == key), "wage_index"].iloc[0])
        expected = _cents(_rates("asc")[(year, "62321")] * (Decimal("0.5") * w + Decimal("0.5")))
        assert _facility_medicare(quote(Scenario(state="AL", site="asc", year=year, coverage="medicare"))) == expected


def test_words_say_which_area_was_used() -> None:
    ref = load()
    q = quote(Scenario(zip="35203", site="asc", year=2025)).to_dict()
    assert any("0.8025 (Birmingham, AL, CBSA 13820)" in s for s in q["sources"])
    split = next(z for z in np.flatnonzero(ref.zip_plus4 & (ref.zip_wage_area >= 0)))
    codes = [w["code"] for w in quote(Scenario(zip=f"{split:05d}", site="hopd")).to_dict()["warnings"]]
    assert "wage_area_split_zip" in codes
    none = next(z for z in range(100000) if ref.zip_locality[z] >= 0 and ref.zip_wage_area[z] < 0)
    codes = [w["code"] for w in quote(Scenario(zip=f"{none:05d}", site="asc")).to_dict()["warnings"]]
    assert "wage_area_unknown" in codes
    office = quote(Scenario(zip=f"{none:05d}", site="office")).to_dict()
    assert not any(w["code"].startswith("wage_area") for w in office["warnings"])


def test_a_named_hospital_is_wage_adjusted_where_it_is() -> None:
    """A patient from Manhattan naming an Alabama hospital: its facility rate uses the hospital's area,
    in a single quote and a batch alike."""
    ref = load()
    from estimator.reference.named_hospital import hospital_zips

    ccn = next(c for c, z in sorted(hospital_zips(ref).items()) if ref.zip_wage_area[int(z)] >= 0
               and ref.wage_areas[ref.zip_wage_area[int(z)]] != "35614")
    at_home = _facility_medicare(quote(Scenario(hospital=ccn, site="hopd", coverage="medicare")))
    visiting = _facility_medicare(quote(Scenario(hospital=ccn, zip="10001", site="hopd", coverage="medicare")))
    assert visiting == at_home
    out = quote_frame(pd.DataFrame({"hospital": [ccn, ccn], "zip": ["10001", None], "site": "hopd",
                                    "coverage": "medicare"}))
    assert out["facility_allowed_typical"].tolist() == [at_home, at_home]
    manhattan = _facility_medicare(quote(Scenario(zip="10001", site="hopd", coverage="medicare")))
    assert manhattan != at_home
