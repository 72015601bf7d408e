"""The HTTP API, served for real (``python -m estimator serve`` on a free loopback port).

Its answers are the command line's: a quote is the JSON ``quote --json`` prints for the same inputs,
a series the JSON of ``series --json``; errors are RFC 9457 problems naming the same fields with the
same words; staff endpoints need a token; no log line holds what a patient typed.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.cli.commands import main as cli_main
from estimator.inputs.fields import FIELDS, REGISTRY
from estimator.records.log_schema import make_engine
from estimator.records.storage import QuoteLog

from . import api_server
from .strategies import scenarios

PATIENT = {"patient_name": "Zebulon Quartermaine", "patient_dob": "1961-03-09", "patient_ref": "MRN-77Q1X"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = api_server.start(tmp_path_factory.mktemp("api"))
    yield s
    api_server.stop(s)


@pytest.fixture(scope="module")
def token(server):
    return server.token("test-desk")


def post(server, path: str, body: object, **kw) -> requests.Response:
    return requests.post(server.url + path, json=body, timeout=60, **kw)


def cli_json(*args: str) -> dict:
    """What the command line prints, run in this process."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main(list(args)) == 0
    return json.loads(out.getvalue())


def as_option(value: object) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def numbers(obj: object) -> list:
    """Every number (and true/false) in a JSON document, in order: what must not change with the language."""
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in numbers(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in numbers(v)]
    return [obj] if isinstance(obj, int | float) else []


def test_health_names_the_data_version(server, ref):
    r = requests.get(server.url + "/v1/health", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "ok", "data_version": ref.version}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sc=scenarios(allow_overrides=True), as_text=st.booleans())
def test_a_quote_is_exactly_what_the_cli_prints(server, sc, as_text):
    values = {k: v for k, v in sc.to_dict().items() if v is not None and k in FIELDS}
    body = {k: as_option(v) for k, v in values.items()} if as_text else values
    r = post(server, "/v1/quote", body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    args = [a for k, v in values.items() for a in (FIELDS[k].option, as_option(v))]
    assert r.json() == cli_json("quote", "--json", *args)


def test_spanish_words_same_numbers(server):
    body = {"zip": "60612", "site": "hopd", "coverage": "commercial", "deductible": 1500, "coinsurance": 20}
    en = post(server, "/v1/quote", body).json()
    es = post(server, "/v1/quote?lang=es", body).json()
    header = post(server, "/v1/quote", body, headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).json()
    assert es == header
    assert es["steps"] != en["steps"] and es == cli_json("quote", "--json", "--lang", "es", "--zip", "60612",
                                                         "--site", "hopd", "--coverage", "commercial",
                                                         "--deductible", "1500", "--coinsurance", "20")
    for key in ("patient_pays", "plan_pays", "total_allowed", "components", "patient_pays_if", "breakdown", "code"):
        assert numbers(es[key]) == numbers(en[key])
    assert numbers(es["components"])  # the figures are there, not only words
    assert [w["code"] for w in es["warnings"]] == [w["code"] for w in en["warnings"]]
    bad = post(server, "/v1/quote?lang=fr", body)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lang"


def test_a_batch_answers_each_row_on_its_own(server):
    rows = [{"zip": "60612", "site": "asc"}, {"zip": "123"}, "not a row", {"zip": "35203", "coverage": "medicare",
                                                                             "site": "office"},
            {"zip": "35203", "network": "out", "coverage": "medicare"}, {"state": "AL", "bogus": 1}]
    r = post(server, "/v1/quotes", {"scenarios": rows})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["row"] for x in results] == list(range(len(rows)))
    assert [x["status"] for x in results] == ["ok", "error", "error", "ok", "error", "error"]
    for i in (0, 3):
        assert results[i]["quote"] == post(server, "/v1/quote", rows[i]).json()
    for i in (1, 4, 5):
        single = post(server, "/v1/quote", rows[i]).json()
        assert results[i]["errors"] == single["errors"]
    assert results[1]["errors"][0]["field"] == "zip"
    assert results[5]["errors"][0]["field"] == "bogus"


def test_a_batch_over_the_row_limit_is_refused_naming_scenarios(server):
    from estimator.api.public import MAX_ROWS

    r = post(server, "/v1/quotes", {"scenarios": [{"zip": "60612"}] * (MAX_ROWS + 1)})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scenarios"
    assert str(MAX_ROWS) in r.json()["errors"][0]["message"]


