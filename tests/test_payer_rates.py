"""Insurers' Transparency in Coverage files: generated files that CMS's schemas accept, imported as
streams, checked against what the generator wrote (tests/tic_files.py), here and on a local Dask
cluster; broken files named with their JSON path; a clinic's rates as its price list."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import date
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from estimator.frontdesk.clinic_prices import PriceList, quote_with_prices
from estimator.payer_rates.clinic_export import clinic_price_list
from estimator.payer_rates.importer import import_rates, mark_duplicates
from estimator.payer_rates.sources import Task
from estimator.payer_rates.tic_file import read_file
from estimator.scenario import Scenario
from tests import tic_files
from tests.conftest import ROOT, dask_cluster, run_cli

AS_OF = date(2026, 12, 7)
SCHEMAS = Path(__file__).parent / "fixtures" / "tic_schemas"
#: (schema version, how provider groups are given, file name)
VARIANTS = [("2.0.0", "root", "v2-root.json.gz"), ("1.0.0", "root", "v1-root.json"),
            ("1.0.0", "location", "v1-location.json"), ("1.0.0", "inline", "v1-inline.json.gz")]


def _schema(version: str, kind: str) -> dict:
    return json.loads((SCHEMAS / ("v2.0.0" if version.startswith("2") else "v1.6.2") / f"{kind}.json").read_text())


def _load(path: Path) -> object:
    return json.loads(gzip.open(path).read() if path.name.endswith(".gz") else path.read_text())


def _found(rows: pd.DataFrame) -> tuple[Counter, Counter]:
    ok = rows[rows["excluded"] == ""]
    prices = Counter(zip(ok["billing_code"], ok["negotiated_rate"], ok["tin"], ok["npi"], ok["billing_class"],
                         ok["place_of_service"]))
    return prices, Counter(rows.loc[rows["excluded"] != "", "excluded"])


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A folder served over HTTPS on loopback (a certificate trusted through SSL_CERT_FILE)."""
    folder = tmp_path_factory.mktemp("insurer")
    with tic_files.https_server(folder) as (base, cert), pytest.MonkeyPatch.context() as mp:
        mp.setenv("SSL_CERT_FILE", cert)
        yield folder, base


@pytest.fixture(scope="module")
def file_set(served):
    """The four variants, their expected contents, and a table of contents of each schema version."""
    folder, base = served
    expected = {}
    for i, (version, refs, name) in enumerate(VARIANTS):
        expected[name] = tic_files.write_in_network(folder / name, version=version, refs=refs, seed=i,
                                                    other_items=40, base_url=base)
    for version in ("1.0.0", "2.0.0"):
        tic_files.write_toc(folder / f"toc-{version[0]}.json", [f"{base}/{n}" for _, _, n in VARIANTS], version)
    return folder, base, expected


@pytest.mark.parametrize(("version", "refs", "name"), VARIANTS)
def test_generated_files_are_valid_under_cms_schemas(file_set, version, refs, name):
    folder, _, _ = file_set
    jsonschema.validate(_load(folder / name), _schema(version, "in-network-rates"))
    if refs == "location":
        for side in folder.glob(f"{name.split('.')[0]}-providers-*.json"):
            jsonschema.validate(json.loads(side.read_text()), _schema(version, "provider-reference"))


@pytest.mark.parametrize("version", ["1.0.0", "2.0.0"])
def test_generated_tables_of_contents_are_valid(file_set, version):
    folder, _, _ = file_set
    jsonschema.validate(json.loads((folder / f"toc-{version[0]}.json").read_text()),
                        _schema(version, "table-of-contents"))


def test_the_generator_would_fail_the_schema_if_it_broke_a_rule(file_set):
    """The schema check is not vacuous: a price without its billing class is refused."""
    folder, _, _ = file_set
    doc = _load(folder / "v1-root.json")
    del doc["in_network"][0]["negotiated_rates"][0]["negotiated_prices"][0]["billing_class"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, _schema("1.0.0", "in-network-rates"))


