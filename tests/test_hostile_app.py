"""Hostile values in the patient pages' URL parameters (Streamlit AppTest).

Every parameter the patient pages read from the page address (``web_parameters`` in
``tests/hostile/corpus.json``) with every hostile value (``web``: inf, NaN, -5, 1e309, 400 digits,
markdown image and link payloads, 10k characters). The contract: the page raises nothing, shows an
inline message naming the field, does not render the value as markdown (no remote image, no link),
and keeps the other, good parameters in its widgets. The landing page is tried with every
parameter; "Prices near you" with those it shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.safe_text import shown
from dashboard.state import BY_NAME

from .conftest import ROOT

CORPUS = json.loads((Path(__file__).parent / "hostile" / "corpus.json").read_text())
APP = str(ROOT / "app.py")
GOOD = {"zip": "35203", "site": "hopd", "sedation": "moderate", "deductible": "1500", "coinsurance": "20"}
KEPT = {"zip": "35203", "site": "hopd", "sedation": "moderate", "deductible": 1500.0, "coinsurance": 20.0}
MARKDOWN = ("](http", "![")
PRICES_PAGE_PARAMETERS = ("show", "zip", "site", "deductible", "year", "code")


def _text(entry: dict) -> str:
    return entry["value"] if "value" in entry else entry["repeat"][0] * entry["repeat"][1]


def run(params: dict[str, str], page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def _shown(at: AppTest) -> list[str]:
    """The text of every element that renders markdown."""
    out = []
    for kind in ("markdown", "warning", "error", "info", "success", "caption"):
        out += [str(e.value) for e in getattr(at, kind)]
    return out


def _check(at: AppTest, name: str, value: str) -> None:
    assert not at.exception, [str(e.value)[:300] for e in at.exception]
    label = BY_NAME[name].label.lower()
    # As shown: Markdown's backslash escapes (dashboard.safe_text.md) render as the characters themselves.
    messages = [shown(str(e.value)) for e in (*at.warning, *at.error)]
    assert any(label in m.lower() or name.replace("_", " ") in m.lower() for m in messages), \
        f"no message names {name}: {[m[:120] for m in messages]}"
    if any(s in value for s in MARKDOWN):
        leaked = [t[:120] for t in _shown(at) if value in t]
        assert not leaked, f"the value is rendered as markdown: {leaked}"
    for k, v in KEPT.items():
        if k != name:
            assert at.session_state[f"in_{k}"] == v, f"{k} not kept: {at.session_state[f'in_{k}']!r}"


CASES = [pytest.param(name, e, id=f"{name}-{e['id']}") for name in CORPUS["web_parameters"] for e in CORPUS["web"]]


@pytest.mark.parametrize("name, entry", CASES)
def test_estimate_page_names_a_hostile_url_value_and_keeps_the_rest(name, entry):
    value = _text(entry)
    params = {**{k: v for k, v in GOOD.items() if k != name}, name: value}
    _check(run(params), name, value)


PRICES_CASES = [pytest.param(name, e, id=f"{name}-{e['id']}") for name in PRICES_PAGE_PARAMETERS
                for e in CORPUS["web"]]


@pytest.mark.parametrize("name, entry", PRICES_CASES)
def test_prices_page_names_a_hostile_url_value_and_keeps_the_rest(name, entry):
    value = _text(entry)
    params = {**{k: v for k, v in GOOD.items() if k != name}, name: value}
    _check(run(params, page="app_pages/prices.py"), name, value)


def test_every_url_parameter_of_the_patient_pages_is_covered():
    assert set(CORPUS["web_parameters"]) == set(BY_NAME)
