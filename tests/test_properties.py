"""Invariants of the engine and the benefit math, checked on generated scenarios."""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from estimator.pricing import benefits
from estimator.quote import quote
from estimator.scenario import Scenario

from .strategies import scenarios

LEVELS = ("low", "typical", "high")
TOL = 0.011  # cents of rounding across three claims


@settings(max_examples=300, deadline=None)
@given(scenarios(coverage="commercial", network="in"))
def test_in_network_patient_plus_plan_equals_allowed(sc):
    sc.anesthesia_network = "in"
    sc.doctor_network = "in"
    q = quote(sc)
    # Where a case was left open (an unknown deductible), low and high span the cases: only the
    # typical figures are one case's.
    for lvl in LEVELS if not q.patient_pays_if else ("typical",):
        assert abs(q.patient_pays[lvl] + q.plan_pays[lvl] - q.total_allowed[lvl]) <= TOL


@settings(max_examples=300, deadline=None)
@given(scenarios(allow_overrides=True))
def test_patient_never_pays_more_than_max_plus_balance_and_noncovered(sc):
    q = quote(sc)
    oop = q.assumptions["oop_remaining"]
    if oop is not None and sc.coverage in ("commercial", "medicare_advantage"):
        oon = q.assumptions["oon_oop_remaining"]  # out-of-network terms fill their own maximum
        oop = None if oon is None else oop + oon
    # The patient's range spans the three price scenarios, so bound it by the largest of each.
    most_balance = max(q.breakdown["balance"].values())
    most_owed = max(q.total_allowed[lvl] + q.breakdown["balance"][lvl] for lvl in LEVELS)
    if "plan_type_assumed" in q.warning_codes():  # as an HMO out of network: the whole charge
        most_owed = max(most_owed, max(q.total_billed.values()))
    for lvl in LEVELS:
        assert q.patient_pays[lvl] >= -TOL and q.plan_pays[lvl] >= -TOL
        assert q.patient_pays[lvl] <= most_owed + TOL
        if oop is not None and sc.coverage in ("commercial", "medicare_advantage", "medicaid") \
                and not {"frequency_limit_reached", "out_of_network_not_covered", "plan_type_assumed"
                         } & set(q.warning_codes()):
            assert q.patient_pays[lvl] <= oop + most_balance + TOL


@settings(max_examples=200, deadline=None)
@given(scenarios(allow_overrides=True))
def test_total_cost_is_what_the_patient_and_the_plan_pay_together(sc):
    q = quote(sc)
    assert abs(q.total_cost["typical"] - q.patient_pays["typical"] - q.plan_pays["typical"]) <= 2 * TOL
    for lvl in LEVELS:
        assert q.total_cost[lvl] >= q.total_allowed[lvl] - TOL


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_low_typical_high_are_ordered(sc):
    q = quote(sc)
    for band in (q.total_allowed, q.total_billed, q.patient_pays):
        assert band["low"] <= band["typical"] + TOL and band["typical"] <= band["high"] + TOL
    assert q.total_billed["typical"] >= q.total_allowed["typical"] - TOL


@settings(max_examples=200, deadline=None)
@given(scenarios(coverage="self_pay"))
def test_self_pay_pays_the_whole_total(sc):
    q = quote(sc)
    for lvl in LEVELS:
        assert abs(q.patient_pays[lvl] - q.total_allowed[lvl]) <= TOL
        assert q.plan_pays[lvl] == 0


@settings(max_examples=300, deadline=None)
@given(scenarios())
@example(Scenario(zip="00669", code="62320", imaging="fluoroscopy", sedation="moderate", sedation_minutes=53,
                  coverage="medicare", year=2026))
