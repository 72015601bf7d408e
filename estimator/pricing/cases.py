"""Stage 4c, cases: what the patient did not say, priced both ways, for the rows that left it open.

A plan member who gave no deductible (nor what is left of it) is priced with the deductible not yet
met at the typical deductible and with it already met; an unknown plan type with a bill out of
network as a PPO (it pays on its out-of-network terms) and as an HMO (it pays nothing). The typical
figure is the not-met, PPO case; low and high span every case, and each case's own range is kept.
Only the open rows are priced again; every other row's range is its own low / typical / high.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from estimator.pricing import benefits
from estimator.pricing.claims import Claims
from estimator.pricing.result import level_range

#: The cases a quote is priced in when the patient did not say (see ``Cases.cases``).
CASES = ("deductible_met", "deductible_not_met", "ppo", "hmo")

#: (rows, deductible met? per row, plan an HMO? per row) -> the patient's (levels, len(rows)) total
#: for each row in its case.
PriceCase = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Cases:
    """(3, n) low / typical / high per scenario over every case, and per case (NaN where not asked)."""

    patient_range: np.ndarray
    plan_range: np.ndarray
    cases: dict[str, np.ndarray]


def _span(variants: list[np.ndarray]) -> np.ndarray:
    """(3, n): the least low, the first case's typical, the most high."""
    return np.array([np.min([v.min(axis=0) for v in variants], axis=0), variants[0][1],
                     np.max([v.max(axis=0) for v in variants], axis=0)])


def open_cases(typical: benefits.Shares, bills: Claims, deductible_unknown: np.ndarray,
               plan_type_unknown: np.ndarray, price_case: PriceCase) -> Cases:
    """The ranges over every case; ``price_case`` prices the open rows in one case."""
    typical_patient = typical.patient.sum(axis=0)  # (levels, n)
    patient_range = level_range(typical_patient)
    plan_range = level_range(typical.plan.sum(axis=0))
    n = typical_patient.shape[-1]
    cases = dict(zip(CASES, np.full((len(CASES), 3, n), np.nan)))
    open_rows = deductible_unknown | plan_type_unknown
    if not open_rows.any():
        return Cases(patient_range, plan_range, cases)
    idx = np.flatnonzero(open_rows)
    ded, plan = deductible_unknown[idx], plan_type_unknown[idx]
    typ = typical_patient[:, idx]
    # Every case asked, in one pass: met for the deductible rows, HMO for the plan rows, both for both.
    asked = (ded, plan, ded & plan)
    counts = [int(a.sum()) for a in asked]
    flags = lambda *on: np.repeat(np.array(on), counts)  # noqa: E731
    priced = price_case(np.concatenate([idx[a] for a in asked]), flags(True, False, True), flags(False, True, True))
    met, hmo = typ.copy(), typ.copy()
    met[:, ded] = priced[:, :counts[0]]
    hmo[:, plan] = priced[:, counts[0]:counts[0] + counts[1]]
    both = np.where(plan, hmo, met)
    both[:, ded & plan] = priced[:, counts[0] + counts[1]:]
    span = _span([typ, met, hmo, both])
    patient_range[:, idx] = span
    # Where a case was left open, the plan pays what the patient does not of the total cost (never
    # below zero).
    total_cost = level_range((bills.allowed.sum(axis=0) + typical.balance.sum(axis=0))[:, idx])
    rest = np.maximum(total_cost - span, 0.0)
    plan_range[:, idx] = np.array([rest.min(axis=0), rest[1], rest.max(axis=0)])
    for case, pair, asked in (("deductible_met", (met, both), ded), ("deductible_not_met", (typ, hmo), ded),
                              ("ppo", (typ, met), plan), ("hmo", (hmo, both), plan)):
        cases[case][:, idx[asked]] = _span([v[:, asked] for v in pair])
    return Cases(patient_range, plan_range, cases)
