"""The patient pages in Spanish (``?lang=es``), checked against the same pages in English.

For every patient page (the estimate for several coverages, a self-pay visit at a chosen hospital,
Prices near you with a ZIP code, About the procedure, Data & methods), run once in English and once
in Spanish (Streamlit AppTest):

- neither run raises;
- in Spanish, phrases known from each English page are absent and their Spanish counterparts present;
- the dollar amounts shown are the same in both languages (the language changes words, not numbers);
- element by element (titles, headers, markdown, captions, notices, widget labels), every Spanish text
  either differs from the English one at the same position or carries no English words: a string a
  page forgot to mark shows up as an English sentence left in the Spanish page;
- the language is kept in the page address (``lang=es``) across input changes and page changes, the
  switch in the menu row changes it, and a bad ``lang`` is named and ignored;
- the summary PDF in Spanish has Spanish headings and the same amounts as the English one, and the
  command line's series summary says the same numbers in Spanish.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from functools import cache

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from dashboard.safe_text import shown
from estimator.cli import format_series
from estimator.common import i18n
from estimator.documents.summary import summary_pdf
from estimator.planning import nearby
from estimator.planning.series import COUNT, MAX_COUNT, MAX_WEEKS_APART, WEEKS_APART, plan_series
from estimator.quote import quote
from estimator.reference.hospitals import display_name, hospitals
from estimator.reference.tables import load
from estimator.scenario import Scenario

from .conftest import ROOT

APP = str(ROOT / "app.py")
ESTIMATE, PRICES, ABOUT, METHODS = (None, "app_pages/prices.py", "app_pages/about.py", "app_pages/methods.py")
TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")
WIDGET_KINDS = ("selectbox", "radio", "number_input", "text_input", "checkbox")
#: Words that mark a text as English (none of them is a Spanish word).
ENGLISH_WORDS = {"the", "you", "your", "would", "with", "and", "of", "to", "for", "is", "are", "this", "what",
                 "which", "from", "pay", "each", "near", "about", "not", "enter", "choose", "how", "price",
                 "prices", "cost", "bill", "bills", "where", "only", "or", "it", "in", "at", "by", "more"}
AMOUNT = re.compile(r"\$[0-9]{1,3}(?:,[0-9]{3})*(?:\.[0-9]{2})?")


@cache
def self_pay_hospital() -> str:
    """A hospital near 35203 that publishes its price for the visit (its CCN)."""
    near = nearby.hospitals_near(Scenario(zip="35203", coverage="self_pay", site="hopd"), load())
    return str(near[near["published"]].iloc[0]["ccn"])


def run(params: dict[str, str], page: str | None = None, lang: str | None = None,
        opened: tuple[str, ...] = ()) -> AppTest:
    """The app at ``page`` with ``params`` in its address (and ``lang``); the expanders keyed
    ``opened`` open, as a patient would open them."""
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in {**params, **({"lang": lang} if lang else {})}.items():
        at.query_params[k] = v
    for key in opened:
        at.session_state[key] = True
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [str(e.value)[:300] for e in at.exception]
    return at


def texts(at: AppTest) -> list[tuple[str, str]]:
    """(kind, text as shown) of every text element and widget label, in page order within each kind."""
    out = [(kind, shown(str(e.value))) for kind in TEXT_KINDS for e in getattr(at, kind)]
    out += [(kind, shown(str(w.label))) for kind in WIDGET_KINDS for w in getattr(at, kind)]
    out += [("metric", shown(str(m.label))) for m in at.metric]
    out += [("expander", shown(str(x.label))) for x in at.expander]
    return out


def all_text(at: AppTest) -> str:
    return "\n".join(t for _k, t in texts(at))


def amounts(text: str) -> Counter:
    return Counter(AMOUNT.findall(text.replace("\\", "")))


def english_words(text: str) -> set[str]:
    """The English marker words in ``text`` (amounts, codes and markdown removed)."""
    words = re.findall(r"[A-Za-z]+", re.sub(r"https?://\S+|www\.\S+|`[^`]*`", " ", text))
    return {w.lower() for w in words} & ENGLISH_WORDS


# -- each page in both languages ------------------------------------------------------------------------
#: page, URL parameters, English phrases of that page, their Spanish counterparts.
PAGES = {
    "estimate-commercial": (ESTIMATE, {"zip": "35203", "coverage": "commercial", "deductible": "1500"},
                            ["What will my neck or upper-back epidural injection cost?", "Where and how",
                             "Your insurance", "How this was worked out", "Questions to ask", "Total cost of care",
                             "Planning more than one injection?", "More options"],
                            ["¿Cuánto me costará la inyección epidural", "Dónde y cómo", "Su seguro",
                             "Cómo se calculó", "Preguntas que hacer", "Costo total de la atención",
                             "¿Planea más de una inyección?", "Más opciones"]),
    "estimate-series": (ESTIMATE, {"zip": "35203", "coverage": "commercial", "deductible": "1500", "site": "asc"},
                        ["Injections are often given as a series", "In all you would likely pay",
                         "With low (or high) bills"],
                        ["Las inyecciones se suelen dar en serie", "En total probablemente pagaría",
                         "Con facturas bajas (o altas)"]),
    "estimate-medicare": (ESTIMATE, {"zip": "35203", "coverage": "medicare", "sedation": "moderate"},
                          ["You would likely pay", "Original Medicare: the Part B deductible",
                           "Hospitals near you"],
                          ["Probablemente usted pagaría", "Medicare Original: el deducible de la Parte B",
                           "Hospitales cerca de usted"]),
    "estimate-self-pay-hospital": (ESTIMATE, {"zip": "35203", "coverage": "self_pay", "site": "hopd"},
                                   ["Paying yourself: the estimate uses cash prices", "Price the hospital visit at",
                                    "with its published prices"],
                                   ["Si paga por su cuenta", "Calcular la visita al hospital en",
                                    "con sus precios publicados"]),
    "estimate-medicaid": (ESTIMATE, {"zip": "35203", "coverage": "medicaid"},
                          ["You would likely pay", "Please note"],
                          ["Probablemente usted pagaría", "Tenga en cuenta"]),
    "prices": (PRICES, {"zip": "35203"},
               ["How the same visit is priced where you live", "By Medicare locality", "Your area:",
                "The visit being compared"],
               ["Cuánto cuesta la misma visita", "Por localidad de Medicare", "Su área:", "La visita que se compara"]),
    "about": (ABOUT, {}, ["About the procedure", "This page informs; it does not advise."],
              ["Sobre el procedimiento", "Esta página informa; no da consejos médicos."]),
    "methods": (METHODS, {}, ["In plain words", "We start from Medicare's own prices", "Known limitations",
                              "Technical details"],
                ["En palabras sencillas", "Empezamos con los precios de Medicare", "Limitaciones conocidas",
                 "Detalles técnicos"]),
}


def _params(name: str) -> dict[str, str]:
    params = dict(PAGES[name][1])
    if name == "estimate-self-pay-hospital":
        params["hospital"] = self_pay_hospital()
    return params


@cache
def both(name: str) -> tuple[AppTest, AppTest]:
    page = PAGES[name][0]
    opened = ("series_panel",) if name == "estimate-series" else ()
    return run(_params(name), page, opened=opened), run(_params(name), page, lang="es", opened=opened)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_spanish_has_the_spanish_words_and_not_the_english(name):
    en, es = both(name)
    _page, _p, english, spanish = PAGES[name]
    en_text, es_text = all_text(en), all_text(es)
    for phrase in english:
        assert phrase in en_text, f"{name}: the English page no longer says {phrase!r}"
        assert phrase not in es_text, f"{name}: still in English in Spanish: {phrase!r}"
    for phrase in spanish:
        assert phrase in es_text, f"{name}: missing in Spanish: {phrase!r}"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_shows_the_same_amounts_in_both_languages(name):
    en, es = both(name)
    en_amounts, es_amounts = amounts(all_text(en)), amounts(all_text(es))
    assert en_amounts == es_amounts
    if name.startswith(("estimate", "prices")):
        assert sum(en_amounts.values()) >= 3  # the comparison compared something


@cache
def _data_texts() -> set[str]:
    """Text the data files hold (shown as the data has it): the methods page's assumptions and sources."""
    meta = load().metadata
    out = set(meta["assumptions"]) | set(meta.get("figures_outside_reference") or [])
    for name, info in meta["tables"].items():
        out |= {name, info["description"], *info["sources"]}
    # Hospitals' names are names, written as people write them in either language.
    out |= {display_name(n) for n in hospitals(load())["name"].dropna()}
    return out


