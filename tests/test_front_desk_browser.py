"""The front desk in a real Chromium: keyboard-only quoting and saving, batch upload, passcode and OIDC sign-in."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from estimator.frontdesk.batch_csv import TEMPLATE
from estimator.records.storage import QuoteLog

from .conftest import ROOT
from .e2e_server import block_non_local, free_port, streamlit_server
from .oidc_provider import oidc_provider

pytestmark = pytest.mark.browser
TIMEOUT = 45_000
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("desk")
    # A single-user install (the desk open without sign-in); the sign-in tests below configure it instead.
    return {**os.environ, "ESTIMATOR_DB_PATH": str(d / "quotes.sqlite3"), "ESTIMATOR_FRONT_DESK": "open"}, d


def new_page(browser, blocked):
    ctx = browser.new_context(viewport={"width": 1280, "height": 1400}, accept_downloads=True)
    page = ctx.new_page()
    block_non_local(page, blocked)
    return page


def test_keyboard_quote_save_and_find(env, browser):
    environ, d = env
    blocked: list[str] = []
    server_log = d / "server.log"
    with streamlit_server(environ, log=server_log) as url:
        page = new_page(browser, blocked)
        page.goto(f"{url}/desk")
        name = page.get_by_role("textbox", name="Your name or initials")
        name.fill("KB")
        name.press("Enter")
        zipbox = page.get_by_role("textbox", name="ZIP code")
        zipbox.fill("35203")
        page.get_by_role("textbox", name="Coinsurance (%)").fill("20")
        patient = page.get_by_role("textbox", name="Patient name")
        patient.fill("Dana Keyboard")
        patient.press("Enter")  # Enter submits the quote form
        expect(page.get_by_text("Patient pays (typical)")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_role("button", name=re.compile("Save quote"))).to_be_enabled(timeout=TIMEOUT)
        page.keyboard.press("Control+s")  # save from the keyboard
        saved = page.get_by_text(re.compile(r"Saved as Q[0-9A-Z]{9} for")).first
        expect(saved).to_be_visible(timeout=TIMEOUT)
        qid = re.search(r"Q[0-9A-Z]{9}", saved.inner_text()).group(0)
        assert QuoteLog(f"sqlite:///{d / 'quotes.sqlite3'}").get(qid).patient_name == "Dana Keyboard"

        page.goto(f"{url}/log")
        search = page.get_by_role("textbox", name=re.compile("Search by quote ID"))
        search.fill("keyboard")
        search.press("Enter")
        expect(page.get_by_text(f"Quote {qid}")).to_be_visible(timeout=TIMEOUT)
        page.screenshot(path=str(Path(__file__).resolve().parents[1] / "artifacts" / "quote-log-1280px.png"))
    assert blocked == []
    assert "Dana" not in server_log.read_text(errors="replace")  # no patient data in the logs


def test_correct_a_quote_from_the_log(env, browser):
    environ, d = env
    from estimator.quote import quote
    from estimator.scenario import Scenario

    store = QuoteLog(f"sqlite:///{d / 'quotes.sqlite3'}")
    q = quote(Scenario(zip="35203", deductible_remaining=100))
    first = store.save({**q.scenario.to_dict(), "payer": None}, q.to_dict(), "KB", patient_name="Robin Fixme")
    blocked: list[str] = []
    with streamlit_server(environ) as url:
        page = new_page(browser, blocked)
        page.goto(f"{url}/log")
        page.get_by_role("textbox", name="Your name or initials").fill("KB")
        search = page.get_by_role("textbox", name=re.compile("Search by quote ID"))
        search.fill(first.id)
        search.press("Enter")
        page.get_by_role("button", name="Correct this quote").click()
        expect(page.get_by_text(f"Correcting quote {first.id}")).to_be_visible(timeout=TIMEOUT)
        expect(page).to_have_url(re.compile(r"/desk$"), timeout=TIMEOUT)  # the handover parameter is cleared
        expect(page.get_by_role("textbox", name="Patient name")).to_have_value("Robin Fixme")
        deductible = page.get_by_role("textbox", name="Deductible left ($)")
        expect(deductible).to_have_value("100")
        deductible.fill("900")
        deductible.press("Enter")
        repriced = quote(Scenario(zip="35203", deductible_remaining=900)).patient_pays["typical"]
        expect(page.get_by_text(f"${repriced:,.2f}", exact=True).first).to_be_visible(timeout=TIMEOUT)
        page.keyboard.press("Control+s")
        expect(page.get_by_text(re.compile(rf"Saved as Q[0-9A-Z]{{9}} \(version 2, replaces {first.id}\)"))
               ).to_be_visible(timeout=TIMEOUT)
    history = store.history(first.id)
    assert [h.inputs["deductible_remaining"] for h in history] == [100, 900]
    assert blocked == []


def schedule_with_a_bad_row(folder: Path) -> Path:
    """The template's cases and a fourth row whose ZIP code is none."""
    cases = folder / "cases.csv"
    cases.write_text(TEMPLATE + "Bad Row,,,,00000,,asc,,,,,,,,,,,\n")
    return cases


