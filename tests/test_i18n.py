"""Translations: the Spanish catalogue is complete and current, and a quote in Spanish says everything
in Spanish with the same numbers, codes and keys as in English.

- The catalogue (estimator/locale/es/LC_MESSAGES/messages.po) has a non-empty, non-fuzzy msgstr for
  every msgid, the same ``{name}`` placeholders as its msgid, and exactly the msgids that extracting
  the marked text from the source gives now (run scripts/translations after marking new text).
- For registry-drawn scenarios (hypothesis) and named hospitals, every step and warning of the
  Spanish quote is translated (it differs from the English and holds no sentence of English
  catalogue text), and the quote's numbers, warning codes and JSON keys are those of English.
- ``quote --lang es`` on the command line; ``--lang xx`` refused naming ``--lang``.
- The language is per context: two threads quoting in two languages never mix.
"""

from __future__ import annotations

import json
import re
import string
import threading
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings

from estimator.common import i18n
from estimator.common.errors import InputError
from estimator.common.i18n import L_, _, ngettext, use
from estimator.common.money import between, usd_range
from estimator.inputs.fields import REGISTRY
from estimator.quote import CODE_NAMES, quote
from estimator.reference import named_hospital
from estimator.reference.tables import code_names, load
from estimator.scenario import Scenario
from estimator.words.guidance import DISCLAIMER, disclaimer, questions

from .conftest import ROOT, run_cli
from .strategies import scenarios

PO = i18n.catalog_path("es")


def _catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="es")


CATALOG = _catalog()
ENTRIES = [m for m in CATALOG if m.id]


def _forms(value: str | tuple) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# -- the catalogue -----------------------------------------------------------------------------------
def test_every_message_is_translated():
    untranslated = [m.id for m in ENTRIES if m.fuzzy or not all(s.strip() for s in _forms(m.string))]
    assert not untranslated, f"{len(untranslated)} untranslated or fuzzy in {PO}: {untranslated[:5]}"
    assert len(ENTRIES) >= 300


def test_placeholders_of_every_translation_match_its_msgid():
    for m in ENTRIES:
        want = set().union(*(_placeholders(i) for i in _forms(m.id)))
        for s in _forms(m.string):
            assert _placeholders(s) == want, (m.id, s)
            s.format(**{name: "x" for name in want})  # no stray brace


def test_catalogue_is_up_to_date_with_the_source(tmp_path: Path):
    """The msgids are exactly what extracting the marked text now gives (as scripts/translations does)."""
    method_map = [(line.split(":", 1)[1].strip().rstrip("]"), "python")
                  for line in (ROOT / "babel.cfg").read_text().splitlines() if line.startswith("[python:")]
    keywords = {**DEFAULT_KEYWORDS, **i18n.EXTRA_KEYWORDS}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else tuple(message))
    in_catalog = {m.id if isinstance(m.id, str) else tuple(m.id) for m in ENTRIES}
    assert found - in_catalog == set(), "marked text missing from the catalogue: run scripts/translations"
    assert in_catalog - found == set(), "catalogue entries no longer in the source: run scripts/translations"


def test_registry_labels_help_and_choices_are_catalogued():
    ids = {m.id for m in ENTRIES}
    for spec in REGISTRY:
        texts = [spec.label, spec.help, spec.blank, *spec.not_applicable.values(),
                 *(v for k, v in spec.choice_labels.items() if v != k)]
        missing = [t for t in texts if t and t not in ids and not t.isdigit()]
        # a blank that only names a number or a year (e.g. '15 minutes', '2026') is the one exception
        assert all(re.fullmatch(r"[0-9]+( minutes)?", t) for t in missing), (spec.name, missing)


def test_the_data_code_names_are_the_catalogued_ones():
    assert set(code_names(load()).values()) <= set(CODE_NAMES)


def test_the_data_notes_on_estimates_are_translated():
    from estimator.words.explain import _estimate_note

    notes = set(load().estimates.values())
    with use("es"):
        assert all(_estimate_note(n) != n for n in notes)


