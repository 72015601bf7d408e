"""The pipeline's input: scenarios encoded as arrays, one entry per scenario in every array."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.pricing.arrays import take


@dataclass
class Inputs:
    """Encoded scenarios: one entry per scenario in every array.

    Integer codes index tables.YEARS, PROCEDURE_CODES (the code billed, after the imaging
    choice), SITES, scenario.SEDATION, scenario.COVERAGE, scenario.MEDICARE_PROVIDER,
    fields.PLAN_TYPE and fields.MEDIGAP. Money in dollars, NaN = not given; percentages 0-100.
    ``net_out`` is the facility's (and, by default, everyone's) network; ``doc_out`` and
    ``anes_out`` the doctor's and the anesthesia provider's own.
    """

    year: np.ndarray
    loc: np.ndarray
    state: np.ndarray
    #: the patient's wage-index area (position in RefData.wage_areas; -1 = none: the locality's wage
    #: index applies), from a ZIP code's county (estimator.reference.geography)
    wage_area: np.ndarray
    code: np.ndarray
    site: np.ndarray
    sedation: np.ndarray
    sed_minutes: np.ndarray
    anes_minutes: np.ndarray
    coverage: np.ndarray
    net_out: np.ndarray
    anes_out: np.ndarray
    deductible: np.ndarray
    deductible_met: np.ndarray
    deductible_remaining: np.ndarray
    copay: np.ndarray
    coinsurance_pct: np.ndarray
    oop_max: np.ndarray
    oop_met: np.ndarray
    oop_remaining: np.ndarray
    copay_before: np.ndarray
    coins_incl_copay: np.ndarray
    medigap: np.ndarray
    medicare_provider: np.ndarray
    prior_sessions: np.ndarray
    allowed_total: np.ndarray
    allowed_component: np.ndarray  # (3, n)
    billed_total: np.ndarray
    plan_type: np.ndarray
    doc_out: np.ndarray
    consent: np.ndarray
    oon_deductible: np.ndarray
    oon_deductible_met: np.ndarray
    oon_coinsurance_pct: np.ndarray
    oon_oop_max: np.ndarray
    oon_oop_met: np.ndarray
    copay_instead: np.ndarray
    grandfathered: np.ndarray
    hdhp: np.ndarray
    qmb: np.ndarray
    #: A named hospital's published figures for the facility fee (estimator.reference.named_hospital), NaN
    #: where none: its cash price (n,), gross charge (n,) and negotiated rates low/typical/high (3, n).
    hospital_cash: np.ndarray | None = None
    hospital_gross: np.ndarray | None = None
    hospital_negotiated: np.ndarray | None = None
    #: A named hospital's own band where it publishes no such price but its health system does
    #: (named_hospital.encode_bands): (2 bases: billed, cash; 3 levels; n) multiples of Medicare, NaN = none.
    hospital_band: np.ndarray | None = None
    #: The patient's payer's band in this state from imported insurers' rate files, where enough
    #: providers back it (estimator.reference.payer_bands.encode): (2 bills: professional, facility;
    #: 3 levels; n) multiples of Medicare, NaN = none. Surgery centers and offices only.
    payer_band: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.year)

    def take(self, rows: np.ndarray | slice) -> Inputs:
        """The scenarios at ``rows`` (a slice or an index array)."""
        return take(self, rows)