@pytest.mark.parametrize("name", list(PAGES))
def test_every_text_element_is_translated_or_has_no_english_words(name):
    """Position by position, each Spanish element differs from the English one or is only numbers, codes
    and names; and no Spanish element holds an English sentence (beyond what the data files say)."""
    en, es = both(name)
    en_t, es_t = texts(en), texts(es)
    assert [k for k, _t in en_t] == [k for k, _t in es_t], "the two languages drew different elements"
    data = _data_texts()

    def from_data(text: str) -> bool:
        return any(d and d in text for d in data)

    untranslated = [(k, e[:100]) for (k, e), (_k, s) in zip(en_t, es_t, strict=True)
                    if e == s and english_words(e) and not from_data(e)]
    assert not untranslated, f"{name}: left in English: {untranslated}"
    english_left = [(k, s[:140], english_words(s)) for k, s in es_t
                    if len(english_words(s)) >= 3 and not from_data(s)]
    assert not english_left, f"{name}: English words in Spanish text: {english_left}"


def test_the_page_titles_in_the_menu_follow_the_language():
    _en, es = both("estimate-commercial")
    labels = [str(link.label) for link in es.get("page_link")]
    assert labels[:4] == ["Calcular mi costo", "Precios cerca de usted", "Sobre el procedimiento", "Datos y métodos"]


