"""The front desk in Spanish (``?lang=es`` or the switch in the menu row), checked against the same
pages in English, as tests/test_spanish_pages.py checks the patients' pages.

Each staff page (the quote desk after a quote and a save, a self-pay visit with its Good Faith
Estimate issued, the quote log with that estimate open and its bill check, batch quotes, clinic
prices, the passcode sign-in and a closed desk) is run once in each language (Streamlit AppTest).
Element by element (titles, text, notices, widget and button labels), every Spanish text differs
from the English one at the same position or holds no English words, and the dollar amounts are the
same. The documents the desk prints follow the language a record was saved in.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from dashboard.access import PASSCODE_FAILURES
from dashboard.safe_text import shown
from estimator.common.i18n import use
from estimator.records.quote_record import QuoteRecord
from estimator.records.storage import QuoteLog

from .conftest import ROOT
from .test_spanish_pages import _data_texts, amounts, english_words, texts

APP = str(ROOT / "app.py")
DESK, LOG, BATCH, PRICES = ("app_pages/front_desk.py", "app_pages/quote_log.py", "app_pages/batch_quotes.py",
                            "app_pages/clinic_prices.py")
Flow = Callable[[str, dict[str, str]], AppTest]
#: Text that is the same in both languages by design: names and codes the clerk typed, file names.
TYPED = ("Ana Ruiz", "MRN-5521", "clinic_profile.json", "ESTIMATOR_CLINIC_PROFILE")


def desk_texts(at: AppTest) -> list[tuple[str, str]]:
    """Every text element and widget label (tests/test_spanish_pages.texts) and every button's."""
    return (texts(at) + [("button", shown(str(b.label))) for b in at.button]
            + [("download", shown(str(d.proto.label))) for d in at.get("download_button")]
            + [("date_input", shown(str(d.label))) for d in at.date_input])


