"""The series planner: injections priced in turn as the deductible and out-of-pocket maximum fill.

Expected figures are worked out here by hand from each quote's own bills (its allowed amounts), so
the tests follow the reference data without restating it.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator import cli
from estimator.common.errors import InputError
from estimator.planning.series import (
    COMMON_YEARLY_CAP,
    MAX_COUNT,
    plan_series,
    sessions_in_window,
)
from estimator.quote import quote
from estimator.reference.tables import LEVELS, load
from estimator.scenario import Scenario

from .strategies import scenarios

REF = load()
CENT = 0.011


def by_hand(allowed: dict[str, float], count: int, deductible: float, coinsurance: float,
            oop_max: float = float("inf")) -> list[dict[str, float]]:
    """Deductible first, then coinsurance on the rest, the yearly maximum capping the total: for
    each level, ``count`` injections with that level's allowed amount each time."""
    out = [dict() for _ in range(count)]
    for lvl in LEVELS:
        a, ded_left, oop_left = allowed[lvl], deductible, oop_max
        for k in range(count):
            d = min(ded_left, a)
            share = min(oop_left, d + coinsurance * (a - d))
            ded_left -= d
            oop_left -= share
            out[k][lvl] = share
    return out


def codes(plan, number: int) -> list[str]:
    return plan.injections[number - 1].warning_codes


# -- worked cases -----------------------------------------------------------------------------------------
def test_commercial_deductible_fills_on_the_first_injection():
    sc = Scenario(zip="35203", site="asc", deductible=300.0, coinsurance=20.0, oop_max=9000.0)
    allowed = quote(sc, REF).total_allowed
    assert allowed["low"] > 300  # the first injection fills the deductible on every path
    plan = plan_series(sc, 3, 3, REF)
    want = by_hand(allowed, 3, 300.0, 0.2)
    for inj, expect in zip(plan.injections, want):
        for lvl in LEVELS:
            assert inj.patient_pays[lvl] == pytest.approx(expect[lvl], abs=CENT)
    typ = allowed["typical"]
    assert plan.injections[0].patient_pays["typical"] == pytest.approx(300 + 0.2 * (typ - 300), abs=CENT)
    assert plan.injections[1].patient_pays["typical"] == pytest.approx(0.2 * typ, abs=CENT)  # coinsurance only
    assert plan.injections[1].merged["breakdown"]["deductible"]["typical"] == 0
    assert plan.total_patient_pays["typical"] == pytest.approx(300 + 0.2 * (3 * typ - 300), abs=3 * CENT)


def test_deductible_larger_than_one_bill_fills_over_two_injections():
    sc = Scenario(zip="35203", site="asc", deductible=1000.0, coinsurance=20.0, oop_max=9000.0)
    allowed = quote(sc, REF).total_allowed
    assert allowed["typical"] < 1000 < 2 * allowed["typical"]
    plan = plan_series(sc, 3, 4, REF)
    for inj, expect in zip(plan.injections, by_hand(allowed, 3, 1000.0, 0.2)):
        for lvl in LEVELS:
            assert inj.patient_pays[lvl] == pytest.approx(expect[lvl], abs=CENT)
    first, second = (i.patient_pays["typical"] for i in plan.injections[:2])
    assert first == pytest.approx(allowed["typical"], abs=CENT)  # all deductible
    assert first + second == pytest.approx(1000 + 0.2 * (2 * allowed["typical"] - 1000), abs=CENT)


def test_deductible_remaining_is_carried_too():
    sc = Scenario(zip="35203", site="office", deductible_remaining=100.0, coinsurance=10.0, oop_remaining=8000.0)
    allowed = quote(sc, REF).total_allowed
    plan = plan_series(sc, 2, 3, REF)
    for inj, expect in zip(plan.injections, by_hand(allowed, 2, 100.0, 0.1, 8000.0)):
        for lvl in LEVELS:
            assert inj.patient_pays[lvl] == pytest.approx(expect[lvl], abs=CENT)
    inputs = plan.injections[1].merged["inputs"]
    assert inputs["deductible_remaining"] == 0 and inputs["deductible_met"] == 100