def test_a_series_is_what_series_json_prints(server):
    r = post(server, "/v1/series", {"zip": "35203", "coverage": "commercial", "deductible": "2000", "count": 3,
                                    "weeks_apart": 4})
    assert r.status_code == 200
    assert r.json() == cli_json("series", "--json", "--zip", "35203", "--coverage", "commercial", "--deductible",
                                "2000", "--count", "3", "--weeks-apart", "4")
    missing = post(server, "/v1/series", {"zip": "35203"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "count"
    bad = post(server, "/v1/series", {"zip": "35203", "count": 9, "weeks_apart": 0}).json()
    assert {e["field"] for e in bad["errors"]} == {"count", "weeks_apart"}


def test_hospitals_near_a_zip_nearest_first_with_published_prices(server):
    r = requests.get(server.url + "/v1/hospitals", params={"zip": "60612", "limit": 8, "within_miles": 4},
                     timeout=60)
    assert r.status_code == 200
    d = r.json()
    miles = [h["distance_miles"] for h in d["hospitals"]]
    assert miles == sorted(miles) and all(m <= 4 for m in miles) and 0 < len(miles) <= 8
    assert any(h["cash_price"] is not None or h["gross_charge"] is not None for h in d["hospitals"])
    assert d["local_range"]["cash"]["low"] < d["local_range"]["cash"]["high"]
    no_zip = requests.get(server.url + "/v1/hospitals", params={"state": "IL"}, timeout=10)
    assert no_zip.status_code == 422 and no_zip.json()["errors"] == [{"field": "zip", "message": "is required"}]
    bad = requests.get(server.url + "/v1/hospitals", params={"zip": "60612", "limit": "500", "within_miles": "x"},
                       timeout=10).json()
    assert {e["field"] for e in bad["errors"]} == {"limit", "within_miles"}


def test_fields_list_the_registry_in_english_and_spanish(server):
    en = requests.get(server.url + "/v1/fields", timeout=10).json()
    es = requests.get(server.url + "/v1/fields", params={"lang": "es"}, timeout=10).json()
    assert [f["name"] for f in en["fields"]] == [s.name for s in REGISTRY] == [f["name"] for f in es["fields"]]
    assert en["language"] == "en" and es["language"] == "es"
    site_en = next(f for f in en["fields"] if f["name"] == "site")
    site_es = next(f for f in es["fields"] if f["name"] == "site")
    assert [c["value"] for c in site_en["choices"]] == list(FIELDS["site"].choices) == [
        c["value"] for c in site_es["choices"]]
    assert site_en["label"] != site_es["label"]
    ded = next(f for f in en["fields"] if f["name"] == "deductible")
    assert (ded["min"], ded["max"], ded["unit"]) == (FIELDS["deductible"].low, FIELDS["deductible"].high, "USD")


@pytest.mark.parametrize("body, field, words", [
    ({"zip": "3520"}, "zip", "5 digits"),
    ({"zip": "35203", "deductible": "-5"}, "deductible", "from 0 to 1,000,000"),
    ({"zip": "35203", "site": "moon"}, "site", "one of hopd, asc, office"),
    ({"zip": "35203", "coverage": "medicare", "network": "out"}, "network", ""),
    ({"zip": "35203", "wat": 1}, "wat", "unknown field"),
    ({"zip": ["35203"]}, "zip", "not a list"),
])
def test_bad_input_is_a_problem_naming_the_field_with_the_cli_words(server, body, field, words):
    r = post(server, "/v1/quote", body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    p = r.json()
    assert p["type"] == "/problems/invalid-input" and p["status"] == 422 and p["instance"] == "/v1/quote"
    err = next(e for e in p["errors"] if e["field"] == field)
    assert words in err["message"]
    if field in FIELDS and field != "wat" and not isinstance(body[field], list):
        args = [a for k, v in body.items() for a in (FIELDS[k].option, str(v))]
        out = io.StringIO()
        with contextlib.redirect_stderr(out):
            assert cli_main(["quote", *args]) == 2
        assert f"error: {FIELDS[field].option}: {err['message']}" in out.getvalue()


@pytest.mark.parametrize("data, headers, status, field", [
    (b'{"zip": "35203"', {"Content-Type": "application/json"}, 422, "body"),
    (b'[1, 2]', {"Content-Type": "application/json"}, 422, "body"),
    (b'{"zip": NaN}', {"Content-Type": "application/json"}, 422, "body"),
    (b'', {"Content-Type": "application/json"}, 422, "body"),
    (b'\xff\xfe', {"Content-Type": "application/json"}, 422, "body"),
    (b'[' * 100000 + b']' * 100000, {"Content-Type": "application/json"}, 422, "body"),
    (b'zip=35203', {"Content-Type": "application/x-www-form-urlencoded"}, 415, None),
    (b'{"zip": "35203"}', {"Content-Type": "text/plain"}, 415, None),
    (b'{"zip": "35203"}', {}, 415, None),
])
def test_bodies_that_are_not_a_json_object(server, data, headers, status, field):
    r = requests.post(server.url + "/v1/quote", data=data, headers=headers, timeout=30)
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    if field:
        assert r.json()["errors"][0]["field"] == field


def test_a_body_over_the_limit_is_413_declared_or_streamed(server):
    from estimator.api.app import BODY_LIMIT

    big = json.dumps({"zip": "35203", "payer": "x" * (BODY_LIMIT + 10)}).encode()
    r = requests.post(server.url + "/v1/quote", data=big, headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413 and r.json()["status"] == 413
    chunks = (big[i:i + 65536] for i in range(0, len(big), 65536))  # no Content-Length: chunked
    r = requests.post(server.url + "/v1/quote", data=chunks, headers={"Content-Type": "application/json"},
                      timeout=30)
    assert r.status_code == 413


def test_staff_endpoints_need_a_valid_token_and_give_no_data_without(server, token):
    saved = post(server, "/v1/quote?save=true", {"zip": "35203", "by": "Ana Front", **PATIENT},
                 headers={"Authorization": f"Bearer {token}"})
    assert saved.status_code == 200
    qid = saved.json()["quote_id"]
    for headers in ({}, {"Authorization": "Bearer est_" + "x" * 43}, {"Authorization": f"Basic {token}"},
                    {"Authorization": "Bearer"}):
        r = requests.get(server.url + f"/v1/log/{qid}", headers=headers, timeout=10)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert PATIENT["patient_name"] not in r.text and qid not in r.text.replace(f"/v1/log/{qid}", "")
        r = post(server, "/v1/quote?save=true", {"zip": "35203", "by": "Ana"}, headers=headers)
        assert r.status_code == 401
    got = requests.get(server.url + f"/v1/log/{qid}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert got.status_code == 200
    rec = got.json()
    assert rec["quote_id"] == qid and rec["saved_by"] == "Ana Front" and rec["patient_name"] == PATIENT["patient_name"]
    assert rec["patient_dob"] == PATIENT["patient_dob"] and rec["kind"] == "quote"
    printed = dict(saved.json())
    printed.pop("quote_id")
    assert {k: v for k, v in rec["outputs"].items() if k != "schema_version"} == printed
    missing = requests.get(server.url + "/v1/log/Q2222222222", headers={"Authorization": f"Bearer {token}"},
                           timeout=10)
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"


def test_saving_needs_by_and_patient_details_need_saving(server, token):
    auth = {"Authorization": f"Bearer {token}"}
    r = post(server, "/v1/quote?save=true", {"zip": "35203"}, headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "by"
    r = post(server, "/v1/quote", {"zip": "35203", "patient_name": "X"})
    assert r.status_code == 422 and "only with save=true" in r.json()["errors"][0]["message"]
    r = post(server, "/v1/quote?save=true", {"zip": "35203", "by": "Ana", "patient_dob": "2999-01-01"}, headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "patient_dob"


def test_a_revoked_token_is_refused_from_then_on(server):
    tok = server.token("short-lived")
    auth = {"Authorization": f"Bearer {tok}"}
    assert post(server, "/v1/quote?save=true", {"zip": "35203", "by": "Ana"}, headers=auth).status_code == 200
    r = server.cli("api-token", "revoke", "short-lived")
    assert r.returncode == 0 and "revoked" in r.stdout
    assert post(server, "/v1/quote?save=true", {"zip": "35203", "by": "Ana"}, headers=auth).status_code == 401
    listed = server.cli("api-token", "list").stdout
    assert "short-lived" in listed and "revoked" in listed and tok not in listed


def test_tokens_are_stored_only_as_hashes(server, token):
    engine = make_engine(f"sqlite:///{server.env['ESTIMATOR_DB_PATH']}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM api_tokens")]
    engine.dispose()
    assert rows and not any(token in str(r) for r in rows)
    import hashlib

    assert any(hashlib.sha256(token.encode()).hexdigest() in r for r in rows)


def test_saved_records_chain_and_no_log_line_holds_patient_data_or_tokens(server, token):
    post(server, "/v1/quote?save=true", {"zip": "60612", "by": "Ana Front", **PATIENT},
         headers={"Authorization": f"Bearer {token}"})
    requests.get(server.url + "/v1/hospitals", params={"zip": "60612", "limit": 2}, timeout=60)
    assert QuoteLog(f"sqlite:///{server.env['ESTIMATOR_DB_PATH']}").verify().ok
    text = server.log_text()
    assert "POST /v1/quote 200" in text
    for secret in (*PATIENT.values(), "Ana Front", token, "60612?", "zip="):
        assert secret not in text


def test_an_unexpected_error_is_a_500_problem_logged_without_its_text(caplog):
    import asyncio

    from estimator.api.guards import AccessLog

    async def broken(scope, receive, send):
        raise KeyError(PATIENT["patient_name"])

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    with caplog.at_level("INFO", logger="estimator.api"):
        asyncio.run(AccessLog(broken)({"type": "http", "method": "POST", "path": "/v1/quote", "headers": []},
                                      receive, send))
    assert sent[0]["status"] == 500
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["status"] == 500 and body["type"] == "/problems/internal"
    assert "KeyError" in caplog.text and "POST /v1/quote 500" in caplog.text
    assert PATIENT["patient_name"] not in caplog.text + json.dumps(body)


def gfe_body(**changes) -> dict:
    """The example case with the server's own clinic profile (the API reads no file path), issued by Ana."""
    case = json.loads((api_server.ROOT / "examples" / "gfe_case.json").read_text())
    case.pop("clinic_profile")
    return {**case, "by": "Ana Front", **changes}


def gfe_claims(packet: dict, profile: str) -> list[dict]:
    """The packet's claims of one PCT profile (``gfe-professional``, ``gfe-institutional``, ``gfe-summary``)."""
    out = []
    for entry in packet["entry"]:
        r = entry["resource"]
        if r["resourceType"] == "Bundle":
            out += [e["resource"] for e in r["entry"] if e["resource"]["resourceType"] == "Claim"
                    and any(p.endswith("/davinci-pct-" + profile) for p in e["resource"]["meta"]["profile"])]
    return out


def test_a_gfe_is_a_pct_packet_saved_like_the_desks_with_the_pdfs_amounts(server, token):
    from estimator import gfe
    from estimator.documents.gfe_pdf import gfe_text
    from estimator.frontdesk import desk

    auth = {"Authorization": f"Bearer {token}"}
    before = QuoteLog(f"sqlite:///{server.env['ESTIMATOR_DB_PATH']}").count()
    r = post(server, "/v1/gfe", gfe_body(), headers=auth)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/fhir+json"
    packet = r.json()
    assert packet["resourceType"] == "Bundle" and packet["type"] == "document"
    assert packet["entry"][0]["resource"]["resourceType"] == "Composition"
    qid = r.headers["x-quote-id"]
    assert r.headers["location"] == f"/v1/log/{qid}"

    rec = requests.get(server.url + f"/v1/log/{qid}", headers=auth, timeout=10).json()
    assert rec["kind"] == "gfe" and rec["saved_by"] == "Ana Front" and rec["patient_name"] == "Jordan Example"
    assert rec["outputs"]["gfe"]["fhir"] == packet
    assert QuoteLog(f"sqlite:///{server.env['ESTIMATOR_DB_PATH']}").count() == before + 1

    # The same case priced in this process, as the PDF prints it.
    case = gfe.GfeCase.from_dict({**gfe_body(), "clinic_profile": str(api_server.ROOT / "examples" /
                                                                        "clinic_profile.json")})
    q, lines = gfe.build(case)
    pdf_total = gfe_text(case, q, lines)["total"]
    claims = gfe_claims(packet, "gfe-professional") + gfe_claims(packet, "gfe-institutional")
    assert round(sum(c["total"]["value"] for c in claims), 2) == pdf_total
    assert sorted(round(c["total"]["value"], 2) for c in claims) == sorted(
        round(sum(li.amount for li in lines if li.role == role), 2) for role in {li.role for li in lines})
    assert rec["outputs"]["gfe"]["lines"] == desk.gfe_outputs(gfe_body(clinic_profile=json.loads(
        (api_server.ROOT / "examples" / "clinic_profile.json").read_text())))["gfe"]["lines"]


def test_a_gfe_needs_a_token_by_and_no_file_path_and_saves_nothing_when_refused(server, token):
    auth = {"Authorization": f"Bearer {token}"}
    log = QuoteLog(f"sqlite:///{server.env['ESTIMATOR_DB_PATH']}")
    before = log.count()
    r = post(server, "/v1/gfe", gfe_body())
    assert r.status_code == 401 and "Jordan" not in r.text
    body = gfe_body()
    body.pop("by")
    r = post(server, "/v1/gfe", body, headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "by"
    r = post(server, "/v1/gfe", gfe_body(clinic_profile="/etc/passwd"), headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "clinic_profile"
    r = post(server, "/v1/gfe", gfe_body(scenario={"site": "asc", "coverage": "commercial"}), headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scenario.coverage"
    profile = json.loads((api_server.ROOT / "examples" / "clinic_profile.json").read_text())
    profile["providers"][1].pop("taxonomy")
    r = post(server, "/v1/gfe", gfe_body(clinic_profile=profile), headers=auth)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "clinic_profile.providers[1].taxonomy"
    assert log.count() == before