# -- the language in the page address -----------------------------------------------------------------
def test_lang_is_kept_in_the_address_across_input_and_page_changes():
    at = run({"zip": "35203"}, lang="es")
    assert at.query_params["lang"] == ["es"] or at.query_params["lang"] == "es"
    at.selectbox(key="w_coverage").set_value("medicare").run()
    assert not at.exception
    assert _param(at, "lang") == "es" and _param(at, "coverage") == "medicare"
    assert "Medicare Original" in all_text(at)
    at.switch_page(PRICES).run()
    assert not at.exception
    assert _param(at, "lang") == "es" and at.title[0].value == "Precios cerca de usted"


def _param(at: AppTest, name: str) -> str | None:
    v = at.query_params.get(name)
    return v[0] if isinstance(v, list) else v


def test_the_language_switch_changes_the_page_and_the_address():
    at = run({"zip": "35203"})
    switch = at.selectbox(key="w_lang")
    assert switch.label == "Language / Idioma" and switch.options == ["English", "Español"]
    assert _param(at, "lang") is None and at.title[0].value.startswith("What will")
    switch.set_value("es").run()
    assert not at.exception
    assert _param(at, "lang") == "es" and at.title[0].value.startswith("¿Cuánto me costará")
    assert _param(at, "zip") == "35203"  # the other inputs are kept
    at.selectbox(key="w_lang").set_value("en").run()
    assert _param(at, "lang") is None and at.title[0].value.startswith("What will")


@pytest.mark.parametrize("bad", ["fr", "xx", "  "])
def test_a_bad_lang_in_the_address_is_named_and_ignored(bad):
    at = run({"zip": "35203", "coverage": "medicare"}, lang=bad)
    if bad.strip():
        warnings = [shown(str(w.value)) for w in at.warning]
        assert any("Language / Idioma" in w and bad in w and "en, es" in w for w in warnings), warnings
    assert at.title[0].value.startswith("What will") and at.session_state["in_coverage"] == "medicare"


def test_lang_in_upper_case_is_read():
    at = run({"zip": "35203"}, lang=" ES ")
    assert at.title[0].value.startswith("¿Cuánto me costará")
    assert not [w for w in at.warning if "Idioma" in str(w.value)]


# -- documents ----------------------------------------------------------------------------------------------
def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.mark.parametrize("coverage", ["commercial", "medicare", "self_pay"])
def test_summary_pdf_in_spanish_has_spanish_headings_and_the_same_amounts(coverage):
    sc = Scenario(zip="35203", coverage=coverage, site="hopd", sedation="moderate")
    english = quote(sc)
    plan_en = plan_series(sc, 3, 3).to_dict()
    en = _pdf_text(summary_pdf(english.to_dict(), series=plan_en))
    with i18n.use("es"):
        spanish_quote = quote(sc)
        plan_es = plan_series(sc, 3, 3).to_dict()
        es = _pdf_text(summary_pdf(spanish_quote.to_dict(), series=plan_es))
    for heading in ("Su estimación de costos: inyección epidural", "Cómo se calculó la estimación",
                    "Preguntas que hacer", "Si recibe 3 inyecciones", "Costo total de la atención"):
        assert heading in es, heading
    for heading in ("Your cost estimate", "How the estimate was worked out", "Questions to ask"):
        assert heading in en and heading not in es
    assert amounts(en) == amounts(es) and sum(amounts(en).values()) > 10


def test_series_summary_on_the_command_line_in_spanish():
    sc = Scenario(zip="35203", coverage="commercial", deductible=1500)
    en = format_series(plan_series(sc, 3, 1))
    with i18n.use("es"):
        es = format_series(plan_series(sc, 3, 1))  # the plan's notes are written in the language it is priced in
    assert "3 inyecciones, con 1 semana entre una y otra" in es and "Total acumulado" in es
    assert "injections" not in es and amounts(en) == amounts(es)


def test_series_labels_name_the_limits_they_check():
    """The series inputs' help is catalogue text with the limits written out: it must say the real ones."""
    assert f"1 to {MAX_COUNT}." in COUNT.help and f"to {MAX_WEEKS_APART}." in WEEKS_APART.help


def _chart_texts(at: AppTest) -> list[tuple[str, list[str]]]:
    """Each chart's title and its other words: trace names, category labels, hover and alt text."""
    out = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        words = [chart.proto.alt]
        for trace in spec["data"]:
            words += [trace.get("name") or "", trace.get("hovertemplate") or ""]
            for axis in ("x", "y"):
                if isinstance(trace.get(axis), list):
                    words += [v for v in trace[axis] if isinstance(v, str)]
        out.append((spec["layout"]["title"]["text"], words))
    return out


@pytest.mark.parametrize("name", ["estimate-commercial", "prices"])
def test_charts_titles_labels_hover_and_alt_text_are_in_spanish(name):
    en, es = both(name)
    en_charts, es_charts = _chart_texts(en), _chart_texts(es)
    assert len(en_charts) == len(es_charts) >= 2
    for (en_title, _w), (es_title, es_words) in zip(en_charts, es_charts, strict=True):
        assert en_title != es_title and not english_words(es_title), (en_title, es_title)
        english_left = [w[:120] for w in es_words if len(english_words(w)) >= 2]
        assert not english_left, f"{es_title}: {english_left}"
