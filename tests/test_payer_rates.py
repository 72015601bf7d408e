"""Insurers' Transparency in Coverage files: generated files that CMS's schemas accept, imported as
streams, checked against what the generator wrote (tests/tic_files.py), here and on a local Dask
cluster; broken files named with their JSON path; a clinic's rates as its price list."""

from __future__ import annotations

import gzip
import json
import os
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
from estimator.payer_rates.atomic import replace_whole
from estimator.payer_rates.clinic_export import clinic_price_list
from estimator.payer_rates.importer import import_rates, mark_duplicates
from estimator.payer_rates.sources import SourceError, Task, local_path, tasks_for
from estimator.payer_rates.tic_file import MAX_PLAUSIBLE_RATE, read_file
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


def _edit(path: Path, change) -> None:
    """Rewrite a generated (plain JSON) file after ``change(document)``."""
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def _scope_items(doc: dict) -> list[dict]:
    return [item for item in doc["in_network"] if item["billing_code"] in tic_files.SCOPE]


def test_a_provider_group_id_past_int64_is_invalid_and_the_rest_is_read(tmp_path):
    path = tmp_path / "huge.json"
    tic_files.write_in_network(path, version="2.0.0", other_items=3, seed=12)

    def huge(doc: dict) -> None:
        doc["provider_references"][1]["provider_group_id"] = 1e30
        _scope_items(doc)[0]["negotiated_rates"][0]["provider_references"] = [1e30]

    _edit(path, huge)
    summary = import_rates([str(path)], str(tmp_path / "rates.parquet"), as_of=AS_OF)
    assert not summary.failed and summary.written and summary.prices > 0
    assert summary.counts["invalid_provider_groups"] == 1 and summary.counts["invalid"] >= 1
    assert any(p.startswith(f"{path}: provider_references[1].provider_group_id: ") and str(2**63 - 1) in p
               for p in summary.problems)
    assert any(".negotiated_rates[0].provider_references[0]: " in p and "whole number" in p for p in summary.problems)


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["reporting_structure"][0].update(reporting_plans=5), "reporting_structure[0].reporting_plans"),
    (lambda d: d["reporting_structure"][0].update(reporting_plans=[5]), "reporting_structure[0].reporting_plans[0]"),
    (lambda d: d["reporting_structure"][0]["reporting_plans"][0].update(plan_name=["A", "B"]),
     "reporting_structure[0].reporting_plans[0].plan_name"),
    (lambda d: d["reporting_structure"][0]["reporting_plans"][0].update(plan_id={"id": 1}),
     "reporting_structure[0].reporting_plans[0].plan_id"),
    (lambda d: d["reporting_structure"][0].update(in_network_files=0), "reporting_structure[0].in_network_files"),
    (lambda d: d["reporting_structure"].insert(0, "files"), "reporting_structure[0]"),
    (lambda d: d.update(reporting_structure={"a": 1}), "reporting_structure"),
    (lambda d: d.update(reporting_entity_name=["A"]), "reporting_entity_name"),
], ids=["plans_number", "plan_number", "plan_name_array", "plan_id_object", "files_number", "structure_text",
        "structure_object", "entity_array"])
def test_a_table_of_contents_of_wrong_types_fails_alone_naming_the_path(tmp_path, change, where):
    good = tmp_path / "good.json"
    exp = tic_files.write_in_network(good, other_items=3, seed=13)
    toc = tmp_path / "toc.json"
    tic_files.write_toc(toc, ["good.json"])
    _edit(toc, change)
    tasks, failed = tasks_for([str(toc), str(good)])
    assert [t.location for t in tasks] == [str(good)]
    assert len(failed) == 1 and failed[0].startswith(f"{toc}: {where}: ")
    r = run_cli("payer-rates", "import", str(toc), str(good), "-o", str(tmp_path / "r.parquet"), "--as-of",
                "2026-12-07")
    assert r.returncode == 1 and "Traceback" not in r.stderr and where in r.stderr
    assert _found(pd.read_parquet(tmp_path / "r.parquet"))[0] == exp.prices