def test_out_of_pocket_maximum_reached_later_injections_cost_nothing():
    sc = Scenario(zip="35203", site="asc", deductible=500.0, coinsurance=20.0, oop_max=700.0)
    allowed = quote(sc, REF).total_allowed
    plan = plan_series(sc, 6, 3, REF)
    want = by_hand(allowed, 6, 500.0, 0.2, 700.0)
    for inj, expect in zip(plan.injections, want):
        for lvl in LEVELS:
            assert inj.patient_pays[lvl] == pytest.approx(expect[lvl], abs=CENT)
    assert all(plan.injections[-1].patient_pays[lvl] == 0 for lvl in LEVELS)  # maximum reached on every path
    assert plan.total_patient_pays == {lvl: pytest.approx(700.0, abs=CENT) for lvl in LEVELS}
    assert plan.injections[-1].merged["breakdown"]["over_max"]["typical"] > 0


def test_medicare_fifth_session_in_twelve_months_is_over_the_limit():
    sc = Scenario(zip="35203", coverage="medicare", site="asc")
    plan = plan_series(sc, 5, 3, REF)
    for n in range(1, 5):
        assert "frequency_limit_reached" not in codes(plan, n)
    assert "frequency_limit_reached" in codes(plan, 5)
    # The fifth is priced as self-pay: the cash price, counting toward nothing.
    cash = quote(Scenario(zip="35203", coverage="self_pay", site="asc"), REF).patient_pays
    assert plan.injections[4].patient_pays == cash
    # Part B: the deductible on the first, then 20% of the approved amount.
    approved = plan.injections[1].quote.total_allowed["typical"]
    assert plan.injections[1].patient_pays["typical"] == pytest.approx(0.2 * approved, abs=CENT)


@pytest.mark.parametrize("weeks, warned", [(13, True), (14, False), (26, False)])
def test_medicare_limit_counts_a_rolling_twelve_months(weeks, warned):
    # The fifth is 4 x weeks after the first: 364 days (within 12 months) or 392 and more (beyond).
    plan = plan_series(Scenario(zip="35203", coverage="medicare"), 5, weeks, REF)
    assert ("frequency_limit_reached" in codes(plan, 5)) is warned
    assert not any("frequency_limit_reached" in codes(plan, n) for n in range(1, 5))


def test_medicare_prior_sessions_count_toward_the_limit():
    plan = plan_series(Scenario(zip="35203", coverage="medicare", prior_sessions=2), 3, 3, REF)
    assert ["frequency_limit_reached" in codes(plan, n) for n in (1, 2, 3)] == [False, False, True]
    assert "series_prior_sessions" in [w["code"] for w in plan.warnings]


def test_medicare_advantage_follows_the_same_limit():
    plan = plan_series(Scenario(zip="35203", coverage="medicare_advantage", deductible=0.0), 5, 2, REF)
    assert ["frequency_limit_reached" in codes(plan, n) for n in range(1, 6)] == [False] * 4 + [True]


def test_self_pay_each_injection_costs_the_same():
    sc = Scenario(zip="35203", coverage="self_pay", site="hopd")
    one = quote(sc, REF).patient_pays
    plan = plan_series(sc, 4, 3, REF)
    assert all(i.patient_pays == one for i in plan.injections)
    assert plan.total_patient_pays == {lvl: pytest.approx(4 * one[lvl], abs=CENT) for lvl in LEVELS}
    assert plan.warnings == []


def test_one_injection_is_the_quote():
    sc = Scenario(zip="60612", site="hopd", sedation="anesthesia", deductible=1500.0, deductible_met=400.0)
    plan = plan_series(sc, 1, 3, REF)
    d = plan.to_dict()["injections"][0]
    assert (d.pop("number"), d.pop("week")) == (1, 0)
    assert d == quote(sc, REF).to_dict()
    assert plan.total_patient_pays == quote(sc, REF).patient_pays