def downloaded_rows(page, button: str) -> list[dict[str, str]]:
    """The rows of the CSV file the button named ``button`` downloads."""
    with page.expect_download(timeout=TIMEOUT) as dl:
        page.get_by_role("button", name=button).click()
    return list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))


def test_batch_upload_quotes_every_row(env, browser, tmp_path):
    environ, _ = env
    cases = schedule_with_a_bad_row(tmp_path)
    blocked: list[str] = []
    with streamlit_server(environ) as url:
        page = new_page(browser, blocked)
        page.goto(f"{url}/batch")
        page.get_by_role("textbox", name="Your name or initials").fill("KB")
        page.locator("input[type=file]").set_input_files(str(cases))
        expect(page.get_by_text(re.compile(r"Done: 3 of 4 rows quoted, 1 with errors"))).to_be_visible(timeout=TIMEOUT)
        rows = downloaded_rows(page, "Download the results (CSV)")
        assert [r["status"] for r in rows] == ["ok", "ok", "ok", "error"]
        assert rows[3]["error"].startswith("zip: 00000")
    assert blocked == []


def test_passcode_sign_in(env, browser, tmp_path):
    environ, _ = env
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('staff_passcode = "correct horse"\n')
    environ = {**environ, "STREAMLIT_SECRETS_FILES": str(secrets)}
    blocked: list[str] = []
    with streamlit_server(environ) as url:
        page = new_page(browser, blocked)
        page.goto(f"{url}/desk")
        expect(page.get_by_text("Front desk sign-in")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_role("textbox", name="ZIP code")).to_have_count(0)
        page.get_by_role("textbox", name="Your name or initials").fill("KB")
        page.get_by_role("textbox", name="Staff passcode").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Sign-in failed")).to_be_visible(timeout=TIMEOUT)
        page.get_by_role("textbox", name="Staff passcode").fill("correct horse")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("textbox", name="ZIP code")).to_be_visible(timeout=TIMEOUT)
        page.goto(f"{url}/?zip=35203")  # patient pages stay public
        expect(page.get_by_role("heading", name=re.compile("You would likely pay"))).to_be_visible(timeout=TIMEOUT)
    assert blocked == []


def test_oidc_sign_in_with_a_real_provider_records_who_saved(env, browser, tmp_path):
    """Streamlit's OIDC login against an identity provider on this machine (code flow with PKCE)."""
    environ, d = env
    port = free_port()
    blocked: list[str] = []
    with oidc_provider() as idp:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-long-random-string-for-the-test-only"
