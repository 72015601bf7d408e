"""Stage 3b, networks: each bill's network status and what the plan does about an out-of-network one.

Claim by claim (doctor, facility, anesthesia, each with its own network status), for commercial
plans and Medicare Advantage:
- an HMO or EPO pays nothing out of network (this is not an emergency);
- a PPO or POS plan (or a Medicare Advantage PPO) pays on its out-of-network terms;
- No Surprises Act (commercial plans): at an in-network hospital or surgery center an out-of-network
  anesthesia provider never, and an out-of-network doctor only with the patient's signed notice and
  consent, may bill more than in-network cost sharing, so those claims are processed in network.
A plan type the patient did not give, with a bill out of network, is priced as a PPO or, in the HMO
case (``hmo``), as an HMO (stage 4c, cases.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.pricing import fee_schedule
from estimator.pricing.codes import COMMERCIAL, EPO, HMO, MEDICARE_ADVANTAGE, UNKNOWN_PLAN
from estimator.pricing.inputs import Inputs
from estimator.pricing.market_prices import MarketPrices


@dataclass
class Network:
    """Network facts per scenario: (3, n) per bill or (n,)."""

    commercial: np.ndarray  # (n,) a commercial plan pays (not priced as self-pay)
    total_given: np.ndarray  # (n,) an allowed total was entered: one claim
    oon_pay: np.ndarray  # (3, n) claims paid on out-of-network terms (PPO/POS, or MA PPO)
    oon_none: np.ndarray  # (3, n) out-of-network claims the plan pays nothing for (HMO/EPO)
    nsa_protected: np.ndarray  # (n,) out-of-network anesthesia limited to in-network sharing
    doctor_protected: np.ndarray  # (n,) out-of-network doctor at an in-network facility, no consent
    plan_type_unknown: np.ndarray  # (n,) a bill out of network and no plan type given


def network(inp: Inputs, market: MarketPrices, hmo: bool | np.ndarray) -> Network:
    """Each claim's network and the plan's answer to it; an unknown plan type as an HMO where ``hmo``
    (all rows, or a (n,) bool per row)."""
    cov = inp.coverage
    self_pay = market.self_pay
    total_given = ~np.isnan(inp.allowed_total)
    commercial = (cov == COMMERCIAL) & ~self_pay
    networked = ((cov == COMMERCIAL) | (cov == MEDICARE_ADVANTAGE)) & ~self_pay
    in_facility = inp.site != fee_schedule.SITE_OFFICE
    facility_in = ~inp.net_out & in_facility
    nsa_protected = commercial & inp.anes_out & facility_in & (inp.sedation == fee_schedule.SED_ANESTHESIA)
    doctor_protected = commercial & inp.doc_out & facility_in & ~inp.consent & ~total_given
    prof_out = np.where(total_given, inp.net_out, inp.doc_out)
    out = np.array([prof_out, inp.net_out & ~total_given, inp.anes_out & ~total_given]) & networked
    out &= ~np.array([doctor_protected, np.zeros(len(inp), bool), nsa_protected])
    plan_type_unknown = out.any(axis=0) & (inp.plan_type == UNKNOWN_PLAN)
    hmo_like = (inp.plan_type == HMO) | (inp.plan_type == EPO)
    if hmo is not False:
        hmo_like = hmo_like | (hmo & (inp.plan_type == UNKNOWN_PLAN))
    oon_none = out & hmo_like
    return Network(commercial=commercial, total_given=total_given, oon_pay=out & ~hmo_like, oon_none=oon_none,
                   nsa_protected=nsa_protected, doctor_protected=doctor_protected,
                   plan_type_unknown=plan_type_unknown)
