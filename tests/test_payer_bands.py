"""Commercial surgery-center and office bands per payer and state from imported TiC rates: built
across providers (tax IDs), used by the quote in place of the national ratios where enough providers
back them, and said so."""

from __future__ import annotations

import logging
import os
from datetime import date

import numpy as np
import pandas as pd
import pytest

from estimator import cli
from estimator.batch import quote_frame
from estimator.payer_rates.bands import build, read_providers
from estimator.payer_rates.importer import import_rates
from estimator.quote import quote
from estimator.reference import payer_bands
from estimator.scenario import Scenario
from tests import tic_files
from tests.conftest import run_cli

PAYER = "Example Health Plan"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Rates of three generated files (24 tax IDs), providers placed in Alabama (Birmingham ZIPs) and,
    for a few, Georgia; the bands built by the command line into a folder of their own."""
    folder = tmp_path_factory.mktemp("bands")
    files = []
    for i in range(3):
        tic_files.write_in_network(folder / f"f{i}.json", version="2.0.0", seed=40 + i, groups=8, npis=2,
                                   other_items=3)
        files.append(str(folder / f"f{i}.json"))
    import_rates(files, str(folder / "rates.parquet"), as_of=date(2026, 12, 7))
    rates = pd.read_parquet(folder / "rates.parquet")
    npis = sorted(set(rates["npi"]) - {""})
    states = ["GA" if k % 7 == 0 else "AL" for k in range(len(npis))]
    zips = ["30303" if s == "GA" else ("35203" if k % 2 else "35233") for k, s in enumerate(states)]
    pd.DataFrame({"NPI": npis, "Provider Business Practice Location Address State Name": states,
                  "Provider Business Practice Location Address Postal Code": [z + "1234" for z in zips],
                  "Other column": "x"}).to_csv(folder / "nppes.csv", index=False)
    r = run_cli("payer-rates", "bands", str(folder / "rates.parquet"), "--providers", str(folder / "nppes.csv"),
                "--data-dir", str(folder))
    assert r.returncode == 0, r.stderr
    return folder, rates, pd.read_csv(folder / "payer_bands.csv", dtype={"code": str})


@pytest.fixture
def bands_in_use(imported, monkeypatch):
    folder, _, _ = imported
    monkeypatch.delenv("ESTIMATOR_DATA_DIR", raising=False)
    monkeypatch.setattr(payer_bands, "DEFAULT_DIR", folder)
    return imported


def _medicare(zip_code: str, site: str, code: str, component: str) -> float:
    q = quote(Scenario(zip=zip_code, site=site, code=code, coverage="medicare")).to_dict()
    return next(c["medicare"] for c in q["components"] if c["name"] == component)


@pytest.mark.parametrize(("site", "component", "pos"), [("asc", "professional", "24"), ("office", "professional", "11"),
                                                        ("asc", "facility", "24")])
def test_a_band_is_the_spread_of_tax_ids_median_multiples(imported, site, component, pos):
    folder, rates, bands = imported
    providers = read_providers(str(folder / "nppes.csv"))
    classes = {"professional": ("professional", "both"), "facility": ("institutional", "both")}[component]
    compared = 0
    for code in ("62320", "62321", "62322", "62323"):
        use = rates[(rates["excluded"] == "") & (rates["modifiers"] == "") & (rates["billing_code"] == code)
                    & rates["billing_class"].isin(classes) & (rates["npi"] != "")]
        places = use["place_of_service"].str.split(";")
        # none written: every place for the doctor's bill, no known place for the facility's
        use = use[places.map(lambda p, pos=pos: pos in p or "CSTM-00" in p or (p == [""] and component != "facility"))]
        use = use.merge(providers, on="npi")
        use = use[use["state"] == "AL"]
        medicare = {z: _medicare(z, site, code, component) for z in set(use["zip"])}
        multiple = use["negotiated_rate"] / use["zip"].map(medicare)
        per_tin = multiple.groupby(use["tin"]).median()
        row = bands[(bands["state"] == "AL") & (bands["site"] == site) & (bands["code"] == code)
                    & (bands["component"] == component)]
        if len(per_tin) < payer_bands.MIN_PROVIDERS:
            assert row.empty  # too few providers: no band
            continue
        assert len(row) == 1 and int(row["providers"].iloc[0]) == len(per_tin)
        want = np.percentile(per_tin, [10, 50, 90])
        assert row[["low", "typical", "high"]].to_numpy()[0] == pytest.approx(want, abs=1e-4)
        compared += 1
    assert compared >= 2
    assert (bands["providers"] >= payer_bands.MIN_PROVIDERS).all() and (bands["payer"] == PAYER).all()


def test_the_quote_uses_the_payers_band_and_says_so(bands_in_use):
    _, _, bands = bands_in_use
    row = bands[(bands["state"] == "AL") & (bands["site"] == "asc") & (bands["component"] == "professional")].iloc[0]
    sc = Scenario(zip="35203", site="asc", code=row["code"], coverage="commercial", payer=PAYER.upper())
    q = quote(sc).to_dict()
    doctor = next(c for c in q["components"] if c["name"] == "professional")
    for level, col in (("low", "low"), ("typical", "typical"), ("high", "high")):
        assert doctor["allowed"][level] == pytest.approx(round(doctor["medicare"] * row[col], 2), abs=0.011)
    note = next(w["message"] for w in q["warnings"] if w["code"] == "payer_band")
    assert f"{int(row['providers'])} providers" in note and "in AL" in note and PAYER in note
    national = quote(Scenario(zip="35203", site="asc", code=row["code"], coverage="commercial",
                              payer="Another Insurer")).to_dict()
    other = next(c for c in national["components"] if c["name"] == "professional")
    assert other["allowed"] != doctor["allowed"]
    assert not any(w["code"] == "payer_band" for w in national["warnings"])
    # a patient of another coverage, or at a hospital, is not priced on it
    for changed in (dict(coverage="self_pay"), dict(site="hopd"), dict(zip="30303")):
        q2 = quote(Scenario(**{**dict(zip="35203", site="asc", code=row["code"], coverage="commercial",
                                      payer=PAYER), **changed})).to_dict()
        assert not any(w["code"] == "payer_band" for w in q2["warnings"])


def test_many_scenarios_are_priced_like_one(bands_in_use):
    _, _, bands = bands_in_use
    codes = sorted(set(bands["code"]))
    rows = [dict(zip=z, site=s, code=c, coverage=cov, payer=p) for z in ("35203", "30303") for s in ("asc", "office")
            for c in codes for cov in ("commercial", "self_pay") for p in (PAYER, "", "Another Insurer")]
    batch = quote_frame(pd.DataFrame(rows))
    assert (batch["status"] == "ok").all()
    for i, r in enumerate(rows):
        q = quote(Scenario(**{k: v for k, v in r.items() if v != ""}))
        for c in q.components:
            assert batch[f"{c['name']}_allowed_typical"].iloc[i] == c["allowed"]["typical"]


def test_without_a_bands_file_nothing_changes(imported, monkeypatch, tmp_path):
    monkeypatch.delenv("ESTIMATOR_DATA_DIR", raising=False)
    monkeypatch.setattr(payer_bands, "DEFAULT_DIR", tmp_path)
    sc = Scenario(zip="35203", site="asc", code="62321", coverage="commercial")
    assert quote(Scenario(zip="35203", site="asc", code="62321", coverage="commercial", payer=PAYER)).patient_pays \
        == quote(sc).patient_pays


def test_rates_of_unplaced_providers_and_thin_groups_are_left_out(imported):
    _, rates, _ = imported
    nobody = pd.DataFrame({"npi": ["1000000000"], "state": ["AL"], "zip": [""]})
    built = build(rates, nobody)
    assert built.bands.empty and built.unplaced_rates > 0


def test_a_facility_rate_with_no_place_of_service_is_no_surgery_center_band(imported):
    folder, rates, bands = imported
    providers = read_providers(str(folder / "nppes.csv"))
    facility = rates["billing_class"] == "institutional"
    assert (facility & (rates["place_of_service"] == "")).any() and (bands["component"] == "facility").any()
    nowhere = rates.assign(place_of_service=rates["place_of_service"].where(~facility, ""))
    built = build(nowhere, providers)
    assert not built.bands.empty and not (built.bands["component"] == "facility").any()
    # the doctor's bands are untouched
    doctor = bands[bands["component"] == "professional"].reset_index(drop=True)
    pd.testing.assert_frame_equal(built.bands.astype(doctor.dtypes.to_dict()), doctor, check_exact=False, atol=1e-4)


def test_rates_of_no_named_payer_make_no_band(imported):
    folder, rates, _ = imported
    providers = read_providers(str(folder / "nppes.csv"))
    unnamed = rates["tin"].isin(sorted(set(rates["tin"]))[::2])
    built = build(rates.assign(payer=rates["payer"].where(~unnamed, "  ")), providers)
    usable = ((rates["excluded"] == "") & (rates["modifiers"] == "") & (rates["npi"] != "")
              & rates["billing_code"].isin(["62320", "62321", "62322", "62323"]))
    assert built.unnamed_payer_rates == int((usable & unnamed).sum()) > 0
    assert not built.bands.empty and (built.bands["payer"] == PAYER).all()


def test_the_providers_file_is_read_in_chunks_keeping_the_rates_npis(tmp_path):
    npis = [str(1_000_000_000 + 7 * k) for k in range(10)]
    lines = ["NPI,Provider Business Practice Location Address State Name,"
             "Provider Business Practice Location Address Postal Code,Other"]
    lines += [f"{n},{'al' if k % 2 else 'GA'},{35203 + k}1234,x" for k, n in enumerate(npis)]
    lines.append(f"{npis[1]},AL,35204,x")  # listed again, in another chunk: the first is kept
    (tmp_path / "nppes.csv").write_text("\n".join(lines) + "\n")
    wanted = {npis[1], npis[4], npis[9], "1999999999"}
    got = read_providers(str(tmp_path / "nppes.csv"), wanted, chunk_rows=3)
    assert list(got["npi"]) == [npis[1], npis[4], npis[9]]
    assert list(got["state"]) == ["AL", "GA", "AL"] and list(got["zip"]) == ["35204", "35207", "35212"]
    assert list(got.columns) == ["npi", "state", "zip"]
    everyone = read_providers(str(tmp_path / "nppes.csv"), chunk_rows=4)
    assert list(everyone["npi"]) == npis


def test_the_bands_file_skips_blank_payers_and_is_read_again_when_rewritten(imported, monkeypatch, tmp_path):
    _, _, bands = imported
    monkeypatch.delenv("ESTIMATOR_DATA_DIR", raising=False)
    monkeypatch.setattr(payer_bands, "DEFAULT_DIR", tmp_path)
    row = bands.iloc[[0]]
    blank = row.assign(payer="", state="GA")
    pd.concat([row, blank], ignore_index=True).to_csv(tmp_path / payer_bands.FILE_NAME, index=False)
    first = payer_bands.table()
    key = (PAYER.lower(), row["state"].iloc[0], row["site"].iloc[0], row["code"].iloc[0], row["component"].iloc[0],
           int(row["year"].iloc[0]))
    assert list(first) == [key] and first[key].typical == pytest.approx(float(row["typical"].iloc[0]))
    row.assign(low=row["low"] * 2, typical=row["typical"] * 2, high=row["high"] * 2,
               providers=row["providers"] + 1).to_csv(
        tmp_path / payer_bands.FILE_NAME, index=False)
    second = payer_bands.table()
    assert second[key].typical == pytest.approx(2 * float(row["typical"].iloc[0]))
    assert second[key].providers == int(row["providers"].iloc[0]) + 1
    assert payer_bands._table.cache_info().currsize == 1  # the old table is not kept


def test_a_providers_file_without_a_state_is_refused(tmp_path, imported):
    folder, _, _ = imported
    (tmp_path / "p.csv").write_text("npi,city\n1234567893,Birmingham\n")
    r = run_cli("payer-rates", "bands", str(folder / "rates.parquet"), "--providers", str(tmp_path / "p.csv"),
                "--data-dir", str(tmp_path))
    assert r.returncode == 2 and "--providers" in r.stderr and "state" in r.stderr and "Traceback" not in r.stderr


def _bands_dir(monkeypatch, folder) -> None:
    monkeypatch.delenv("ESTIMATOR_DATA_DIR", raising=False)
    monkeypatch.setattr(payer_bands, "DEFAULT_DIR", folder)


def test_a_band_row_that_is_no_usable_multiple_is_left_out(imported, monkeypatch, tmp_path):
    """Hand-edited rows: negative, out of order, infinite, fractional providers or year; only the good
    row is used, and no quote goes below nothing."""
    _, _, bands = imported
    _bands_dir(monkeypatch, tmp_path)
    good = bands[(bands["state"] == "AL") & (bands["site"] == "asc") & (bands["component"] == "professional")].iloc[[0]]
    bad = [dict(state="GA", low=-3.0), dict(state="FL", low=good["typical"] * 1.5), dict(state="TN", high=0.5),
           dict(state="MS", high="inf"), dict(state="LA", providers=5.5), dict(state="SC", providers="inf"),
           dict(state="NC", year="1e30"), dict(state="KY", year=2026.5), dict(state="VA", typical="nan")]
    rows = pd.concat([good] + [good.assign(**b) for b in bad], ignore_index=True)
    rows.to_csv(tmp_path / payer_bands.FILE_NAME, index=False)
    got = payer_bands.table()
    assert [k[1] for k in got] == ["AL"]
    assert payer_bands.read(tmp_path / payer_bands.FILE_NAME).left_out == len(bad)
    sc = Scenario(zip="35203", site="asc", code=good["code"].iloc[0], coverage="commercial", payer=PAYER)
    assert quote(sc).patient_pays["low"] >= 0


def test_a_bands_file_that_cannot_be_parsed_gives_no_bands_and_says_why(imported, monkeypatch, tmp_path, caplog):
    _, _, bands = imported
    _bands_dir(monkeypatch, tmp_path)
    broken = tmp_path / payer_bands.FILE_NAME
    bands.head(3).to_csv(broken, index=False)
    broken.write_text(broken.read_text() + '"Example Health Plan,AL,asc,62321\n')  # a quote never closed
    assert payer_bands.table() == {}
    assert str(broken) in payer_bands.problem() and "CSV" in payer_bands.problem()
    named = Scenario(zip="35203", site="asc", code="62321", coverage="commercial", payer=PAYER)
    assert quote(named).patient_pays == quote(Scenario(zip="35203", site="asc", code="62321",
                                                       coverage="commercial")).patient_pays
    assert quote_frame(pd.DataFrame([dict(zip="35203", site="asc", code="62321", coverage="commercial",
                                          payer=PAYER)]))["status"].eq("ok").all()
    # the command line quotes too, with a warning naming the file, once for this version of the file
    caplog.set_level(logging.WARNING, logger=payer_bands.__name__)
    payer_bands._table.cache_clear()
    caplog.clear()
    for _ in range(2):
        assert cli.main(["quote", "--zip", "35203", "--site", "asc", "--coverage", "commercial", "--payer", PAYER,
                         "--json"]) == 0
    warned = [r.getMessage() for r in caplog.records if r.name == payer_bands.__name__]
    assert len(warned) == 1 and str(broken) in warned[0] and "without payer bands" in warned[0]


def test_bands_never_replace_a_table_when_no_provider_is_placed(imported, tmp_path):
    folder, _, _ = imported
    good = (folder / payer_bands.FILE_NAME).read_bytes()
    (tmp_path / payer_bands.FILE_NAME).write_bytes(good)
    (tmp_path / "nobody.csv").write_text("npi,state\n1000000000,AL\n")
    r = run_cli("payer-rates", "bands", str(folder / "rates.parquet"), "--providers", str(tmp_path / "nobody.csv"),
                "--data-dir", str(tmp_path))
    assert r.returncode == 2 and "--providers" in r.stderr and "left as it was" in r.stderr
    assert (tmp_path / payer_bands.FILE_NAME).read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nobody.csv", payer_bands.FILE_NAME]


def test_an_empty_table_from_read_rates_is_written_and_said(imported, tmp_path):
    """Rates read well whose providers are too few for any band: the empty table is the result, and
    the command says that it replaced the bands there were."""
    folder, rates, _ = imported
    (tmp_path / payer_bands.FILE_NAME).write_bytes((folder / payer_bands.FILE_NAME).read_bytes())
    one = sorted(set(rates["npi"]) - {""})[0]
    (tmp_path / "one.csv").write_text(f"npi,state,zip\n{one},AL,35203\n")
    r = run_cli("payer-rates", "bands", str(folder / "rates.parquet"), "--providers", str(tmp_path / "one.csv"),
                "--data-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "0 bands" in r.stdout and "the table is empty, replacing" in r.stderr
    assert pd.read_csv(tmp_path / payer_bands.FILE_NAME).empty


def test_the_bands_file_gets_a_new_files_mode_and_a_failed_write_leaves_nothing(imported, tmp_path):
    folder, _, _ = imported
    umask = os.umask(0o022)
    os.umask(umask)
    assert (folder / payer_bands.FILE_NAME).stat().st_mode & 0o777 == 0o666 & ~umask
    (tmp_path / payer_bands.FILE_NAME).mkdir()  # the table's name taken by a folder: it cannot be replaced
    r = run_cli("payer-rates", "bands", str(folder / "rates.parquet"), "--providers", str(folder / "nppes.csv"),
                "--data-dir", str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--data-dir" in r.stderr
    assert [p.name for p in tmp_path.iterdir()] == [payer_bands.FILE_NAME]