@pytest.mark.parametrize(("version", "refs", "name"), VARIANTS)
def test_each_file_gives_what_was_written(file_set, version, refs, name, tmp_path):
    folder, base, expected = file_set
    out = tmp_path / "rates.parquet"
    summary = import_rates([f"{base}/{name}" if refs == "location" else str(folder / name)], str(out), as_of=AS_OF)
    rows = pd.read_parquet(out)
    prices, excluded = _found(rows)
    exp = expected[name]
    assert prices == exp.prices and sum(prices.values()) == summary.prices > 0
    assert +excluded == +exp.excluded and +summary.excluded == +exp.excluded
    assert summary.counts["other_codes"] == exp.other_items and summary.counts["in_network_items"] == exp.items
    assert not summary.failed and not summary.problems and summary.counts["invalid"] == exp.invalid == 0
    # an inpatient stay's rate (2.0) and rates of zero or minus one dollar (1.x) are never prices
    assert exp.excluded["inpatient" if version.startswith("2") else "zero_or_negative"] > 0
    assert (rows.loc[rows["setting"] == "inpatient", "excluded"] == "inpatient").all()
    assert (rows.loc[rows["negotiated_rate"] <= 0, "excluded"].isin(["zero_or_negative", "bundle"])).all()
    assert set(rows["schema_version"]) == {version} and set(rows["file_date"]) == {"2026-11-01"}
    assert set(rows["payer"]) == {"Example Health Plan"} and set(rows["plan_name"]) == {"Example PPO"}
    assert set(rows["billing_code"]) <= set(tic_files.SCOPE)
    assert (rows["npi"] == "").any()  # the TIN-level contract (NPI 0) is kept, as a TIN without an NPI


@pytest.mark.parametrize("version", ["1.0.0", "2.0.0"])
def test_a_table_of_contents_over_https_gives_every_file_with_its_plans(file_set, version, tmp_path):
    folder, base, expected = file_set
    out = tmp_path / "rates.parquet"
    summary = import_rates([f"{base}/toc-{version[0]}.json"], str(out), as_of=AS_OF)
    total = tic_files.Expected()
    for e in expected.values():
        total += e
    prices, excluded = _found(pd.read_parquet(out))
    assert summary.files == len(VARIANTS) and not summary.failed
    # duplicates across files are none: each file's providers have their own TINs
    assert prices == total.prices and +excluded == +total.excluded


def test_plans_come_from_the_table_of_contents_and_fields_may_come_last(tmp_path):
    tic_files.write_in_network(tmp_path / "a.json", version="2.0.0", plan=False, meta_last=True, other_items=5)
    tic_files.write_toc(tmp_path / "toc.json", ["a.json"], "2.0.0", payer="Toc Payer")
    out = tmp_path / "rates.parquet"
    import_rates([str(tmp_path / "toc.json")], str(out), as_of=AS_OF)
    rows = pd.read_parquet(out)
    assert set(rows["plan_name"]) == {"Example PPO"} and set(rows["file_date"]) == {"2026-11-01"}
    assert set(rows["schema_version"]) == {"2.0.0"} and set(rows["reporting_entity"]) == {"Example Health Plan"}


def test_a_url_list_and_a_file_twice_count_duplicates(file_set, tmp_path):
    folder, _, expected = file_set
    copy = tmp_path / "copy.json"
    shutil.copy(folder / "v1-root.json", copy)
    listing = tmp_path / "files.txt"
    listing.write_text(f"# this month's files\n{folder / 'v1-root.json'}\n\n{copy}\n")
    out = tmp_path / "rates.parquet"
    summary = import_rates([str(listing)], str(out), as_of=AS_OF)
    exp = expected["v1-root.json"]
    prices, excluded = _found(pd.read_parquet(out))
    assert summary.files == 2 and prices == exp.prices
    assert excluded["duplicate"] == exp.excluded["duplicate"] + sum(exp.prices.values()) + exp.excluded["duplicate"]


def test_two_dask_workers_give_the_same_table(file_set, tmp_path):
    folder, base, _ = file_set
    local, dist = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    sources = [f"{base}/toc-2.json", str(folder / "v1-inline.json.gz")]
    import_rates(sources, str(local), as_of=AS_OF)
    with dask_cluster(2) as (_, client):
        import_rates(sources, str(dist), client, as_of=AS_OF)
    pd.testing.assert_frame_equal(pd.read_parquet(dist), pd.read_parquet(local))


def test_a_clinic_keeps_only_its_own_providers(file_set, tmp_path):
    folder, _, _ = file_set
    everything = tmp_path / "all.parquet"
    import_rates([str(folder / "v2-root.json.gz")], str(everything), as_of=AS_OF)
    rows = pd.read_parquet(everything)
    tin = rows.loc[rows["npi"] != "", "tin"].iloc[0]
    npi = rows.loc[(rows["tin"] != tin) & (rows["npi"] != ""), "npi"].iloc[0]
    mine = tmp_path / "mine.parquet"
    import_rates([str(folder / "v2-root.json.gz")], str(mine), tins=(tin,), npis=(npi,), as_of=AS_OF)
    got = pd.read_parquet(mine)
    want = rows[(rows["tin"] == tin) | (rows["npi"] == npi)].reset_index(drop=True)
    assert len(got) and len(got) < len(rows)
    pd.testing.assert_frame_equal(got, want)


