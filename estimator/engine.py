"""The pricing engine over arrays: scenarios in, component prices and the patient/plan split out.

Both public APIs (one scenario -> one quote, and a DataFrame of scenarios -> a DataFrame of
results) encode their inputs as ``Inputs`` and call ``compute``; neither has pricing logic of its
own. Layers (DESIGN "The model, in layers"):

1. Medicare reference prices per component (fee_schedule), exact to the cent.
2. Market prices: reference x the fee_ranges band multiple for the component, site and price
   basis (x the state's regional factor for the facility fee and that basis). Components move together, so a
   total's low/typical/high is the sum of the components' low/typical/high.
3. Benefits: the claims run through the plan's rules (benefits.split), level by level; because
   the patient's share never falls as the allowed amount rises, the patient's low/typical/high
   are the benefit math applied to the low/typical/high prices.

Arrays of amounts have shape (component, level, n); all amounts in dollars unless named _cents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import benefits, fee_schedule
from .scenario import COVERAGE, MEDICARE_PROVIDER
from .tables import BASES, MEDICARE_BASIS, RefData

COMMERCIAL, MEDICARE, MEDICARE_ADVANTAGE, MEDICAID, SELF_PAY = range(len(COVERAGE))
B_COMMERCIAL, B_BILLED, B_CASH, B_MEDICAID = (BASES.index(b) for b in
                                              ("commercial", "billed", "cash", "medicaid"))
PROFESSIONAL, FACILITY, ANESTHESIA = 0, 1, 2
PARTICIPATING, NONPAR_ASSIGNED, NONPAR_UNASSIGNED = range(len(MEDICARE_PROVIDER))
#: Coinsurance assumed for a commercial or Medicare Advantage plan when none is entered (percent):
#: 20% is the most common coinsurance rate in employer plans. The quote says it was assumed.
DEFAULT_PLAN_COINSURANCE = 20.0


@dataclass
class Inputs:
    """Encoded scenarios: one entry per scenario in every array.

    Integer codes index tables.YEARS, PROCEDURE_CODES (the code billed, after the imaging
    choice), SITES, scenario.SEDATION, scenario.COVERAGE and scenario.MEDICARE_PROVIDER.
    Money in dollars, NaN = not given.
    """

    year: np.ndarray
    loc: np.ndarray
    state: np.ndarray
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

    def __len__(self) -> int:
        return len(self.year)


@dataclass
class Result:
    """Engine output for n scenarios."""

    reference_cents: dict[str, np.ndarray]
    allowed: np.ndarray  # (3, 3, n) component x level: what the plan (or cash price) recognises
    billed: np.ndarray  # (3, 3, n) the provider's charge
    claims: np.ndarray  # (3, 3, n) allowed amounts as processed (one claim if a total was entered)
    shares: benefits.Shares
    ded_remaining: np.ndarray  # (n,) before this visit
    coinsurance_fraction: np.ndarray  # (n,) the coinsurance rate used, as a fraction (0.2 = 20%)
    oop_remaining: np.ndarray  # (n,) before this visit (inf = none)
    noncovered: np.ndarray  # (n,) bool: outside Medicare's LCD (frequency limit or no imaging), priced as self-pay
    nsa_protected: np.ndarray  # (n,) bool: out-of-network anesthesia limited to in-network sharing
    nonpar: np.ndarray  # (n,) bool: Original Medicare approved the non-participating amount (95%)
    limiting_charge: np.ndarray  # (n,) bool: the doctor does not accept assignment and may bill up to it
    coinsurance_assumed: np.ndarray  # (n,) bool

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
        cover all three scenarios.
        """
        return _range(self.shares.patient.sum(axis=0))

    @property
    def plan(self) -> np.ndarray:
        return _range(self.shares.plan.sum(axis=0))


def _range(by_level: np.ndarray) -> np.ndarray:
    return np.stack([by_level.min(axis=0), by_level[1], by_level.max(axis=0)])


def _price(ref: RefData, inp: Inputs, base: np.ndarray, basis: np.ndarray | int) -> np.ndarray:
    """Prices (component, level, n) for a price basis per row: round(reference x multiple x regional, cents).

    The regional factor is the state's for that component and price basis (data/regional_factors.csv;
    1 for Medicare's own amounts). A surgery center's facility fee is its own Medicare ASC rate
    (Addendum AA) times its own band; it is not tied to what an office is paid (62321 is not an
    office-based ASC procedure).
    """
    m = ref.bands[:, inp.site, basis, :].transpose(0, 2, 1)  # (3, 3, n)
    regional = ref.regional_factor[:, basis, inp.state]  # (3, n)
    return np.round((base * regional)[:, None, :] * m, 2)