def test_hospital_at_least_surgery_center_at_least_office(sc):
    # Every provider in the same network: the No Surprises Act protects a provider's own network
    # status at a facility but not in an office, so mixed networks may rightly cost more in an office.
    sc = sc.changed(doctor_network=None, anesthesia_network=None)
    # Sedation time past the first 22 minutes (99153) is paid only in an office (CMS gives it no facility
    # payment), so with long moderate sedation an office may rightly cost more: compare within 22 minutes.
    if sc.sedation == "moderate":
        sc = sc.changed(sedation_minutes=min(sc.sedation_minutes, 22))
    totals = {}
    for site in ("hopd", "asc", "office"):
        s = copy.copy(sc)
        s.site = site
        q = quote(s)
        totals[site] = (q.total_allowed, q.total_billed)
    # A surgery center at least an office at the typical and high levels. Not at the low level: in the
    # lowest-priced states (published hospital prices in Michigan and Maryland, say) a 10th-percentile
    # facility fee plus the doctor's facility-rate fee can fall below an office's 10th-percentile fee.
    # Billed charges rest on separate published charge ratios for each bill, so only the allowed amounts
    # are compared between a surgery center and an office.
    for k in (0, 1):
        for lvl in LEVELS:
            assert totals["hopd"][k][lvl] >= totals["asc"][k][lvl] - TOL, (k, lvl, totals)
            if lvl != "low" and k == 0:
                assert totals["asc"][k][lvl] >= totals["office"][k][lvl] - TOL, (k, lvl, totals)


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.sampled_from(("moderate", "anesthesia")))
def test_adding_sedation_never_lowers_the_total(sc, sedation):
    sc = sc.changed(sedation="local")
    base = quote(sc)
    q = quote(sc.changed(sedation=sedation))
    for lvl in LEVELS:
        assert q.total_allowed[lvl] >= base.total_allowed[lvl] - TOL
        assert q.total_billed[lvl] >= base.total_billed[lvl] - TOL
        # Without balance bills the patient's share follows the total (with one, a higher allowed
        # amount can shrink the balance, so only the total is compared).
        if base.breakdown["balance"]["high"] == 0 and q.breakdown["balance"]["high"] == 0:
            assert q.patient_pays[lvl] >= base.patient_pays[lvl] - TOL


def _split(allowed, **kw):
    a = np.asarray(allowed, float).reshape(3, 1, -1)
    n = a.shape[2]
    p = dict(balance=np.zeros_like(a), ded_remaining=np.full(n, kw.get("ded", 0.0)),
             copay=np.full(n, kw.get("copay", 0.0)), coinsurance=np.full(n, kw.get("coins", 0.2)),
             oop_remaining=np.full(n, kw.get("oop", np.inf)), principal=np.full(n, kw.get("principal", 1)),
             coins_cap=np.full((3, n), np.inf), copay_before=np.full(n, kw.get("before", False)),
             coins_incl_copay=np.full(n, kw.get("incl", False)), supplemental_pays=np.zeros(n, bool))
    return benefits.split(a, **p)


benefit_params = st.fixed_dictionaries({
    "ded": st.floats(0, 5000), "copay": st.floats(0, 500), "coins": st.floats(0, 1),
    "oop": st.one_of(st.just(np.inf), st.floats(0, 10000)), "principal": st.integers(0, 2),
    "before": st.booleans(), "incl": st.booleans()})
claim = st.floats(0, 10000)


@settings(max_examples=500, deadline=None)
@given(benefit_params, st.tuples(claim, claim, claim), st.integers(0, 2), st.floats(0, 5000))
def test_patient_share_never_falls_when_an_allowed_amount_rises(params, claims, which, extra):
    base = _split(list(claims), **params)
    raised = list(claims)
    raised[which] += extra
    more = _split(raised, **params)
    assert more.patient.sum() >= base.patient.sum() - 1e-6
    assert more.plan.sum() >= base.plan.sum() - 1e-6  # and the plan's part never falls either


@settings(max_examples=500, deadline=None)
@given(benefit_params, st.tuples(claim, claim, claim))
def test_benefit_parts_add_up_and_respect_the_limits(params, claims):
    s = _split(list(claims), **params)
    total = sum(claims)
    assert abs(s.patient.sum() + s.plan.sum() - total) < 1e-6
    assert s.deductible.sum() <= params["ded"] + 1e-6
    assert s.patient.sum() <= params["oop"] + 1e-6
    assert (s.patient >= -1e-9).all() and (s.plan >= -1e-9).all()
    assert s.copay.sum() <= params["copay"] + 1e-6