def test_a_wrong_value_is_named_by_its_json_path_and_the_rest_is_read(tmp_path):
    path = tmp_path / "bad.json"
    tic_files.write_in_network(path, version="2.0.0", bad_rate=True, unknown_group=True, other_items=3)
    r = read_file(Task(str(path)), AS_OF)
    assert not r.error and len(r.rows)
    assert any(p.startswith("in_network[") and ".negotiated_rates[0].negotiated_prices[0].negotiated_rate: "
               "'about 500' is not a number" in p for p in r.problems)
    assert any(".negotiated_rates[0].provider_references: provider group 999 is not defined" in p for p in r.problems)
    assert r.counts["invalid"] == 1 and r.counts["unknown_provider_group"] >= 1


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_a_broken_file_fails_alone_naming_the_file_and_the_path(tmp_path, damage):
    good, bad = tmp_path / "good.json", tmp_path / ("bad.json.gz" if damage == "truncate" else "bad.json")
    exp = tic_files.write_in_network(good, other_items=10, seed=3)
    tic_files.write_in_network(bad, other_items=200, seed=4)
    getattr(tic_files, damage)(bad)
    out = tmp_path / "rates.parquet"
    r = run_cli("payer-rates", "import", str(good), str(bad), "-o", str(out), "--as-of", "2026-12-07")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    line = next(x for x in r.stderr.splitlines() if x.startswith("error:"))
    assert str(bad) in line and "in_network[" in line and "broken or cut-short JSON" in line
    prices, _ = _found(pd.read_parquet(out))
    assert prices == exp.prices  # the good file is written; nothing of the broken one


#: Run in a fresh process: read one file, write its rows, print the growth of the peak resident set
#: (bytes): VmHWM after the read less VmRSS before it, so C allocations (ijson's yajl2) count too.
PEAK_RSS = textwrap.dedent("""
    import sys
    from datetime import date

    from estimator.payer_rates.sources import Task
    from estimator.payer_rates.tic_file import read_file

    def status(field):
        with open("/proc/self/status") as fh:
            return next(int(x.split()[1]) * 1024 for x in fh if x.startswith(field + ":"))

    before = status("VmRSS")
    r = read_file(Task(sys.argv[1]), date(2026, 12, 7))
    growth = status("VmHWM") - before
    r.rows.to_parquet(sys.argv[2], index=False)
    print(growth, r.json_bytes, r.error)
""")


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc to see peak memory")
def test_one_file_is_never_held_whole_in_memory(tmp_path):
    path = tmp_path / "big.json"
    exp = tic_files.write_in_network(path, other_items=120_000, seed=9)
    size = path.stat().st_size
    assert size > 60e6
    out = subprocess.run([sys.executable, "-c", PEAK_RSS, str(path), str(tmp_path / "rows.parquet")],
                         capture_output=True, text=True, cwd=ROOT, timeout=300, check=True).stdout.split()
    growth, json_bytes = int(out[0]), int(out[1])
    rows = pd.read_parquet(tmp_path / "rows.parquet")
    assert _found(mark_duplicates(rows))[0] == exp.prices  # the importer marks duplicates across files
    assert json_bytes == size and 0 < growth < size / 4, f"peak RSS grew {growth / 1e6:.1f} MB for {size / 1e6:.1f} MB"


def test_a_clinics_rates_become_its_price_list_and_price_its_quotes(file_set, tmp_path):
    folder, _, expected = file_set
    rates_file = tmp_path / "mine.parquet"
    import_rates([str(folder / "v2-root.json.gz")], str(rates_file), as_of=AS_OF)
    rates = pd.read_parquet(rates_file)
    export = clinic_price_list(rates)
    prices = PriceList.from_csv(export.csv)
    # every line is the median of the usable, unmodified rates the generator wrote for its site, code and
    # bill; a facility fee with no place of service is on no line
    want = {k: float(np.median(v)) for k, v in expected["v2-root.json.gz"].clinic.items()}
    got = {(p.site, p.code, p.component): p.amount for p in prices.prices}
    assert len(prices.prices) == export.lines == len(got) and got.keys() == want.keys()
    assert got == pytest.approx(want, abs=0.005)
    assert export.no_place == int(((rates["excluded"] == "") & (rates["modifiers"] == "")
                                   & (rates["place_of_service"] == "") & (rates["billing_class"] == "institutional")
                                   & rates["billing_code"].isin(["62320", "62321", "62322", "62323"])).sum()) > 0
    # the surgery center's doctor's line for 62321 exists: the generator writes one such rate
    line = got[("asc", "62321", "professional")]
    q = quote_with_prices(Scenario(zip="35203", site="asc", coverage="commercial", code="62321"), prices,
                          "Example Health Plan")
    assert q.components[0]["allowed"]["typical"] == pytest.approx(line, abs=0.005)
    assert export.with_modifier == int(((rates["excluded"] == "") & (rates["modifiers"] != "")
                                        & rates["billing_code"].isin(["62320", "62321", "62322", "62323"])).sum()) > 0


