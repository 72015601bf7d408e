"""The data build: deterministic, equal to the committed data/, and tied to its sources."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from estimator.databuild import build, figures
from estimator.reference.tables import data_dir


@pytest.fixture(scope="module")
def built(reference):
    return build.build_tables(reference)


def test_build_is_deterministic(reference, built):
    again = build.build_tables(reference)
    assert again.keys() == built.keys()
    for name in built:
        assert again[name] == built[name], name


def test_committed_data_equals_a_fresh_build(built):
    assert build.compare_tables(built, data_dir()) == []


def test_every_price_table_row_has_a_source(built, tmp_path):
    build.write_tables(built, tmp_path)
    for name in ("pfs_rvus.csv", "gpci.csv", "anesthesia_cf.csv", "facility_rates.csv", "fee_ranges.csv",
                 "regional_factors.csv", "medicare_parameters.csv", "anesthesia_units.csv"):
        df = pd.read_csv(tmp_path / name)
        assert "source" in df.columns, name
        assert df["source"].notna().all() and (df["source"].str.len() > 10).all(), name


def test_a_figure_whose_quote_is_not_in_its_source_is_refused(reference, tmp_path, monkeypatch):
    curated = tmp_path / "curated"
    shutil.copytree(figures.CURATED, curated)
    table = pd.read_csv(curated / "published_figures.csv", dtype=str, keep_default_na=False)
    table.loc[table["key"] == "apc_rate_5442", "value"] = "692.99"
    table.to_csv(curated / "published_figures.csv", index=False)
    monkeypatch.setattr(figures, "CURATED", curated)
    with pytest.raises(ValueError, match="apc_rate_5442"):
        figures.load_figures(reference)


def test_every_zip_maps_to_a_priced_locality(built, tmp_path):
    build.write_tables(built, tmp_path)
    zips = pd.read_csv(tmp_path / "zip_locality.csv", dtype=str)
    gpci = pd.read_csv(tmp_path / "gpci.csv", dtype=str)
    assert len(zips) > 40000
    assert set(zips["locality_key"]) <= set(gpci["locality_key"])
    assert zips["zip"].str.fullmatch(r"\d{5}").all()


def test_fee_ranges_cover_every_component_site_and_basis(built, tmp_path):
    build.write_tables(built, tmp_path)
    fr = pd.read_csv(tmp_path / "fee_ranges.csv")
    combos = set(zip(fr["component"], fr["site"], fr["basis"]))
    for basis in ("commercial", "billed", "cash", "medicaid"):
        for site in ("hopd", "asc", "office"):
            assert ("professional", site, basis) in combos
            assert ("anesthesia", site, basis) in combos
        for site in ("hopd", "asc"):
            assert ("facility", site, basis) in combos
    assert (fr["low"] <= fr["typical"]).all() and (fr["typical"] <= fr["high"]).all()


def test_locality_names_are_written_for_people(ref):
    labels = {loc.name: loc.label for loc in ref.localities}
    assert labels["DC + MD/VA SUBURBS"] == "DC + MD/VA Suburbs"
    assert labels["REST OF NEW YORK"] == "Rest of New York"
    assert labels["EAST ST. LOUIS"] == "East St. Louis"
    assert labels["POUGHKPSIE/N NYC SUBURBS"] == "Poughkpsie/N NYC Suburbs"
    assert labels["SAN JOSE-SUNNYVALE-SANTA CLARA (SANTA CLARA CNTY)"] == \
        "San Jose-Sunnyvale-Santa Clara (Santa Clara County)"
    for name, label in labels.items():
        assert label.upper().replace("COUNTY", "CNTY") == name  # same words, only the case changes
