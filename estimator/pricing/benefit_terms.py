"""Stage 4a, benefit terms: each scenario's deductible, copay, coinsurance and maximum still to go,
in network and out, from what the patient entered or the stated assumptions.

- Deductible: entered (less what is met) or the remaining amount entered; Original Medicare's Part
  B deductible when none is given; a plan member who gave none is priced at the typical single
  deductible (KFF), or, in the "already met" case (``met``, stage 4c), at none.
- Coinsurance: entered; else 20% assumed (``DEFAULT_PLAN_COINSURANCE``), or none beside an entered
  copay; Original Medicare's Part B coinsurance (none for a Qualified Medicare Beneficiary).
- Maximum: entered; a non-grandfathered commercial plan's at most the year's ACA limit; none under
  Original Medicare; a Medicaid visit's cost sharing at most the federal share of what Medicaid pays.
- Out of network: entered, else multiples of the in-network deductible and maximum and the default
  out-of-network coinsurance (data/medicare_parameters.csv).
- Claims are pooled: 0 in-network terms, 1 out-of-network terms, 2 not covered (the whole charge,
  toward nothing); a Medigap plan (G, N) pays coinsurance (and, Plan G, excess charges).
Amounts in dollars; the year's parameters from data/medicare_parameters.csv.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.pricing import benefits, fee_schedule
from estimator.pricing.claims import Claims
from estimator.pricing.codes import (
    COMMERCIAL,
    FACILITY,
    MEDICAID,
    MEDICARE,
    MEDICARE_ADVANTAGE,
    MEDIGAP_G,
    MEDIGAP_N,
    MEDIGAP_NONE,
    PROFESSIONAL,
)
from estimator.pricing.inputs import Inputs
from estimator.pricing.market_prices import MarketPrices
from estimator.pricing.network import Network
from estimator.reference.tables import RefData

#: Coinsurance assumed for a commercial or Medicare Advantage plan when none is entered (percent):
#: 20% is the most common coinsurance rate in employer plans. The quote says it was assumed. With a
#: copay entered and no coinsurance, none is assumed (the copay is the service's cost sharing).
DEFAULT_PLAN_COINSURANCE = 20.0


@dataclass
class Terms:
    """The benefit terms per scenario, as benefits.split takes them, and what the words report."""

    ded_pools: np.ndarray  # (3 pools, n) deductible still to go: in network, out of network, not covered
    oop_pools: np.ndarray  # (3 pools, 3 levels, n) maximum still to go (inf = none)
    copay: np.ndarray  # (n,) per-service copay
    coins_claims: np.ndarray  # (3 claims, n) coinsurance rate of each claim, as a fraction
    pool: np.ndarray  # (3 claims, n) each claim's pool
    principal: np.ndarray  # (n,) the claim the copay is charged on
    coins_cap: np.ndarray  # (3 claims, n) a cap on a claim's coinsurance (inf = none)
    copay_before: np.ndarray  # (n,) bool
    coins_incl_copay: np.ndarray  # (n,) bool
    sup_coins: np.ndarray  # (n,) bool: a Medigap plan pays the coinsurance
    sup_excess: np.ndarray  # (n,) bool: ... and the excess charges (Plan G)
    sup_keep: np.ndarray  # (n,) the coinsurance the patient keeps (Plan N's office copay)
    ded_remaining: np.ndarray  # (n,) in network, before this visit (0 where it does not apply)
    coinsurance_fraction: np.ndarray  # (n,)
    oop_remaining: np.ndarray  # (n,) in network (inf = none)
    oon_ded_remaining: np.ndarray  # (n,)
    oon_coinsurance_fraction: np.ndarray  # (n,)
    oon_oop_remaining: np.ndarray  # (n,) inf = none
    coinsurance_assumed: np.ndarray  # (n,) bool
    copay_only: np.ndarray  # (n,) bool: a copay with no coinsurance entered: copay only
    aca_capped: np.ndarray  # (n,) bool: the entered maximum was above the ACA limit
    deductible_unknown: np.ndarray  # (n,) bool: a plan member who gave no deductible
    medicaid: np.ndarray  # (n,) bool: Medicaid pays (its visit cap applies)


def benefit_terms(ref: RefData, inp: Inputs, market: MarketPrices, net: Network, bills: Claims,
                  met: bool | np.ndarray) -> Terms:
    """The terms of every scenario; an unknown deductible taken as already met where ``met`` (all
    rows, or a (n,) bool per row)."""
    cov = inp.coverage
    self_pay = market.self_pay
    n = len(inp)
    param = lambda name: ref.parameters_array(name, inp.year)  # noqa: E731
    medicare = cov == MEDICARE
    plans = (cov == COMMERCIAL) | (cov == MEDICARE_ADVANTAGE)
    commercial = net.commercial

    # In-network deductible.
    deductible_unknown = plans & np.isnan(inp.deductible) & np.isnan(inp.deductible_remaining) & ~self_pay
    typical_ded = param("typical_single_deductible")
    unknown_ded = _unless(met, np.maximum(typical_ded - inp.deductible_met, 0))
    ded_plan = np.where(np.isnan(inp.deductible), np.where(deductible_unknown, unknown_ded, 0.0),
                        np.maximum(inp.deductible - inp.deductible_met, 0))
    ded_medicare = np.where(np.isnan(inp.deductible), np.maximum(param("part_b_deductible") - inp.deductible_met, 0),
                            ded_plan)
    ded = np.where(np.isnan(inp.deductible_remaining),
                   np.where(medicare, ded_medicare, ded_plan), inp.deductible_remaining)
    # The in-network deductible in full, for an out-of-network one taken as a multiple of it.
    ded_full = np.where(~np.isnan(inp.deductible), inp.deductible,
                        np.where(~np.isnan(inp.deductible_remaining), inp.deductible_remaining + inp.deductible_met,
                                 np.where(deductible_unknown, _unless(met, typical_ded), 0.0)))
    ded_in = np.where(inp.copay_instead, 0.0, ded)

    # Coinsurance.
    copay_only = np.isnan(inp.coinsurance_pct) & plans & (inp.copay > 0)
    coins_assumed = np.isnan(inp.coinsurance_pct) & plans & ~copay_only
    coins_pct = np.where(np.isnan(inp.coinsurance_pct),
                         np.where(coins_assumed, DEFAULT_PLAN_COINSURANCE, 0.0), inp.coinsurance_pct)
    coins_pct = np.where(medicare, param("part_b_coinsurance"), coins_pct)

    # In-network maximum.
    aca = np.where(commercial & ~inp.grandfathered, param("aca_max_oop"), np.inf)
    oop_cap = np.where(np.isnan(inp.oop_max), aca, np.minimum(inp.oop_max, aca))
    aca_capped = (inp.oop_max > aca) | (inp.oop_remaining > aca)
    oop = np.where(np.isnan(inp.oop_remaining), np.maximum(oop_cap - inp.oop_met, 0),
                   np.minimum(inp.oop_remaining, aca))
    oop = np.where(medicare, np.inf, oop)

    # Out-of-network terms.
    oon_ded = np.where(np.isnan(inp.oon_deductible),
                       np.maximum(param("oon_deductible_multiple") * ded_full - inp.oon_deductible_met, 0),
                       np.maximum(inp.oon_deductible - inp.oon_deductible_met, 0))
    oon_coins_pct = np.where(np.isnan(inp.oon_coinsurance_pct), param("oon_coinsurance_default_pct"),
                             inp.oon_coinsurance_pct)
    full_cap = np.where(np.isnan(inp.oop_max), np.where(np.isnan(inp.oop_remaining), aca,
                                                        inp.oop_remaining + inp.oop_met), inp.oop_max)
    oon_oop = np.where(np.isnan(inp.oon_oop_max),
                       np.maximum(param("oon_oop_max_multiple") * full_cap - inp.oon_oop_met, 0),
                       np.maximum(inp.oon_oop_max - inp.oon_oop_met, 0))

    qmb = inp.qmb & medicare & ~self_pay
    ded_in = np.where(self_pay | qmb, 0.0, ded_in)
    copay = np.where(self_pay, 0.0, inp.copay)
    coins = np.where(self_pay, 1.0, np.where(qmb, 0.0, coins_pct / 100.0))
    oop = np.where(self_pay, np.inf, oop)
    oon_coins = oon_coins_pct / 100.0

    coins_cap = np.full((3, n), np.inf)
    coins_cap[FACILITY] = np.where(medicare & ~self_pay & (inp.site == fee_schedule.SITE_HOPD),
                                   param("hopd_copay_cap"), np.inf)
    oon_pay, oon_none = net.oon_pay, net.oon_none
    principal = np.where(net.total_given | (inp.site == fee_schedule.SITE_OFFICE), PROFESSIONAL, FACILITY)
    fac_oon = oon_pay[FACILITY] | oon_none[FACILITY]
    principal = np.where(fac_oon & ~(oon_pay[PROFESSIONAL] | oon_none[PROFESSIONAL]), PROFESSIONAL, principal)
    # An entered copay applies out of network too (as in the Texas OPIC out-of-network example,
    # reference/benefits/worked_examples.csv OP-3).

    medicaid = (cov == MEDICAID) & ~self_pay
    oop_pools = np.empty((3, 3, n))  # pool x level (assignment broadcasts (n,) over the levels)
    oop_pools[0] = oop
    if medicaid.any():
        visit_cap = np.round(bills.claims.sum(axis=0) * param("medicaid_max_coinsurance_pct") / 100.0, 2)
        oop_pools[0] = np.where(medicaid, np.minimum(oop, visit_cap), oop)
    oop_pools[1] = np.where(self_pay, np.inf, oon_oop)
    oop_pools[2] = np.inf
    medicare_pays = medicare & ~self_pay
    keep = np.where((inp.medigap == MEDIGAP_N) & (inp.site == fee_schedule.SITE_OFFICE),
                    param("medigap_n_office_copay"), 0.0)
    return Terms(
        ded_pools=np.array([ded_in, np.where(self_pay, 0.0, oon_ded), np.zeros(n)]),
        oop_pools=oop_pools,
        copay=copay, coins_claims=np.where(oon_none, 1.0, np.where(oon_pay, oon_coins, coins)),
        pool=np.where(oon_none, 2, oon_pay.astype(np.int64)), principal=principal, coins_cap=coins_cap,
        copay_before=inp.copay_before & ~self_pay, coins_incl_copay=inp.coins_incl_copay & ~self_pay,
        sup_coins=(inp.medigap != MEDIGAP_NONE) & medicare_pays, sup_excess=(inp.medigap == MEDIGAP_G) & medicare_pays,
        sup_keep=keep, ded_remaining=ded_in, coinsurance_fraction=coins, oop_remaining=oop,
        oon_ded_remaining=oon_ded, oon_coinsurance_fraction=oon_coins, oon_oop_remaining=oon_oop,
        coinsurance_assumed=coins_assumed & ~self_pay, copay_only=copay_only & ~self_pay,
        aca_capped=aca_capped & commercial & ~inp.grandfathered, deductible_unknown=deductible_unknown,
        medicaid=medicaid)


def _unless(met: bool | np.ndarray, amount: np.ndarray) -> np.ndarray | float:
    """``amount``, or none where the unknown deductible is taken as met."""
    return amount if met is False else np.where(met, 0.0, amount)


def shares(terms: Terms, bills: Claims) -> benefits.Shares:
    """Stage 4b: the claims through the benefit rules (benefits.split) on these terms."""
    t = terms
    return benefits.split(bills.claims, bills.balance, t.ded_pools, t.copay, t.coins_claims, t.oop_pools,
                          t.principal, t.coins_cap, t.copay_before, t.coins_incl_copay, t.sup_coins, pool=t.pool,
                          supplemental_excess=t.sup_excess, supplemental_keep=t.sup_keep)
