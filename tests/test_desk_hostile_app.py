"""Link and image payloads in everything the front-desk pages show that users or links supply (AppTest).

Every URL parameter, form field, staff name, uploaded file name, batch column name and cell, and
price-list cell gets each payload; then the Markdown of every element the AppTest tree holds (alert
and markdown bodies, captions, toasts, labels, help, progress text, expander labels) must not hold
an unescaped link, image or HTML tag: ``dashboard.safe_text.md`` escapes them, so they show as the
characters typed.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import PASSCODE_FAILURES
from dashboard.safe_text import md, shown
from estimator.frontdesk.batch_csv import TEMPLATE
from estimator.frontdesk.clinic_prices import TEMPLATE as PRICES_TEMPLATE
from estimator.records.storage import QuoteLog

from .conftest import ROOT

APP = str(ROOT / "app.py")
PAYLOADS = ["![x](http://evil.example/i.gif)", "[sign in again](http://evil.example)", "<img src=x>"]
#: Fields whose Markdown Streamlit renders (the rest - values, options, placeholders - are plain text).
MARKDOWN_FIELDS = {"body", "label", "help", "text"}
#: What a payload looks like once Markdown read it: a link or image, an HTML tag, a bare web address.
UNESCAPED = re.compile(r"\]\(|!\[|<img|<a\s|https?://", re.IGNORECASE)


@pytest.fixture(autouse=True)
def desk(tmp_path, monkeypatch):
    PASSCODE_FAILURES.reset()
    monkeypatch.setenv("ESTIMATOR_DB_PATH", str(tmp_path / "quotes.sqlite3"))
    monkeypatch.setenv("ESTIMATOR_FRONT_DESK", "open")
    yield QuoteLog(f"sqlite:///{tmp_path / 'quotes.sqlite3'}")
    PASSCODE_FAILURES.reset()


def _strings(msg, out: list[str]) -> None:
    for fd, value in msg.ListFields():
        values = value if hasattr(value, "__iter__") and not isinstance(value, (str, bytes)) else [value]
        for v in values:
            if fd.type == fd.TYPE_MESSAGE:
                _strings(v, out)
            elif fd.type == fd.TYPE_STRING and fd.name in MARKDOWN_FIELDS:
                out.append(v)


def rendered(at: AppTest) -> list[str]:
    """The Markdown source of every element and block in the app's tree (and its toasts)."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            _strings(proto, out)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def leaks(at: AppTest) -> list[str]:
    """Rendered Markdown that holds a link, image, tag or address once its backslash escapes are removed."""
    assert not at.exception, [str(e.value)[:300] for e in at.exception]
    return [t[:160] for t in rendered(at) if UNESCAPED.search(re.sub(r"\\.", "", t))]