def compute(ref: RefData, inp: Inputs) -> Result:
    """Price every scenario in ``inp``."""
    rc = fee_schedule.reference_cents(ref, inp.year, inp.loc, inp.code, inp.site, inp.sedation,
                                      inp.sed_minutes, inp.anes_minutes)
    base = np.stack([rc["professional"], rc["facility"], rc["anesthesia"]]) / 100.0  # (3, n)

    cov = inp.coverage
    medicare_like = (cov == MEDICARE) | (cov == MEDICARE_ADVANTAGE)
    limit = ref.parameters_array("lcd_max_sessions_12mo", inp.year)
    # Medicare's epidural injection LCDs cover a session only within the frequency limit and only with
    # imaging guidance: past the limit, or without imaging (62320/62322), it is priced as self-pay.
    noncovered = medicare_like & ((inp.prior_sessions >= limit) | ~ref.imaging_guided[inp.code])
    self_pay = (cov == SELF_PAY) | noncovered
    allowed_basis = np.where(self_pay, B_CASH, np.where(medicare_like, MEDICARE_BASIS,
                                                        np.where(cov == MEDICAID, B_MEDICAID, B_COMMERCIAL)))
    allowed = _price(ref, inp, base, allowed_basis)
    billed = _price(ref, inp, base, B_BILLED)

    # Entered allowed amounts replace the estimate (per component, or one total claim).
    for c in range(3):
        given = ~np.isnan(inp.allowed_component[c])
        allowed[c] = np.where(given, inp.allowed_component[c], allowed[c])
    total_given = ~np.isnan(inp.allowed_total)
    if total_given.any():
        typical_total = allowed[:, 1, :].sum(axis=0)
        share = np.divide(allowed[:, 1, :], typical_total, out=np.zeros_like(allowed[:, 1, :]),
                          where=typical_total > 0)
        share[0] = np.where(typical_total > 0, share[0], 1.0)
        allowed = np.where(total_given, np.round(inp.allowed_total * share, 2)[:, None, :], allowed)
    billed = np.maximum(billed, allowed)
    billed_given = ~np.isnan(inp.billed_total)
    if billed_given.any():
        typ = billed[:, 1, :]
        share = np.divide(typ, typ.sum(axis=0), out=np.zeros_like(typ), where=typ.sum(axis=0) > 0)
        billed = np.where(billed_given, np.round(inp.billed_total * share, 2)[:, None, :], billed)
    nonpar, unassigned = _non_participating(ref, inp, rc, self_pay, allowed, billed)

    claims, claim_billed = allowed, billed
    if total_given.any():  # an entered total is processed as one claim
        claims, claim_billed = allowed.copy(), billed.copy()
        claims[0] = np.where(total_given, inp.allowed_total, claims[0])
        claims[1:] = np.where(total_given, 0.0, claims[1:])
        claim_billed[0] = np.where(total_given, billed.sum(axis=0), claim_billed[0])
        claim_billed[1:] = np.where(total_given, 0.0, claim_billed[1:])

    # Balance billing: only a commercial plan's out-of-network claims, unless protected.
    in_facility = inp.site != fee_schedule.SITE_OFFICE
    nsa_protected = (cov == COMMERCIAL) & inp.anes_out & ~inp.net_out & in_facility & (
        inp.sedation == fee_schedule.SED_ANESTHESIA)
    claim_oon = np.stack([inp.net_out, inp.net_out, inp.anes_out & ~nsa_protected])
    claim_oon[1:] &= ~total_given
    exposed = claim_oon & ((cov == COMMERCIAL) & ~self_pay)[None, :]
    exposed[[PROFESSIONAL, ANESTHESIA]] |= unassigned  # Medicare's limiting charge
    balance = (np.where(exposed[:, None, :], np.maximum(claim_billed - claims, 0.0), 0.0) if exposed.any()
               else np.zeros_like(claims))

    # Plan parameters.
    part_b = ref.parameters_array("part_b_deductible", inp.year)
    ded_plan = np.where(np.isnan(inp.deductible), 0.0, np.maximum(inp.deductible - inp.deductible_met, 0))
    ded_medicare = np.where(np.isnan(inp.deductible), np.maximum(part_b - inp.deductible_met, 0), ded_plan)
    ded = np.where(np.isnan(inp.deductible_remaining),
                   np.where(cov == MEDICARE, ded_medicare, ded_plan), inp.deductible_remaining)
    coins_assumed = np.isnan(inp.coinsurance_pct) & ((cov == COMMERCIAL) | (cov == MEDICARE_ADVANTAGE))
    coins_pct = np.where(np.isnan(inp.coinsurance_pct),
                         np.where(coins_assumed, DEFAULT_PLAN_COINSURANCE, 0.0), inp.coinsurance_pct)
    coins_pct = np.where(cov == MEDICARE, ref.parameters_array("part_b_coinsurance", inp.year), coins_pct)
    oop = np.where(np.isnan(inp.oop_remaining),
                   np.where(np.isnan(inp.oop_max), np.inf, np.maximum(inp.oop_max - inp.oop_met, 0)),
                   inp.oop_remaining)
    oop = np.where(cov == MEDICARE, np.inf, oop)
    copay = inp.copay
    ded = np.where(self_pay, 0.0, ded)
    copay = np.where(self_pay, 0.0, copay)
    coins = np.where(self_pay, 1.0, coins_pct / 100.0)
    oop = np.where(self_pay, np.inf, oop)

    hopd_cap = ref.parameters_array("hopd_copay_cap", inp.year)
    coins_cap = np.full((3, len(inp)), np.inf)
    coins_cap[FACILITY] = np.where((cov == MEDICARE) & ~self_pay & (inp.site == fee_schedule.SITE_HOPD),
                                   hopd_cap, np.inf)
    principal = np.where(total_given | (inp.site == fee_schedule.SITE_OFFICE), PROFESSIONAL, FACILITY)
    supplemental = inp.medigap & (cov == MEDICARE) & ~self_pay

    shares = benefits.split(claims, balance, ded, copay, coins, oop, principal, coins_cap,
                            inp.copay_before & ~self_pay, inp.coins_incl_copay & ~self_pay, supplemental)
    return Result(reference_cents=rc, allowed=allowed, billed=billed, claims=claims, shares=shares,
                  ded_remaining=ded, coinsurance_fraction=coins, oop_remaining=oop, noncovered=noncovered,
                  nsa_protected=nsa_protected, nonpar=nonpar, limiting_charge=unassigned,
                  coinsurance_assumed=coins_assumed & ~self_pay)


