"""The series panel's chart and the PDF section, without a running app."""

from __future__ import annotations

import io

import plotly.graph_objects as go
import pytest
from pypdf import PdfReader

from dashboard.series_view import SERIES_CONFIG, series_chart
from estimator.common.money import usd
from estimator.documents import Document
from estimator.documents.series_section import add_series, series_rows
from estimator.planning.series import plan_series
from estimator.reference.tables import load
from estimator.scenario import Scenario

REF = load()


@pytest.fixture(scope="module")
def plan():
    return plan_series(Scenario(zip="35203", deductible=300.0, coinsurance=20.0), 3, 4, REF)


def test_chart_has_each_injection_and_the_running_total(plan):
    fig, alt = series_chart(plan)
    assert isinstance(fig, go.Figure)
    bars, line = fig.data
    typ = [i.patient_pays["typical"] for i in plan.injections]
    assert list(bars.y) == typ
    assert list(line.y) == pytest.approx([typ[0], typ[0] + typ[1], sum(typ)])
    assert line.y[-1] == pytest.approx(plan.total_patient_pays["typical"], abs=0.01)
    assert [list(c) for c in bars.customdata] == [[i.patient_pays["low"], i.patient_pays["high"]]
                                                  for i in plan.injections]
    assert "week 4" in bars.x[1]
    assert usd(plan.total_patient_pays["typical"], cents=False) in alt and alt.count("; injection ") == 2
    assert SERIES_CONFIG["displayModeBar"] is False


def _pdf_text(plan_or_dict) -> str:
    doc = Document("Series")
    add_series(doc, plan_or_dict)
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.bytes())).pages)


def test_pdf_section_has_the_table_and_the_total(plan):
    text = _pdf_text(plan)
    assert "If you have 3 injections, 4 weeks apart" in text
    for inj in plan.injections:
        assert usd(inj.patient_pays["typical"], True) in text
    assert usd(plan.total_patient_pays["typical"], True) in text
    assert usd(plan.total_patient_pays["typical"], cents=False) in text  # the sentence above the table
    assert "Running total" in text


def test_pdf_section_from_the_json_reads_the_same(plan):
    assert _pdf_text(plan.to_dict()) == _pdf_text(plan)
    rows = series_rows(plan.to_dict())
    assert [r[0] for r in rows] == ["1", "2", "3", "Total"]


def test_pdf_section_names_the_injection_over_medicare_limit():
    medicare = plan_series(Scenario(zip="35203", coverage="medicare"), 5, 3, REF)
    text = " ".join(_pdf_text(medicare).split())
    assert "Injection 5: Under" in text and "at most 4 sessions" in text


def _page():  # pragma: no cover - runs inside AppTest
    from dashboard.series_view import render_series
    from estimator.scenario import Scenario

    render_series(Scenario(zip="35203", coverage="medicare"))


def test_panel_renders_and_follows_its_inputs():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_page, default_timeout=30).run()
    assert not at.exception
    assert at.expander[0].label == "Planning more than one injection?"
    assert not at.number_input and not at.dataframe  # closed: nothing priced yet
    at.session_state["series_panel"] = True  # the patient opens the panel
    at.run()
    at.number_input(key="series_count").set_value(5).run()
    assert not at.exception
    assert any("at most 4 sessions" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 5