client_id = "{idp.client_id}"
client_secret = "{idp.client_secret}"
server_metadata_url = "{idp.metadata_url}"
""")
        environ = {**environ, "STREAMLIT_SECRETS_FILES": str(secrets)}
        with streamlit_server(environ, port=port) as url:
            page = new_page(browser, blocked)
            page.goto(f"{url}/desk")
            expect(page.get_by_text("Please sign in")).to_be_visible(timeout=TIMEOUT)
            expect(page.get_by_role("textbox", name="ZIP code")).to_have_count(0)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{url}/", timeout=TIMEOUT)  # back from the provider, signed in
            page.goto(f"{url}/desk")
            zip_box = page.get_by_role("textbox", name="ZIP code")
            expect(zip_box).to_be_visible(timeout=TIMEOUT)
            zip_box.fill("35203")
            page.get_by_role("textbox", name="Patient name").fill("Oidc Test Patient")
            page.get_by_role("button", name="Quote", exact=True).click()
            page.get_by_role("button", name="Save quote").click()
            saved = page.get_by_text(re.compile(r"Saved as Q[0-9A-Z]{9} for")).first
            expect(saved).to_be_visible(timeout=TIMEOUT)
            quote_id = re.search(r"Q[0-9A-Z]{9}", saved.inner_text()).group(0)
        assert idp.tokens_issued == 1
    rec = QuoteLog(f"sqlite:///{d / 'quotes.sqlite3'}").get(quote_id)
    assert rec.created_by == idp.user["email"] and rec.patient_name == "Oidc Test Patient"
    assert blocked == []


def test_the_desk_is_closed_and_hidden_by_default(env, browser):
    environ, _ = env
    environ = {k: v for k, v in environ.items() if k != "ESTIMATOR_FRONT_DESK"}
    blocked: list[str] = []
    with streamlit_server(environ) as url:
        page = new_page(browser, blocked)
        page.goto(f"{url}/?zip=35203")
        expect(page.get_by_role("heading", name=re.compile("You would likely pay"))).to_be_visible(timeout=TIMEOUT)
        nav = page.locator(".st-key-app_menu")
        expect(nav.get_by_role("link", name="Data & methods")).to_be_visible(timeout=TIMEOUT)
        items = [t.split("\n")[-1].strip() for t in nav.get_by_role("link").all_inner_texts()]  # after the icon
        assert items == ["Estimate my cost", "Prices near you", "About the procedure", "Data & methods"]
        assert "Front desk" not in nav.inner_text()
        page.goto(f"{url}/desk")
        expect(page.get_by_text("sign-in is not configured")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("ESTIMATOR_FRONT_DESK=open").first).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_role("textbox", name="ZIP code")).to_have_count(0)
        assert "Front desk" not in nav.inner_text()
    assert blocked == []


def test_the_open_desk_shows_its_menu_and_the_new_patient_flow(env, browser):
    environ, d = env
    blocked: list[str] = []
    with streamlit_server(environ) as url:
        page = new_page(browser, blocked)
        page.goto(f"{url}/desk")
        expect(page.get_by_text("Front desk", exact=True).first).to_be_visible(timeout=TIMEOUT)
        page.get_by_role("textbox", name="Your name or initials").fill("NP")
        page.get_by_role("textbox", name="Your name or initials").press("Enter")
        page.get_by_role("textbox", name="ZIP code").fill("35203")
        page.get_by_role("textbox", name="Patient name").fill("Sam Same")
        page.get_by_role("textbox", name="Patient name").press("Enter")
        expect(page.get_by_role("button", name=re.compile("Save quote"))).to_be_enabled(timeout=TIMEOUT)
        page.keyboard.press("Control+s")
        expect(page.get_by_test_id("stToast").filter(has_text=re.compile(r"Saved as Q"))).to_be_visible(
            timeout=TIMEOUT)
        expect(page.get_by_text(re.compile(r"Saved as Q[0-9A-Z]{9} for Sam Same"))).to_be_visible(timeout=TIMEOUT)
        deductible = page.get_by_role("textbox", name="Deductible left ($)")
        deductible.fill("50")
        deductible.press("Enter")
        expect(page.get_by_text("Patient pays (typical)")).to_be_visible(timeout=TIMEOUT)
        page.get_by_role("button", name="Save quote").click()
        expect(page.get_by_text("Is this the same patient?")).to_be_visible(timeout=TIMEOUT)
        page.get_by_role("button", name=re.compile("Yes, same patient")).click()
        expect(page.get_by_text(re.compile(r"Saved as Q[0-9A-Z]{9} for Sam Same"))).to_be_visible(timeout=TIMEOUT)
        assert len(QuoteLog(f"sqlite:///{d / 'quotes.sqlite3'}").search("Sam Same")) == 2
        page.evaluate("document.activeElement && document.activeElement.blur()")  # no text box focused
        page.keyboard.press("Alt+n")
        expect(page.get_by_role("textbox", name="Patient name")).to_have_value("", timeout=TIMEOUT)
        expect(page.get_by_text("Patient pays (typical)")).to_have_count(0, timeout=TIMEOUT)
    assert blocked == []


def test_batch_rows_go_to_the_log_in_one_click(env, browser, tmp_path):
    environ, d = env
    cases = tmp_path / "cases.csv"
    cases.write_text(TEMPLATE)
    blocked: list[str] = []
    with streamlit_server(environ) as url:
        page = new_page(browser, blocked)
        page.goto(f"{url}/batch")
        page.get_by_role("textbox", name="Your name or initials").fill("BT")
        page.get_by_role("textbox", name="Your name or initials").press("Enter")
        page.locator("input[type=file]").set_input_files(str(cases))
        page.get_by_role("button", name="Save the 3 quoted rows to the quote log").click()
        expect(page.get_by_text(re.compile(r"Saved 3 quotes to the quote log from cases.csv")).first).to_be_visible(
            timeout=TIMEOUT)
    rows = [s.inputs["batch_row"] for s in QuoteLog(f"sqlite:///{d / 'quotes.sqlite3'}").search()
            if s.created_by == "BT"]
    assert sorted(rows) == [2, 3, 4]
    assert blocked == []


def test_the_desk_in_spanish_quotes_a_schedule_and_its_csv_keeps_its_columns(env, browser, tmp_path):
    """The batch page after an upload, which only a browser can do: its progress, counts and row
    problems in Spanish; the results file another system reads keeps its English columns and codes."""
    environ, _ = env
    cases = schedule_with_a_bad_row(tmp_path)
    blocked: list[str] = []
    with streamlit_server(environ) as url:
        page = new_page(browser, blocked)
        page.goto(f"{url}/batch?lang=es")
        expect(page.get_by_role("heading", name="Cotizaciones en lote")).to_be_visible(timeout=TIMEOUT)
        page.get_by_role("textbox", name="Su nombre o sus iniciales").fill("KB")
        page.locator("input[type=file]").set_input_files(str(cases))
        expect(page.get_by_text("Listo: 3 de 4 filas cotizadas, 1 con errores.")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text(re.compile(r"1 fila de cases\.csv tiene problemas y no se cotizó"))).to_be_visible()
        expect(page.get_by_text(re.compile(r"Fila 5: zip"))).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "desk-es-batch-1280.png"), full_page=True)
        rows = downloaded_rows(page, "Descargar los resultados (CSV)")
        assert [r["status"] for r in rows] == ["ok", "ok", "ok", "error"] and "patient_pays_typical" in rows[0]
        page.goto(f"{url}/desk?lang=es")  # a new session: who is working is asked again
        page.get_by_role("textbox", name="Su nombre o sus iniciales").fill("KB")
        page.get_by_role("textbox", name="Código postal (ZIP)").fill("35203")
        patient = page.get_by_role("textbox", name="Nombre del paciente")
        patient.fill("Ana Ruiz")
        patient.press("Enter")
        expect(page.get_by_text("Paga el paciente (típico)")).to_be_visible(timeout=TIMEOUT)
        page.keyboard.press("Control+s")
        expect(page.get_by_text(re.compile(r"Guardada como Q[0-9A-Z]{9} para Ana Ruiz")).first).to_be_visible(
            timeout=TIMEOUT)
        assert page.evaluate("document.documentElement.lang") == "es"
        page.screenshot(path=str(ARTIFACTS / "desk-es-quote-1280.png"), full_page=True)
    assert blocked == []