def test_every_file_failing_writes_nothing_and_keeps_the_earlier_table(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    tic_files.write_in_network(good, other_items=5, seed=14)
    tic_files.write_in_network(bad, other_items=5, seed=15)
    tic_files.corrupt(bad)
    out = tmp_path / "rates.parquet"
    assert run_cli("payer-rates", "import", str(good), "-o", str(out), "--as-of", "2026-12-07").returncode == 0
    before = out.read_bytes()
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    r = run_cli("payer-rates", "import", str(bad), "-o", str(out), "--as-of", "2026-12-07")
    assert r.returncode == 1 and "Traceback" not in r.stderr and not r.stdout
    assert "nothing written" in r.stderr and "left as it was" in r.stderr and str(bad) in r.stderr
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "good.json", "rates.parquet"]
    summary = import_rates([str(bad)], str(tmp_path / "none.parquet"), as_of=AS_OF)
    assert not summary.written and len(summary.failed) == 1 and not (tmp_path / "none.parquet").exists()


def test_an_output_is_replaced_whole_or_not_at_all(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("the earlier table\n")

    def half(tmp: Path) -> None:
        tmp.write_text("half a ")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        replace_whole(target, half)
    assert target.read_text() == "the earlier table\n" and [p.name for p in tmp_path.iterdir()] == ["table.csv"]
    replace_whole(target, lambda tmp: tmp.write_text("the new table\n"))
    assert target.read_text() == "the new table\n" and [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_a_payer_that_is_not_text_is_a_problem_and_prices_no_line(tmp_path):
    named, unnamed = tmp_path / "named.json", tmp_path / "unnamed.json"
    tic_files.write_in_network(named, version="1.0.0", other_items=3, seed=16)
    tic_files.write_in_network(unnamed, version="1.0.0", other_items=3, seed=17, payer=["Plan A", "Plan B"])
    out = tmp_path / "rates.parquet"
    summary = import_rates([str(named), str(unnamed)], str(out), as_of=AS_OF)
    assert f"{unnamed}: reporting_entity_name: must be text, not an array; left blank" in summary.problems
    rates = pd.read_parquet(out)
    mine = rates["source_file"] == str(unnamed)
    assert (rates.loc[mine, "payer"] == "").all() and (rates.loc[~mine, "payer"] == "Example Health Plan").all()
    export = clinic_price_list(rates)
    usable = (rates["excluded"] == "") & rates["billing_code"].isin(["62320", "62321", "62322", "62323"])
    assert export.no_payer == int((usable & mine).sum()) > 0
    assert {p.payer for p in PriceList.from_csv(export.csv).prices} == {"Example Health Plan"}
    r = run_cli("payer-rates", "clinic-prices", str(out), "-o", str(tmp_path / "prices.csv"))
    assert r.returncode == 0 and f"{export.no_payer} rates with no payer named" in r.stdout


@pytest.mark.parametrize(("data", "where", "shown"), [
    (b"\x1f\x8b-not-gzip\xff\xfe\x00\x01binary", "", "cannot read"),
    (b"\xff\xfe\x00\x01binary", "", "not UTF-8 text (byte 0)"),
    (b"https://insurer.example/a.json\nb\x00c.json\n", "line 2: ", "b\\x00c.json is not a location"),
    (b"<!DOCTYPE html>\n<title>Sign in</title>\n", "line 1: ", "<!DOCTYPE html> is not a location"),
    (b"s3://bucket/in-network.json.gz\n", "line 1: ", "s3://bucket/in-network.json.gz is not a location"),
    (b"[1, 2, 3]\n", "line 1: ", "[1, 2, 3] is not a location"),
    (b"ok.json\r\nesc\x1b[31m.json\r\n", "line 2: ", "esc\\x1b[31m.json is not a location"),
], ids=["gzip_magic", "binary", "nul", "html", "other_scheme", "json_array", "escape"])
def test_a_file_that_is_no_url_list_fails_naming_it_with_values_escaped(tmp_path, data, where, shown):
    listing = tmp_path / "list.txt"
    listing.write_bytes(data)
    tasks, failed = tasks_for([str(listing)])
    assert not tasks and len(failed) == 1
    assert failed[0].startswith(f"{listing}: {where}") and shown in failed[0] and "URL list" in failed[0]
    assert failed[0].isprintable()


def test_a_parse_error_is_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    tic_files.write_in_network(bad, other_items=5, seed=18)
    tic_files.corrupt(bad)
    error = read_file(Task(str(bad)), AS_OF).error
    assert "broken or cut-short JSON" in error and "parse error" in error and error.isprintable()
    tic_files.write_toc(tmp_path / "toc.json", ["bad.json"], broken=True)
    _, failed = tasks_for([str(tmp_path / "toc.json")])
    assert "not valid JSON" in failed[0] and failed[0].isprintable()


def test_a_downloaded_file_may_name_only_web_locations(served, tmp_path):
    folder, base = served
    local = tmp_path / "local.json"
    tic_files.write_in_network(local, other_items=3, seed=19)
    tic_files.write_toc(folder / "toc-local.json", [str(local), local.as_uri(), "good-remote.json"])
    exp = tic_files.write_in_network(folder / "good-remote.json", other_items=3, seed=20)
    tasks, failed = tasks_for([f"{base}/toc-local.json"])
    assert not tasks and len(failed) == 1
    assert failed[0].startswith(f"{base}/toc-local.json: reporting_structure[0].in_network_files[0].location: ")
    assert "local file" in failed[0]
    tic_files.write_toc(folder / "toc-file-url.json", [local.as_uri()])
    assert "local file" in tasks_for([f"{base}/toc-file-url.json"])[1][0]
    # a relative location in a downloaded file is a URL beside it; a local file may name local files
    tic_files.write_toc(folder / "toc-relative.json", ["good-remote.json"])
    assert [t.location for t in tasks_for([f"{base}/toc-relative.json"])[0]] == [f"{base}/good-remote.json"]
    (tmp_path / "list.txt").write_text(f"{local}\n{local.as_uri()}\n")
    assert len(tasks_for([str(tmp_path / "list.txt")])[0]) == 2
    (folder / "list-local.txt").write_text(f"{base}/good-remote.json\n{local}\n")
    assert "line 2: " in tasks_for([f"{base}/list-local.txt"])[1][0]
    # a provider-reference file named by a file:// URL inside a downloaded in-network file
    exp_groups = tic_files.write_in_network(folder / "refs-local.json", version="1.0.0", refs="location",
                                            other_items=3, seed=21, base_url=folder.as_uri())
    r = read_file(Task(f"{base}/refs-local.json"), AS_OF)
    assert not r.error and exp_groups.prices and not _found(r.rows)[0]
    assert r.counts["invalid_provider_groups"] == 6
    assert all(".location: " in p and "local file" in p for p in r.problems if p.startswith("provider_references["))
    assert exp.prices


def test_a_download_past_its_limit_stops_and_leaves_nothing(served, tmp_path):
    folder, base = served
    tic_files.write_in_network(folder / "sized.json", other_items=3, seed=22)
    spool = tmp_path / "spool"
    spool.mkdir()
    with pytest.raises(SourceError, match="larger than the download limit of 100 bytes"):
        local_path(f"{base}/sized.json", str(spool), max_bytes=100)
    assert not list(spool.iterdir())
    path, temp = local_path(f"{base}/sized.json", str(spool), max_bytes=(folder / "sized.json").stat().st_size)
    assert temp and Path(path).read_bytes() == (folder / "sized.json").read_bytes()
    Path(path).unlink()


def test_an_implausible_rate_and_a_tax_id_without_a_value_are_kept_out(tmp_path):
    path = tmp_path / "odd.json"
    tic_files.write_in_network(path, version="2.0.0", other_items=3, seed=23)

    def change(doc: dict) -> None:
        price = _scope_items(doc)[1]["negotiated_rates"][0]["negotiated_prices"][0]
        price["negotiated_rate"] = 999999.99
        doc["provider_references"][1]["provider_groups"][0]["tin"] = {}
        doc["provider_references"][2]["provider_groups"][0]["tin"]["value"] = "  "

    _edit(path, change)
    summary = import_rates([str(path)], str(tmp_path / "rates.parquet"), as_of=AS_OF)
    rows = pd.read_parquet(tmp_path / "rates.parquet")
    assert summary.excluded["implausible"] > 0 and not summary.failed
    assert (rows.loc[rows["negotiated_rate"] > MAX_PLAUSIBLE_RATE, "excluded"].isin(["implausible"])).all()
    assert (rows["negotiated_rate"] == 999999.99).any() and rows.loc[rows["excluded"] == "", "negotiated_rate"].max() \
        <= MAX_PLAUSIBLE_RATE
    assert not (rows["tin"].str.strip() == "").any()
    assert summary.counts["invalid_provider_groups"] == 2
    for g in (1, 2):
        assert any(p.startswith(f"{path}: provider_references[{g}].provider_groups[0].tin.value: ")
                   for p in summary.problems)