# -- the language --------------------------------------------------------------------------------------
def test_unknown_language_is_refused_naming_lang_and_the_allowed_values():
    for bad in ("xx", "", "  ", "español", None, 3):
        with pytest.raises(InputError) as e:
            i18n.set_language(bad)
        (err,) = e.value.errors
        assert err.field == "lang" and "en (English)" in err.message and "es (Español)" in err.message
    assert i18n.check(" ES ") == "es"


def test_use_restores_the_language_and_lazy_text_follows_it():
    label = L_("Original Medicare")
    assert i18n.get_language() == "en"
    with use("es"):
        assert str(label) == "Medicare Original" and f"{label}" == "Medicare Original"
        assert _(DISCLAIMER) == disclaimer() != DISCLAIMER
        with use("en"):
            assert str(label) == "Original Medicare"
        assert between(500, 2000) == "entre $500 y $2,000" and usd_range(500, 2000) == "$500 a $2,000"
    assert i18n.get_language() == "en" and str(label) == "Original Medicare"
    assert between(500, 2000) == "between $500 and $2,000"


def test_plural_forms():
    one = "Out of network, {bills} goes to your out-of-network deductible ({deductible_note}): {deductible}; " \
          "then {coinsurance_note}: {coinsurance}; {maximum_note}."
    many = one.replace("goes", "go")
    with use("es"):
        assert "se aplica a" in ngettext(one, many, 1) and "se aplican a" in ngettext(one, many, 2)
    assert ngettext(one, many, 2) == many


def test_match_picks_a_supported_language_for_a_browser_locale():
    assert [i18n.match(t) for t in ("es-US", "es_MX", "ES", "en-GB", "fr", None, "")] == \
        ["es", "es", "es", "en", "en", "en", "en"]


def test_two_threads_in_two_languages_never_mix():
    sc = Scenario(zip="35203", coverage="medicare", sedation="moderate")
    english, spanish = quote(sc).steps, None
    with use("es"):
        spanish = quote(sc).steps
    assert english != spanish
    start = threading.Barrier(2)
    seen: dict[str, list[list[str]]] = {"en": [], "es": []}

    def run(lang: str) -> None:
        i18n.set_language(lang)
        start.wait()
        for _round in range(15):
            seen[lang].append(quote(sc).steps)

    threads = [threading.Thread(target=run, args=(lang,)) for lang in ("en", "es")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["en"] == [english] * 15 and seen["es"] == [spanish] * 15
    assert i18n.get_language() == "en"  # the threads' choice did not leak here


# -- a quote in Spanish ------------------------------------------------------------------------------------
#: Sentences of English catalogue text (literal runs between placeholders, 25+ characters): none may
#: be left in a Spanish message.
_ENGLISH_RUNS = sorted({run.strip() for m in ENTRIES for i in _forms(m.id)
                        for run in re.split(r"\{[a-z_]+\}", i) if len(run.strip()) >= 25})


def _numbers(d: dict) -> dict:
    """A quote's JSON without its words (steps, warning messages, labels, code names) and the name of
    their language."""
    d = json.loads(json.dumps(d))
    d.pop("steps")
    d.pop("language")
    d.pop("code_name")
    d["warnings"] = [(w["code"], w["severity"]) for w in d["warnings"]]
    for c in d["components"]:
        c.pop("label")
        for li in c["lines"]:
            li.pop("name")
    return d


def _check_spanish(sc: Scenario) -> None:
    en = quote(sc)
    with use("es"):
        es = quote(sc)
    assert _numbers(es.to_dict()) == _numbers(en.to_dict())
    assert es.warning_codes() == en.warning_codes()
    assert len(es.steps) == len(en.steps)
    pairs = list(zip(es.steps, en.steps)) + [(a["message"], b["message"]) for a, b in zip(es.warnings, en.warnings)]
    pairs += [(a["label"], b["label"]) for a, b in zip(es.components, en.components)] + [(es.code_name, en.code_name)]
    for spanish, english in pairs:
        assert spanish != english, f"not translated: {english}"
        left = [run for run in _ENGLISH_RUNS if run in spanish]
        assert not left, f"English left in {spanish!r}: {left}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(allow_overrides=True))
def test_a_quote_in_spanish_is_all_spanish_with_the_same_numbers(sc):
    _check_spanish(sc)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(coverage="commercial", network="out"))