def _non_participating(ref: RefData, inp: Inputs, rc: dict[str, np.ndarray], self_pay: np.ndarray,
                       allowed: np.ndarray, billed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Original Medicare with a doctor who does not participate (changes ``allowed``/``billed`` in place).

    Medicare approves 95% of the fee schedule amount for the doctor's and the anesthesia bills
    (Social Security Act 1848(a)(3)); a doctor who also does not accept assignment may charge at
    most the limiting charge, 115% of that (1848(g)), i.e. 109.25% of the participating amount,
    rounded to the cent from the exact amount in cents. An entered allowed amount (per bill or in
    total) is taken as the approved amount; a per-bill one also sets the limiting charge, a total
    (one claim) does not. Facility bills are untouched: hospitals and surgery centers accept assignment.
    Returns (non-participating rows, rows that may be billed up to the limiting charge).
    """
    nonpar = ((inp.coverage == MEDICARE) & ~self_pay & (inp.medicare_provider != PARTICIPATING)
              & np.isnan(inp.allowed_total))
    unassigned = nonpar & (inp.medicare_provider == NONPAR_UNASSIGNED)
    if not nonpar.any():
        return nonpar, unassigned
    pct = ref.parameters_array("medicare_nonpar_pct", inp.year).astype(np.int64)
    lim = ref.parameters_array("medicare_limiting_charge_pct", inp.year).astype(np.int64)
    for c, key in ((PROFESSIONAL, "professional"), (ANESTHESIA, "anesthesia")):
        par = rc[key].astype(np.int64)
        given = ~np.isnan(inp.allowed_component[c])
        approved = np.where(given, inp.allowed_component[c], (par * pct + 50) // 100 / 100.0)
        limiting = np.where(given, np.round(approved * lim / 100, 2), (par * pct * lim + 5000) // 10000 / 100.0)
        allowed[c] = np.where(nonpar, approved, allowed[c])
        billed[c] = np.where(unassigned, limiting, np.where(nonpar, np.maximum(billed[c], approved), billed[c]))
    return nonpar, unassigned
