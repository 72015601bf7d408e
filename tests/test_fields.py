"""The field registry is the one definition of every input, and one validator serves one scenario
and a DataFrame of scenarios alike.

- For every field, text a person (or an attacker) might type is read the same way by the single
  path (check_values, used by the CLI, the API and the UIs) and the vectorised path (check_frame,
  used by quote_frame and batch files): the same verdict and the same message, row by row.
- Numbers in numeric columns get the verdicts their text gets.
- Every consumer takes its fields from the registry (the Scenario class, the CLI options, the
  dashboard inputs, the batch template), and fields.applicable is the one answer to "does this
  field apply".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator import cli
from estimator.frontdesk.batch_csv import TEMPLATE
from estimator.inputs.fields import (
    COVERAGE,
    FIELDS,
    PLACE_FIELDS,
    REGISTRY,
    SEDATION,
    applicable,
    applies,
    keep_applicable,
    read,
)
from estimator.inputs.parsing import scenario_from_strings
from estimator.inputs.validation import check_frame, check_one_row_table, check_values
from estimator.reference.tables import load
from estimator.scenario import Scenario, ScenarioError

from .strategies import value

REF = load()
_NUMBERISH = st.one_of(
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.sampled_from(["inf", "-inf", "nan", "1e309", "1e3", "0x10", "1_000", "$1,500", "1,500.50", "20%", "-0",
                     "٣٥", "３５", "1" * 400, "$", "%", "", " ", "12abc", "1.2.3", ".5", "5.", "+5", "-$5", "$-5",
                     "1,50", "1,500,000", "1000000.01"]),
)


def field_text(name: str) -> st.SearchStrategy[str]:
    """Text typed into one field: valid values, near misses and garbage."""
    spec = FIELDS[name]
    parts = [st.text(max_size=12), _NUMBERISH]
    if spec.kind == "choice":
        parts.append(st.sampled_from(list(spec.choices) + [c.upper() for c in spec.choices]
                                     + list(spec.choice_labels.values()) + [" " + spec.choices[0] + " "]))
    if name == "zip":
        parts.append(st.sampled_from(["35203", "35203-1234", "352031234", "35203abc", "35203-12", "00000",
                                      "99999", "3520", " 35203 "]))
    if name == "state":
        parts.append(st.sampled_from(["AL", "al", "ZZ", "A", "ALA"]))
    if name == "locality":
        parts.append(st.sampled_from([loc.key for loc in REF.localities[:5]] + ["10112-0", "99999-99"]))
    return st.one_of(*parts)


@pytest.mark.parametrize("name", [f.name for f in REGISTRY])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_scenario_and_a_frame_read_every_field_alike(name, data):
    texts = data.draw(st.lists(field_text(name), min_size=1, max_size=6))
    base = {"zip": "35203"} if name not in PLACE_FIELDS else {}
    rows = [{**base, name: t} for t in texts]
    checked = check_frame(pd.DataFrame(rows, dtype=object), REF)
    frame_errors = checked.error_texts()
    for i, row in enumerate(rows):
        _, errors = check_values(row, REF)
        assert frame_errors[i] == "; ".join(str(e) for e in errors), row
        assert bool(checked.bad[i]) == bool(errors)
        if errors:  # every message names a field
            assert all(e.field in FIELDS for e in errors)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_scenario_read_as_values_is_read_as_its_one_row_table(data):
    """check_values reads a scenario it finds fine without arrays (columns.Row): the verdict, the
    words and the values read are those of the same scenario as a one-row table, for any mix of
    fields, valid or not, alone or in combinations the cross-field rules refuse."""
    names = data.draw(st.lists(st.sampled_from([f.name for f in REGISTRY]), max_size=8, unique=True))
    row: dict[str, object] = {"zip": "35203"}
    for name in names:
        row[name] = data.draw(
            st.one_of(value(FIELDS[name]), value(FIELDS[name]).map(str), field_text(name))
            if FIELDS[name].kind != "text"
            else field_text(name)
        )
    assert check_values(row, REF) == check_one_row_table(row, REF)
    assert check_values(row) == check_one_row_table(row)


@pytest.mark.parametrize("name", [f.name for f in REGISTRY if f.is_number])
@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=8))
def test_numeric_columns_get_the_verdict_their_values_get_one_by_one(name, values):
    df = pd.DataFrame({"zip": ["35203"] * len(values), name: np.array(values, dtype=float)})
    checked = check_frame(df, REF)
    for i, v in enumerate(values):
        _, errors = check_values({"zip": "35203", name: v}, REF)
        assert checked.error_texts()[i] == "; ".join(str(e) for e in errors), v


@pytest.mark.parametrize("text", ["inf", "-inf", "1e309", "nan", "9" * 400, "٣٥٠", "１００", "0x10", "1_000"])
def test_non_finite_absurd_and_non_ascii_numbers_are_refused_naming_the_field(text):
    for name in ("deductible", "copay", "coinsurance", "sedation_minutes", "prior_sessions", "year"):
        with pytest.raises(ScenarioError) as e:
            scenario_from_strings({"zip": "35203", name: text})
        assert [err.field for err in e.value.errors] == [name]


@pytest.mark.parametrize("text", ["352031234", "35203abc", "35203-12", "٣٥٢٠٣", "３５２０３", "35203 1234"])
def test_malformed_zips_are_refused_by_the_single_api_and_the_frame(text):
    with pytest.raises(ScenarioError):
        scenario_from_strings({"zip": text}, REF)
    out = check_frame(pd.DataFrame({"zip": [text, "35203"]}), REF)
    assert out.bad.tolist() == [True, False]
    assert out.error_texts()[0].startswith("zip: ")


def test_choices_accept_their_codes_and_their_labels():
    sc = scenario_from_strings({"zip": "35203", "site": "Ambulatory surgery center", "coverage": "Self-pay",
                                "sedation": "LOCAL"})
    assert (sc.site, sc.coverage, sc.sedation) == ("asc", "self_pay", "local")


def test_every_consumer_takes_its_fields_from_the_registry():
    assert Scenario.field_names() == [f.name for f in REGISTRY]
    assert {f.name: f.default for f in REGISTRY} == Scenario().to_dict()
    quote_parser = cli.build_parser()._subparsers._group_actions[0].choices["quote"]
    options = {a.dest: a for a in quote_parser._actions if a.dest in FIELDS}
    assert set(options) == set(FIELDS)
    assert all(options[f.name].option_strings == [f.option] for f in REGISTRY)
    header = TEMPLATE.splitlines()[0].split(",")
    assert [c for c in header if c in FIELDS] and all(c in FIELDS or c.startswith(("patient_", "service_"))
                                                      or c == "payer" for c in header)


def test_a_field_that_does_not_apply_is_refused_unless_it_changes_nothing():
    for cov in COVERAGE:
        for sed in SEDATION:
            use = applicable(cov, sed)
            for spec in REGISTRY:
                if spec.name in PLACE_FIELDS or spec.kind != "money" or spec.name in use:
                    continue
                _, errors = check_values({"zip": "35203", "coverage": cov, "sedation": sed, spec.name: "12"})
                assert spec.name in [e.field for e in errors], (cov, sed, spec.name)
                _, errors = check_values({"zip": "35203", "coverage": cov, "sedation": sed,
                                          spec.name: spec.default})
                assert not errors, (cov, sed, spec.name, errors)


def test_original_medicare_has_no_copay_and_self_pay_no_deductible():
    with pytest.raises(ScenarioError) as e:
        scenario_from_strings({"zip": "35203", "coverage": "medicare", "copay": "100"})
    assert e.value.errors[0].field == "copay" and "no copay" in e.value.errors[0].message
    with pytest.raises(ScenarioError) as e:
        scenario_from_strings({"zip": "35203", "coverage": "self_pay", "deductible": "500"})
    assert e.value.errors[0].field == "deductible"


def test_keep_applicable_and_changed_drop_exactly_the_fields_that_do_not_apply():
    values = {"zip": "35203", "coverage": "medicare", "copay": "100", "deductible_met": "50", "medigap": "g"}
    kept = keep_applicable(values)
    assert kept == {"zip": "35203", "coverage": "medicare", "deductible_met": "50", "medigap": "g"}
    sc = Scenario(zip="35203", coverage="commercial", copay=100.0, coinsurance=30.0, sedation="moderate",
                  sedation_minutes=45)
    med = sc.changed(coverage="medicare", sedation="local")
    assert (med.copay, med.coinsurance, med.sedation_minutes) == (0.0, None, 15)
    assert med.validate() == []
    for spec in REGISTRY:
        assert applies(spec, "commercial") == ("commercial" in spec.coverages)


@given(st.text(max_size=30))
def test_read_never_raises_and_either_reads_or_explains(text):
    for spec in REGISTRY:
        value, msg = read(spec, text)
        assert (msg is None) or (value is None and msg)
        if spec.is_number and msg is None and value is not None:
            assert math.isfinite(value)


@given(st.lists(st.one_of(st.none(), st.just(float("nan")), st.text(alphabet=" \t\nab0", max_size=3),
                          st.floats(allow_nan=False), st.integers()), min_size=1, max_size=80))
@settings(max_examples=200, deadline=None)
def test_blank_cells_read_alike_for_one_quote_and_a_frame(cells):
    """The validator's small-batch shortcut for blank cells agrees with its pandas path."""
    from estimator.inputs.validation import _blank_cells

    s = pd.Series(cells, dtype=object)
    expected = (s.isna() | s.astype(str).str.strip().eq("")).to_numpy(bool)
    assert list(_blank_cells(cells, len(cells))) == list(expected)
    assert list(_blank_cells(s, len(cells))) == list(expected)