def test_unknown_deductible_is_priced_both_ways_each_time():
    sc = Scenario(zip="35203", site="asc", coinsurance=20.0)
    single = quote(sc, REF)
    plan = plan_series(sc, 3, 3, REF)
    assert plan.injections[0].patient_pays == single.patient_pays
    typical_ded = REF.param("typical_single_deductible", sc.year)
    typ = single.total_allowed["typical"]
    # Not yet met: the typical deductible fills across the injections, then 20%.
    want = by_hand(single.total_allowed, 3, typical_ded, 0.2)
    for inj, expect in zip(plan.injections, want):
        assert inj.merged["patient_pays_if"]["deductible_not_met"]["typical"] == pytest.approx(expect["typical"],
                                                                                                abs=CENT)
        assert inj.merged["patient_pays_if"]["deductible_met"]["typical"] == pytest.approx(0.2 * typ, abs=CENT)
    assert "series_deductible_unknown" in [w["code"] for w in plan.warnings]


def test_common_policy_terms_are_warned_not_refused():
    close = plan_series(Scenario(zip="35203"), 3, 1, REF)
    assert ["series_interval_short" in codes(close, n) for n in (1, 2, 3)] == [False, True, True]
    many = plan_series(Scenario(zip="35203"), COMMON_YEARLY_CAP + 1, 3, REF)
    assert ["series_yearly_cap" in codes(many, n) for n in range(1, 6)] == [False] * 4 + [True]
    spread = plan_series(Scenario(zip="35203"), COMMON_YEARLY_CAP + 1, 14, REF)
    assert not any("series_yearly_cap" in codes(spread, n) for n in range(1, 6))
    medicare = plan_series(Scenario(zip="35203", coverage="medicare"), 5, 3, REF)
    assert not any("series_yearly_cap" in codes(medicare, n) for n in range(1, 6))  # the LCD's own limit
    cash = plan_series(Scenario(zip="35203", coverage="self_pay"), 3, 1, REF)
    assert not any(codes(cash, n) != codes(cash, 1) for n in (2, 3))


def test_a_series_over_a_year_long_is_warned_about():
    plan = plan_series(Scenario(zip="35203"), 3, 26, REF)
    assert "series_spans_years" in [w["code"] for w in plan.warnings]
    assert "series_spans_years" not in [w["code"] for w in plan_series(Scenario(zip="35203"), 3, 25, REF).warnings]


def test_sessions_in_window():
    assert [sessions_in_window(n, 3) for n in range(1, 6)] == [0, 1, 2, 3, 4]
    assert sessions_in_window(5, 13) == 4 and sessions_in_window(5, 14) == 3
    assert sessions_in_window(3, 26) == 2  # 52 weeks = 364 days back is within
    assert sessions_in_window(4, 26) == 2  # 78 weeks back is not


@pytest.mark.parametrize("count, weeks, field", [(0, 3, "count"), (MAX_COUNT + 1, 3, "count"), ("2.5", 3, "count"),
                                                 ("lots", 3, "count"), (2, 0, "weeks_apart"), (2, 27, "weeks_apart"),
                                                 (2, "inf", "weeks_apart")])
def test_bad_count_or_spacing_names_the_input(count, weeks, field):
    with pytest.raises(InputError) as e:
        plan_series(Scenario(zip="35203"), count, weeks, REF)
    assert [x.field for x in e.value.errors] == [field]


def test_bad_scenario_names_its_field():
    with pytest.raises(InputError) as e:
        plan_series(Scenario(zip="35203", deductible=-5.0), 2, 3, REF)
    assert [x.field for x in e.value.errors] == ["deductible"]


# -- the command line ---------------------------------------------------------------------------------------
def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(list(argv))
    return rc, out.getvalue(), err.getvalue()


