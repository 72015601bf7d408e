"""The integer codes the pricing stages use for the encoded choices (positions in the registry's lists).

Scenarios are encoded once (estimator.quote.encode for one, estimator.batch.encode_frame for many);
every stage then compares small integers instead of strings.
"""

from __future__ import annotations

from estimator.inputs.fields import MEDIGAP, PLAN_TYPE
from estimator.reference.tables import BASES
from estimator.scenario import COVERAGE, MEDICARE_PROVIDER

COMMERCIAL, MEDICARE, MEDICARE_ADVANTAGE, MEDICAID, SELF_PAY = range(len(COVERAGE))
B_COMMERCIAL, B_BILLED, B_CASH, B_MEDICAID = (BASES.index(b) for b in ("commercial", "billed", "cash", "medicaid"))
#: The bills of a visit, in the order their claims are processed.
PROFESSIONAL, FACILITY, ANESTHESIA = 0, 1, 2
PARTICIPATING, NONPAR_ASSIGNED, NONPAR_UNASSIGNED = range(len(MEDICARE_PROVIDER))
HMO, PPO, EPO, POS, UNKNOWN_PLAN = (PLAN_TYPE.index(p) for p in ("hmo", "ppo", "epo", "pos", "unknown"))
MEDIGAP_NONE, MEDIGAP_G, MEDIGAP_N = (MEDIGAP.index(m) for m in ("none", "g", "n"))