@pytest.mark.parametrize("version", ["1.0.0", "2.0.0"])
def test_arrays_and_objects_where_text_belongs_are_named_and_the_rest_is_read(tmp_path, version):
    path = tmp_path / "wrong.json"
    exp = tic_files.write_in_network(path, version=version, wrong_types=True, other_items=20, seed=5)
    r = read_file(Task(str(path)), AS_OF)
    assert not r.error
    prices, excluded = _found(mark_duplicates(r.rows))
    assert prices == exp.prices and +excluded == +exp.excluded
    assert r.counts["invalid"] == exp.invalid > 0
    assert len(exp.problems) == 4
    for where in exp.problems:
        assert any(p.startswith(where + ": ") and "is not one of" in p for p in r.problems), where
    assert len(r.problems) == len(exp.problems)


def test_ids_written_with_a_decimal_point_are_read_whole_or_named(tmp_path):
    path = tmp_path / "floats.json"
    exp = tic_files.write_in_network(path, version="2.0.0", float_ids=True, other_items=20, seed=6)
    summary = import_rates([str(path)], str(tmp_path / "rates.parquet"), as_of=AS_OF)
    rows = pd.read_parquet(tmp_path / "rates.parquet")
    prices, excluded = _found(rows)
    assert prices == exp.prices and +excluded == +exp.excluded
    assert rows["npi"].isin([""]).sum() < len(rows) and not rows["npi"].str.contains(r"\.").any()
    assert summary.counts["invalid"] == exp.invalid > 0
    assert summary.counts["invalid_provider_groups"] == exp.invalid_provider_groups == 2
    for where in exp.problems:
        assert any(p.startswith(f"{path}: {where}: ") and "whole number" in p for p in summary.problems), where
    assert len(summary.problems) == len(exp.problems) == 3


def test_a_file_without_in_network_fails_naming_the_file_and_the_field(tmp_path):
    good, none = tmp_path / "good.json", tmp_path / "none.json"
    exp = tic_files.write_in_network(good, other_items=5, seed=7)
    tic_files.write_in_network(none, other_items=5, seed=8, omit_in_network=True)
    out = tmp_path / "rates.parquet"
    r = run_cli("payer-rates", "import", str(good), str(none), "-o", str(out), "--as-of", "2026-12-07")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    errors = [x for x in r.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and str(none) in errors[0] and "in_network" in errors[0] and "missing" in errors[0]
    assert _found(pd.read_parquet(out))[0] == exp.prices


def test_a_missing_file_url_and_a_broken_table_of_contents_fail_alone(tmp_path):
    good = tmp_path / "good.json"
    exp = tic_files.write_in_network(good, other_items=5, seed=11)
    tic_files.write_toc(tmp_path / "toc.json", ["good.json"], broken=True)
    missing = (tmp_path / "gone.json").as_uri()
    out = tmp_path / "rates.parquet"
    r = run_cli("payer-rates", "import", str(good), missing, str(tmp_path / "toc.json"), "-o", str(out))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    errors = [x for x in r.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 2
    assert any(missing in e and "no such file" in e for e in errors)
    assert any(str(tmp_path / "toc.json") in e and "not valid JSON" in e for e in errors)
    assert "3 files (2 failed)" in r.stdout
    assert _found(pd.read_parquet(out))[0] == exp.prices


@pytest.mark.parametrize(("args", "where", "words"), [
    (["--npi", "123"], "--npi", "is not an NPI"),
    (["--tin", "12-34"], "--tin", "is not a TIN"),
    (["--as-of", "tomorrow"], "--as-of", "is not a date"),
    (["--workers", "2"], "--workers", "only with --engine dask"),
], ids=["npi", "tin", "as_of", "workers"])
def test_bad_options_are_named(file_set, tmp_path, args, where, words):
    folder, _, _ = file_set
    r = run_cli("payer-rates", "import", str(folder / "v1-root.json"), "-o", str(tmp_path / "r.parquet"), *args)
    assert r.returncode == 2 and "Traceback" not in r.stderr and where in r.stderr and words in r.stderr


def test_missing_input_and_a_bad_output_are_named(tmp_path):
    r = run_cli("payer-rates", "import", str(tmp_path / "none.json"), "-o", str(tmp_path / "r.parquet"))
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "a.json").write_text("{}")
    r = run_cli("payer-rates", "import", str(tmp_path / "a.json"), "-o", str(tmp_path / "r.csv"))
    assert r.returncode == 2 and "--output" in r.stderr and ".parquet" in r.stderr