def test_cli_json_is_the_quotes_and_the_totals():
    rc, out, err = run("series", "--count", "3", "--zip", "35203", "--deductible", "300", "--coinsurance", "20",
                       "--weeks-apart", "4", "--json")
    assert rc == 0, err
    d = json.loads(out)
    single = quote(Scenario(zip="35203", deductible=300.0, coinsurance=20.0), REF).to_dict()
    assert [i["number"] for i in d["injections"]] == [1, 2, 3] and [i["week"] for i in d["injections"]] == [0, 4, 8]
    assert set(d["injections"][0]) == set(single) | {"number", "week"}
    assert d["injections"][0]["patient_pays"] == single["patient_pays"]
    assert set(d["total_patient_pays"]) == set(LEVELS)
    for lvl in LEVELS:
        assert d["total_patient_pays"][lvl] == pytest.approx(sum(i["patient_pays"][lvl] for i in d["injections"]),
                                                             abs=0.005)


def test_cli_text_shows_each_injection_and_the_total():
    rc, out, _ = run("series", "--count", "2", "--zip", "35203", "--deductible", "300")
    assert rc == 0
    assert "Running total" in out and "You would likely pay" in out and "not medical advice" in out


def test_cli_named_hospital_and_payer():
    rc, out, err = run("series", "--count", "2", "--site", "hopd", "--hospital", "010001", "--payer", "Aetna",
                       "--json")
    assert rc == 0, err
    d = json.loads(out)
    single = quote(Scenario(site="hopd", hospital="010001", payer="Aetna"), REF).to_dict()
    assert all(i["hospital"]["ccn"] == "010001" for i in d["injections"])
    assert d["injections"][0]["patient_pays"] == single["patient_pays"]


@pytest.mark.parametrize("argv, line", [
    (("--zip", "35203"), "error: --count: is required"),
    (("--count", "9", "--zip", "35203"), "error: --count: '9' is not allowed: a whole number from 1 to 6"),
    (("--count", "2", "--weeks-apart", "-1", "--zip", "35203"), "error: --weeks-apart: '-1' is not allowed"),
    (("--count", "2", "--zip", "35203", "--deductible", "x"), "error: --deductible: 'x' is not a number"),
])
def test_cli_errors_are_one_line_naming_the_option(argv, line):
    rc, out, err = run("series", *argv)
    assert rc == 2 and out == ""
    assert err.startswith(line) and err.count("\n") == 1


# -- properties ---------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), count=st.integers(1, 4), weeks=st.integers(1, 26))
def test_series_properties(sc, count, weeks):
    plan = plan_series(sc, count, weeks, REF)
    assert len(plan.injections) == count
    t = plan.total_patient_pays
    for lvl in LEVELS:  # the total is the sum of the injections
        assert t[lvl] == pytest.approx(sum(i.patient_pays[lvl] for i in plan.injections), abs=0.005 * count)
    assert t["low"] <= t["typical"] + 0.01 and t["typical"] <= t["high"] + 0.01
    first = plan.injections[0].patient_pays
    for inj in plan.injections[1:]:  # under the same bills, never more than the first (a covered one)
        if "frequency_limit_reached" in inj.warning_codes:
            continue
        for lvl in LEVELS:
            assert inj.patient_pays[lvl] <= first[lvl] + 0.01, (inj.number, lvl)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_series_table_lines_up_in_every_language(lang):
    from estimator.common import i18n

    plan = plan_series(Scenario(zip="35203", site="asc", deductible=1500, coinsurance=20), 3, 3)
    with i18n.use(lang):
        text = cli.format_series(plan)
    lines = text.splitlines()
    start = next(i for i, t in enumerate(lines) if t.startswith(("Injection", "Inyección")))
    table = lines[start:start + 5]  # the header, three injections and the total
    assert len({len(t) for t in table[:4]}) == 1  # header and rows end in the same column
    assert all("  " in t for t in table)  # cells are never run together
    for inj, row in zip(plan.injections, table[1:4], strict=True):
        assert row.split()[0] == str(inj.number)