def _open(page: str, lang: str, env: dict[str, str], secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    if lang != "en":
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [str(e.value)[:300] for e in at.exception]
    return at


def _quote(at: AppTest, **values: str) -> None:
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    for k, v in values.items():
        if k in ("site", "coverage", "network"):
            at.selectbox(key=f"fdw_{k}").set_value(v)
        else:
            at.text_input(key=f"fdw_{k}").input(v)
    next(b for b in at.button if b.proto.is_form_submitter).click()  # "Quote" / "Cotizar"
    at.run()
    assert not at.exception, [str(e.value)[:300] for e in at.exception]


def _press(at: AppTest, shortcut: str) -> None:
    """Press the button with keyboard shortcut ``shortcut`` (its label changes with the language)."""
    next(b for b in at.button if b.proto.shortcut == shortcut).click()
    at.run()
    assert not at.exception, [str(e.value)[:300] for e in at.exception]


@pytest.fixture
def desk_env(tmp_path, monkeypatch) -> dict[str, str]:
    env = {"ESTIMATOR_DB_PATH": str(tmp_path / "quotes.sqlite3"), "ESTIMATOR_FRONT_DESK": "open"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    PASSCODE_FAILURES.reset()
    return env


def _commercial(lang: str, env: dict[str, str]) -> AppTest:
    at = _open(DESK, lang, env)
    _quote(at, zip="35203", site="hopd", coverage="commercial", deductible_remaining="300", coinsurance="20",
           patient_name="Ana Ruiz", patient_dob="1971-02-03", patient_ref="MRN-5521")
    _press(at, "ctrl+s")
    return at


def _self_pay(lang: str, env: dict[str, str]) -> AppTest:
    at = _open(DESK, lang, env)
    _quote(at, zip="35203", site="asc", coverage="self_pay", patient_name="Ana Ruiz", patient_dob="1971-02-03",
           service_date=str(date.today() + timedelta(days=30)), scheduled_on=str(date.today()),
           diagnosis_codes="M54.12")
    for role, amount in {"professional": 250.0, "facility": 550.0}.items():  # the providers' own cash prices
        at.number_input(key=f"fd_cash_{role}").set_value(amount)
    at.run()
    _press(at, "ctrl+g")
    assert not at.error, [e.value for e in at.error]
    return at


def _bad_quote(lang: str, env: dict[str, str]) -> AppTest:
    """What the clerk typed wrong, each problem named: a birth date in another form, an amount that is
    not one."""
    at = _open(DESK, lang, env)
    _quote(at, zip="35203", coverage="commercial", patient_dob="03/02/71", deductible_remaining="lots")
    assert len(at.error) == 2 and not at.metric
    return at


def _bad_estimate(service: str, scheduled: str, codes: str, name: str = "") -> Flow:
    """A Good Faith Estimate asked for with these dates and diagnosis codes (each flow one of its
    problems: a date out of range or not a date, dates out of order, a code that is none and no price
    of its own for the physician or the surgery center, as the clerk has typed none)."""
    def flow(lang: str, env: dict[str, str]) -> AppTest:
        at = _open(DESK, lang, env)
        _quote(at, zip="35203", site="asc", coverage="self_pay", patient_dob="1971-02-03", service_date=service,
               scheduled_on=scheduled, diagnosis_codes=codes, patient_name=name)
        _press(at, "ctrl+g")
        assert at.error and not at.success
        return at
    return flow


def _log(lang: str, env: dict[str, str]) -> AppTest:
    _self_pay(lang, env)
    at = _open(LOG, lang, env)
    at.date_input(key="chk_date").set_value("2099-02-01").run()
    box = next(n for n in at.number_input if str(n.key).startswith("chk_"))
    box.set_value(5000.0).run()
    assert not at.exception
    return at


def _sign_in(lang: str, env: dict[str, str]) -> AppTest:
    at = _open(DESK, lang, {}, secrets={"staff_passcode": "a long passphrase"})
    at.text_input[0].input("JD")
    at.text_input[1].input("wrong passcode")
    at.button[0].click()
    at.run()
    return at


FLOWS = {
    "desk-commercial-saved": _commercial,
    "desk-self-pay-gfe": _self_pay,
    "desk-bad-quote": _bad_quote,
    "desk-bad-estimate-dates": _bad_estimate("2099-01-15", "01/02/26x", "M54.12"),
    "desk-bad-estimate-order": _bad_estimate(str(date.today() + timedelta(days=5)),
                                             str(date.today() + timedelta(days=9)), "M54.12"),
    "desk-bad-estimate-codes": _bad_estimate(str(date.today() + timedelta(days=9)), str(date.today()), "M54.12, 99X"),
    "desk-bad-estimate-prices": _bad_estimate(str(date.today() + timedelta(days=9)), str(date.today()), "M54.12",
                                              "Ana Ruiz"),
    "log-gfe-bill-check": _log,
    "batch": lambda lang, env: _open(BATCH, lang, env),
    "clinic-prices": lambda lang, env: _open(PRICES, lang, env),
    "sign-in-failed": _sign_in,
}


@pytest.mark.parametrize("name", list(FLOWS))
def test_each_staff_page_is_in_spanish_with_the_same_amounts(name, desk_env, tmp_path, monkeypatch):
    runs = {}
    for lang in ("en", "es"):  # each language on its own empty quote log
        monkeypatch.setenv("ESTIMATOR_DB_PATH", str(tmp_path / f"{lang}.sqlite3"))
        runs[lang] = FLOWS[name](lang, desk_env)
    en_t, es_t = desk_texts(runs["en"]), desk_texts(runs["es"])
    assert [k for k, _t in en_t] == [k for k, _t in es_t], "the two languages drew different elements"
    data = _data_texts()

    def as_given(text: str) -> bool:
        """Typed by the clerk, or what the data files say (the sources a quote names)."""
        return any(t in text for t in TYPED) or any(d and d in text for d in data)

    untranslated = [(k, e[:100]) for (k, e), (_k, s) in zip(en_t, es_t, strict=True)
                    if e == s and english_words(e) and not as_given(e)]
    assert not untranslated, f"{name}: left in English: {untranslated}"
    english_left = [(k, s[:140], english_words(s)) for k, s in es_t if len(english_words(s)) >= 3
                    and not as_given(s)]
    assert not english_left, f"{name}: English words in Spanish text: {english_left}"
    en_amounts, es_amounts = (amounts("\n".join(t for _k, t in x)) for x in (en_t, es_t))
    assert en_amounts == es_amounts
    if name.startswith(("desk", "log")) and "bad" not in name:
        assert sum(en_amounts.values()) >= 3  # a quote was shown, with its amounts


def test_the_words_the_desk_shows_are_spanish(desk_env):
    at = _commercial("es", desk_env)
    shown_text = "\n".join(t for _k, t in desk_texts(at))
    for phrase in ("Recepción", "Paga el paciente (típico)", "Guardada como", "Pasos, advertencias y fuentes",
                   "Imprimir el resumen para el paciente (PDF)", "Paciente nuevo"):
        assert phrase in shown_text, phrase
    assert "Front desk" not in shown_text and "Save quote" not in shown_text
    assert [str(link.label) for link in at.get("page_link")][-4:] == [
        "Cotizar", "Registro de cotizaciones", "Cotizaciones en lote", "Precios de la clínica"]


def test_a_closed_desk_says_why_in_spanish(monkeypatch):
    monkeypatch.delenv("ESTIMATOR_FRONT_DESK", raising=False)
    at = _open(DESK, "es", {})
    reason = at.warning[0].value
    assert "La recepción está cerrada" in reason and "Para abrirla" in reason and len(english_words(reason)) < 3


def _records(env: dict[str, str]) -> list[QuoteRecord]:
    return [QuoteRecord(s) for s in QuoteLog(f"sqlite:///{env['ESTIMATOR_DB_PATH']}").search()]


def _pdf_text(data: bytes) -> str:
    return " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_a_quote_saved_in_spanish_reprints_in_spanish_from_an_english_desk(desk_env):
    """The summary is the record's: its steps were written in Spanish, so its headings and the desk's
    lines (patient, date of birth day first, who saved it) are printed in Spanish whatever language
    the clerk reprinting it reads."""
    _commercial("es", desk_env)
    (rec,) = _records(desk_env)
    assert rec.language == "es" and rec.saved.outputs["language"] == "es"
    text = _pdf_text(rec.summary_pdf())
    for phrase in ("Paciente: Ana Ruiz", "Fecha de nacimiento: 03/02/1971", "Referencia: MRN-5521",
                   f"N.º de cotización: {rec.id}", "Guardada por JD el"):
        assert phrase in text, phrase
    assert "Date of birth" not in text and "Saved by" not in text
    with use("en"):  # the clerk reprinting it reads English
        assert _pdf_text(rec.summary_pdf()) == text


def test_records_saved_before_quotes_named_their_language_reprint_in_english(desk_env):
    _commercial("en", desk_env)
    (rec,) = _records(desk_env)
    old = QuoteRecord(replace(rec.saved, outputs={k: v for k, v in rec.saved.outputs.items() if k != "language"}))
    with use("es"):
        assert old.language == "en" and "Date of birth: 02/03/1971" in _pdf_text(old.summary_pdf())


def test_the_estimates_language_starts_as_the_desks(desk_env):
    at = _open(DESK, "es", desk_env)
    _quote(at, zip="35203", site="asc", coverage="self_pay")
    assert at.radio(key="fd_gfe_lang").value == "es"
    at = _open(DESK, "en", desk_env)
    _quote(at, zip="35203", site="asc", coverage="self_pay")
    assert at.radio(key="fd_gfe_lang").value == "en"


def test_the_switch_on_the_desk_changes_its_language_and_keeps_it_in_the_address(desk_env):
    at = _open(DESK, "en", desk_env)
    assert at.title[0].value == "Front desk" and at.query_params.get("lang") in (None, [], "")
    at.selectbox(key="w_lang").set_value("es").run()
    assert not at.exception and at.title[0].value == "Recepción"
    assert at.query_params["lang"] in ("es", ["es"])
    at.switch_page(LOG).run()
    assert at.title[0].value == "Registro de cotizaciones"  # the session keeps the language across pages
    at.selectbox(key="w_lang").set_value("en").run()
    assert at.title[0].value == "Quote log" and not at.query_params.get("lang")
