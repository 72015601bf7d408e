"""A Good Faith Estimate printed in Spanish: the 45 CFR 149.610 statements in Spanish, and the amounts,
codes, identifiers and dates exactly those of the English one."""

from __future__ import annotations

import json
import re

import pypdf
import pytest

from estimator import gfe
from estimator.common.i18n import use
from estimator.documents.gfe_pdf import gfe_text
from tests.conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"
#: What must not change with the language, in the order the document gives it.
FIGURES = re.compile(r"\$[\d,]+\.\d{2}|\b(?:6232[0-3]|9915[23]|01937)\b|\b[A-Z]\d{2}\.\d+\b|\b\d{10}\b"
                     r"|\b\d{2}-\d{7}\b|\b20\d{2}\b")


def _text(path) -> str:
    return " ".join("".join(p.extract_text() for p in pypdf.PdfReader(path).pages).split())


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("gfe")
    out = {}
    for lang in ("en", "es"):
        path = folder / f"gfe-{lang}.pdf"
        r = run_cli("gfe", str(EXAMPLES / "gfe_case.json"), "-o", str(path), "--lang", lang)
        assert r.returncode == 0, r.stderr
        out[lang] = _text(path)
    return out


def _statements(lang: str) -> list[str]:
    case = gfe.GfeCase.from_dict(json.loads((EXAMPLES / "gfe_case.json").read_text()), EXAMPLES)
    with use(lang):
        q, lines = gfe.build(case)
        return gfe_text(case, q, lines)["disclaimers"]


def test_the_amounts_codes_and_dates_are_the_same_in_both_languages(printed):
    en, es = FIGURES.findall(printed["en"]), FIGURES.findall(printed["es"])
    assert len(en) >= 15 and en == es


def test_every_statement_149_610_asks_for_is_printed_in_spanish(printed):
    english, spanish = _statements("en"), _statements("es")
    assert len(spanish) == len(english) == 8
    for en_line, es_line in zip(english, spanish, strict=True):
        assert es_line != en_line
        assert " ".join(es_line.split()) in printed["es"]
        assert " ".join(en_line.split()) not in printed["es"]
        assert " ".join(en_line.split()) in printed["en"]
    assert "Estimación de Buena Fe" in printed["es"] and "de diciembre de 2026" in printed["es"]
    assert "1-800-985-3059" in printed["es"] and "www.cms.gov/nosurprises" in printed["es"]


def test_the_date_of_birth_is_written_in_each_languages_order(printed):
    """Day first in Spanish, month first in English, both in full digits: the same date either way."""
    dob = json.loads((EXAMPLES / "gfe_case.json").read_text())["patient"]["dob"]
    year, month, day = dob.split("-")
    assert day != month
    assert f"{month}/{day}/{year}" in printed["en"] and f"{day}/{month}/{year}" not in printed["en"]
    assert f"{day}/{month}/{year}" in printed["es"] and f"{month}/{day}/{year}" not in printed["es"]
