"""Insurers' Transparency in Coverage files: generated files that CMS's schemas accept, imported as
streams, checked against what the generator wrote (tests/tic_files.py), here and on a local Dask
cluster; broken files named with their JSON path; a clinic's rates as its price list."""

from __future__ import annotations

import gzip
import json
import shutil
import tracemalloc
from collections import Counter
from datetime import date
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from estimator.frontdesk.clinic_prices import PriceList, quote_with_prices
from estimator.payer_rates.clinic_export import clinic_price_list
from estimator.payer_rates.importer import import_rates, mark_duplicates
from estimator.payer_rates.sources import Task
from estimator.payer_rates.tic_file import read_file
from estimator.scenario import Scenario
from tests import tic_files
from tests.conftest import dask_cluster, run_cli

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
    assert not summary.failed and not summary.problems
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


def test_one_file_is_never_held_whole_in_memory(tmp_path):
    path = tmp_path / "big.json"
    exp = tic_files.write_in_network(path, other_items=120_000, seed=9)
    size = path.stat().st_size
    assert size > 60e6
    tracemalloc.start()
    r = read_file(Task(str(path)), AS_OF)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert _found(mark_duplicates(r.rows))[0] == exp.prices  # the importer marks duplicates across files
    assert r.json_bytes == size and peak < size / 10


def test_a_clinics_rates_become_its_price_list_and_price_its_quotes(file_set, tmp_path):
    folder, _, _ = file_set
    rates_file = tmp_path / "mine.parquet"
    import_rates([str(folder / "v2-root.json.gz")], str(rates_file), as_of=AS_OF)
    rates = pd.read_parquet(rates_file)
    export = clinic_price_list(rates)
    prices = PriceList.from_csv(export.csv)
    assert len(prices.prices) == export.lines > 0
    # the surgery center's professional line for 62321: the median of the usable, unmodified rates
    # written for place of service 24 or for every place
    usable = rates[(rates["excluded"] == "") & (rates["modifiers"] == "") & (rates["billing_code"] == "62321")
                   & (rates["billing_class"] == "professional")]
    asc = usable[usable["place_of_service"].str.split(";").map(lambda p: "24" in p)]
    line = [p for p in prices.prices if (p.site, p.code, p.component) == ("asc", "62321", "professional")]
    if len(asc):
        assert line and line[0].amount == pytest.approx(asc["negotiated_rate"].median(), abs=0.005)
        q = quote_with_prices(Scenario(zip="35203", site="asc", coverage="commercial", code="62321"), prices,
                              "Example Health Plan")
        assert q.components[0]["allowed"]["typical"] == pytest.approx(line[0].amount, abs=0.005)
    assert export.with_modifier == int(((rates["excluded"] == "") & (rates["modifiers"] != "")
                                        & rates["billing_code"].isin(["62320", "62321", "62322", "62323"])).sum())


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
