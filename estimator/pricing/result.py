"""The pipeline's output for n scenarios: every stage's figures the quote and its words are read from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.pricing import benefits


@dataclass
class Result:
    """Engine output for n scenarios (amounts of the typical case: deductible not met, PPO)."""

    reference_cents: dict[str, np.ndarray]
    allowed: np.ndarray  # (3, 3, n) component x level: what the plan (or cash price) recognises
    billed: np.ndarray  # (3, 3, n) the provider's charge
    claims: np.ndarray  # (3, 3, n) allowed amounts as processed (one claim if a total was entered)
    shares: benefits.Shares
    ded_remaining: np.ndarray  # (n,) before this visit (in network; 0 where it does not apply)
    coinsurance_fraction: np.ndarray  # (n,) the coinsurance rate used, as a fraction (0.2 = 20%)
    oop_remaining: np.ndarray  # (n,) before this visit (inf = none)
    noncovered: np.ndarray  # (n,) bool: outside Medicare's LCD (frequency limit or no imaging), priced as self-pay
    nsa_protected: np.ndarray  # (n,) bool: out-of-network anesthesia limited to in-network sharing
    nonpar: np.ndarray  # (n,) bool: Original Medicare approved the non-participating amount (95%)
    limiting_charge: np.ndarray  # (n,) bool: the doctor does not accept assignment and may bill up to it
    coinsurance_assumed: np.ndarray  # (n,) bool
    doctor_protected: np.ndarray = None  # (n,) bool: out-of-network doctor, in-network facility, no consent
    oon_pay: np.ndarray = None  # (3, n) bool: claims paid on out-of-network terms (PPO/POS, or MA PPO)
    oon_none: np.ndarray = None  # (3, n) bool: out-of-network claims the plan pays nothing for (HMO/EPO)
    oon_ded_remaining: np.ndarray = None  # (n,)
    oon_coinsurance_fraction: np.ndarray = None  # (n,)
    oon_oop_remaining: np.ndarray = None  # (n,) inf = none
    aca_capped: np.ndarray = None  # (n,) bool: the entered maximum was above the ACA limit
    copay_only: np.ndarray = None  # (n,) bool: a copay with no coinsurance entered: copay only
    deductible_unknown: np.ndarray = None  # (n,) bool: priced both met and not met
    plan_type_unknown: np.ndarray = None  # (n,) bool: priced both as a PPO and as an HMO
    medicaid_capped: np.ndarray = None  # (n,) bool: cost sharing cut to the federal Medicaid limit
    cases: dict[str, np.ndarray] = None  # name -> (3, n) patient's low/typical/high; NaN where not asked
    patient_range: np.ndarray = None  # (3, n) over every case
    plan_range: np.ndarray = None  # (3, n) over every case

    @property
    def total_allowed(self) -> np.ndarray:
        return self.allowed.sum(axis=0)

    @property
    def total_billed(self) -> np.ndarray:
        return self.billed.sum(axis=0)

    @property
    def patient(self) -> np.ndarray:
        """(3, n) the patient's total: typical scenario, with low/high the least/most of the three.

        In network the share rises with the price, so low/high are the low/high price scenarios;
        out of network the balance bill (billed - allowed) need not, so the range is widened to
        cover all three scenarios; where the patient did not say something that matters (the
        deductible's status, the plan type out of network) it spans every case.
        """
        return self.patient_range if self.patient_range is not None else level_range(self.shares.patient.sum(axis=0))

    @property
    def plan(self) -> np.ndarray:
        return self.plan_range if self.plan_range is not None else level_range(self.shares.plan.sum(axis=0))


def level_range(by_level: np.ndarray) -> np.ndarray:
    """(3, n): the least, the typical and the most of a (levels, n) array."""
    return np.array([by_level.min(axis=0), by_level[1], by_level.max(axis=0)])