def open_page(page: str, params: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    at.run()
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_checker_sees_an_unescaped_payload_and_passes_an_escaped_one():
    assert all(UNESCAPED.search(p) for p in PAYLOADS)
    assert not any(UNESCAPED.search(re.sub(r"\\.", "", md(p))) for p in PAYLOADS)
    assert [shown(md(p)) for p in PAYLOADS] == PAYLOADS  # shown as typed


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_correction_link_with_a_payload(payload):
    at = open_page("app_pages/front_desk.py", params={"correct": payload})
    assert at.error and not leaks(at)
    assert payload.upper() in shown(at.error[0].value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_front_desk_field_with_a_payload(payload):
    at = open_page("app_pages/front_desk.py")
    at.text_input(key="w_staff_name").input(payload)
    at.run()
    for key in ("zip", "deductible_remaining", "copay", "coinsurance", "oop_remaining", "patient_name", "patient_dob",
                "patient_ref", "service_date", "scheduled_on", "diagnosis_codes"):
        at.text_input(key=f"fdw_{key}").input(payload)
    next(b for b in at.button if b.label == "Quote").click()
    at.run()
    assert len(at.error) >= 4 and not leaks(at)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_saved_quote_with_payload_names_in_the_desk_and_the_log(payload, desk):
    at = open_page("app_pages/front_desk.py")
    at.text_input(key="w_staff_name").input(payload)
    at.run()
    for key, value in (("zip", "35203"), ("patient_name", payload), ("patient_ref", payload[:60]),
                       ("coverage", "self_pay"), ("diagnosis_codes", "M54.12")):
        (at.selectbox if key == "coverage" else at.text_input)(key=f"fdw_{key}").set_value(value)
    next(b for b in at.button if b.label == "Quote").click()
    at.run()
    next(b for b in at.button if b.label == "Save quote").click()
    at.run()
    assert at.success and payload in shown(at.success[0].value) and not leaks(at)
    assert [shown(t.value) for t in at.toast]
    # The same patient again with other details: the confirmation names the patient.
    at.text_input(key="fdw_deductible_remaining").input("900")
    at.selectbox(key="fdw_coverage").set_value("commercial")
    next(b for b in at.button if b.label == "Quote").click()
    at.run()
    next(b for b in at.button if b.label == "Save quote").click()
    at.run()
    assert any("Is this the same patient?" in w.value for w in at.warning) and not leaks(at)

    log = open_page("app_pages/quote_log.py")
    log.text_input(key="log_query").input(payload)
    log.run()
    assert not leaks(log)
    assert any(payload in shown(m.value) for m in log.markdown)  # staff and patient names, shown as typed
    assert desk.count() == 1


def test_a_passcode_sign_in_with_a_payload_name():
    at = open_page("app_pages/front_desk.py", secrets={"staff_passcode": "open sesame"})
    at.text_input[0].input(PAYLOADS[0])
    at.text_input[1].input("open sesame")
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert at.session_state["staff_name"] == PAYLOADS[0] and not leaks(at)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_batch_with_payloads_in_its_name_columns_and_cells(payload, desk):
    at = open_page("app_pages/batch_quotes.py")
    at.text_input(key="w_staff_name").input(payload)
    at.run()
    quoted = TEMPLATE.replace("patient_ref", f'"{payload}"', 1).replace("Jordan Example", f'"{payload}"')
    quoted += f'"{payload}",,,,"{payload}",,"{payload}",,,,,,,,,,,,,\n'
    at.get("file_uploader")[0].upload(f"{payload}.csv", quoted.encode(), "text/csv")
    at.run()
    assert not leaks(at)
    assert any(payload in shown(e.value) for e in (*at.error, *at.markdown))  # the bad row, in full
    next(b for b in at.button if b.label.startswith("Save the 3 quoted rows")).click()
    at.run()
    assert not leaks(at) and desk.count() == 3
    assert any(f"{payload}.csv" in shown(s.value) for s in at.success)


def test_a_batch_file_that_cannot_be_read_is_named_escaped():
    at = open_page("app_pages/batch_quotes.py")
    at.get("file_uploader")[0].upload(f"{PAYLOADS[1]}.csv", f"{PAYLOADS[0]},x\n1,2\n".encode(), "text/csv")
    at.run()
    assert at.error and not leaks(at)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_price_list_cells_with_payloads(payload, desk):
    at = open_page("app_pages/clinic_prices.py")
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    bad = PRICES_TEMPLATE + f'"{payload}",commercial,"{payload}",62321,"{payload}","{payload}",x\n'
    at.get("file_uploader")[0].upload(f"{payload}.csv", bad.encode(), "text/csv")
    at.run()
    assert at.error and not leaks(at)
    good = PRICES_TEMPLATE + f'"Payer {payload}",commercial,asc,62321,facility,700.00,"{payload}"\n'
    at.get("file_uploader")[0].clear()
    at.get("file_uploader")[0].upload("prices.csv", good.encode(), "text/csv")
    at.run()
    next(b for b in at.button if b.label == "Save as the clinic's prices").click()
    at.run()
    assert not leaks(at)

    desk_page = open_page("app_pages/front_desk.py")
    desk_page.text_input(key="fdw_zip").input("35203")
    desk_page.selectbox(key="fdw_site").set_value("asc")
    desk_page.selectbox(key="fdw_payer").set_value(f"Payer {payload}")
    next(b for b in desk_page.button if b.label == "Quote").click()
    desk_page.run()
    assert desk_page.metric and not leaks(desk_page)
    assert any(f"Payer {payload}" in shown(c.value) for c in desk_page.caption)  # the source, named as typed