def test_out_of_network_quotes_in_spanish(sc):
    _check_spanish(sc)


_CCNS = sorted(named_hospital.hospital_zips(load()))[:3]


@pytest.mark.parametrize("coverage", ["self_pay", "commercial", "medicare"])
@pytest.mark.parametrize("ccn", _CCNS)
def test_named_hospital_quotes_in_spanish(ccn, coverage):
    _check_spanish(Scenario(site="hopd", hospital=ccn, coverage=coverage))


@pytest.mark.parametrize("coverage", ["self_pay", "medicare", "commercial", "medicaid", "medicare_advantage"])
def test_questions_in_spanish(coverage):
    sc = Scenario(zip="35203", coverage=coverage)
    en = questions(sc)
    with use("es"):
        es = questions(sc)
    assert es.keys() == en.keys() and [len(v) for v in es.values()] == [len(v) for v in en.values()]
    assert all(a != b and ("¿" in a and a.endswith("?") or a.startswith("Por favor"))
               for k in es for a, b in zip(es[k], en[k]))


# -- the command line ---------------------------------------------------------------------------------------
def test_cli_lang_es_prints_the_summary_in_spanish_and_the_same_json():
    args = ["quote", "--zip", "35203", "--coverage", "medicare", "--sedation", "moderate"]
    r = run_cli(*args, "--lang", "es")
    assert r.returncode == 0, r.stderr
    assert "Cómo se calculó:" in r.stdout and "Tenga en cuenta:" in r.stdout and "How this was" not in r.stdout
    en = json.loads(run_cli(*args, "--json").stdout)
    es = json.loads(run_cli(*args, "--json", "--lang", "es").stdout)
    assert es.keys() == en.keys() and _numbers(es) == _numbers(en) and es["steps"] != en["steps"]
    assert (en["language"], es["language"]) == ("en", "es")


def test_cli_unknown_language_exits_2_naming_the_option():
    r = run_cli("quote", "--zip", "35203", "--lang", "xx")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == "error: --lang: 'xx' is not allowed: one of en (English), es (Español)"


# -- errors a user sees ---------------------------------------------------------------------------------------
BAD_INPUTS = [
    {"zip": "35203", "deductible": "abc"}, {"zip": "35203", "coverage": "medicare", "copay": "20"},
    {"zip": "35203", "deductible": "100", "deductible_met": "200"}, {"zip": "00000"}, {"state": "ZZ"},
    {"zip": "35203", "site": "office", "allowed_facility": "20"}, {"zip": "35203", "coinsurance": "150"},
    {"zip": "35203", "sedation": "local", "sedation_minutes": "30"}, {"zip": "35203", "site": "moon"},
    {"zip": "35203", "coverage": "medicaid", "coinsurance": "50"}, {},
]


@pytest.mark.parametrize("values", BAD_INPUTS)
def test_errors_name_the_same_fields_in_spanish_with_spanish_messages(values):
    from estimator.inputs.parsing import scenario_from_strings

    def errors() -> list:
        with pytest.raises(InputError) as e:
            scenario_from_strings(values).check()
            quote(scenario_from_strings(values))
        return e.value.errors

    en = errors()
    with use("es"):
        es = errors()
    assert [e.field for e in es] == [e.field for e in en]
    for a, b in zip(es, en):
        assert a.message != b.message and not [run for run in _ENGLISH_RUNS if run in a.message], a.message
