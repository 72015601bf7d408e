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
4. What the patient did not say: a plan member who gave no deductible (nor what is left of it) is
   priced twice, with the deductible already met and not yet met at a typical deductible (KFF's
   average single deductible), and an unknown plan type with an out-of-network bill twice, as a
   PPO (it pays on its out-of-network terms) and as an HMO (it pays nothing). The typical figure
   is the not-met, PPO case; low/high span every case; each case's own range is in ``cases``.

Out of network (commercial plans and Medicare Advantage), claim by claim (doctor, facility,
anesthesia, each with its own network status):
- an HMO or EPO pays nothing (this is not an emergency): the patient owes the provider's charge;
- a PPO or POS commercial plan pays its own allowance, a stated percentage of the Medicare amount
  (``oon_allowance_pct_of_medicare``), with its out-of-network deductible, coinsurance and maximum,
  and the provider may bill the rest (a balance bill that counts toward no maximum);
- a Medicare Advantage PPO pays on its out-of-network terms on the Medicare amount; a provider that
  takes Medicare may not charge the member more than that (42 CFR 422.214), so no balance bill;
- No Surprises Act (commercial plans): at an in-network hospital or surgery center an
  out-of-network anesthesia provider never, and an out-of-network doctor only with the patient's
  signed notice and consent, may bill more than in-network cost sharing (on the in-network amount).

Arrays of amounts have shape (component, level, n); all amounts in dollars unless named _cents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.inputs.fields import MEDIGAP, PLAN_TYPE
from estimator.pricing import benefits, fee_schedule
from estimator.reference.tables import BASES, MEDICARE_BASIS, RefData
from estimator.scenario import COVERAGE, MEDICARE_PROVIDER

COMMERCIAL, MEDICARE, MEDICARE_ADVANTAGE, MEDICAID, SELF_PAY = range(len(COVERAGE))
B_COMMERCIAL, B_BILLED, B_CASH, B_MEDICAID = (BASES.index(b) for b in
                                              ("commercial", "billed", "cash", "medicaid"))
PROFESSIONAL, FACILITY, ANESTHESIA = 0, 1, 2
PARTICIPATING, NONPAR_ASSIGNED, NONPAR_UNASSIGNED = range(len(MEDICARE_PROVIDER))
HMO, PPO, EPO, POS, UNKNOWN_PLAN = (PLAN_TYPE.index(p) for p in ("hmo", "ppo", "epo", "pos", "unknown"))
MEDIGAP_NONE, MEDIGAP_G, MEDIGAP_N = (MEDIGAP.index(m) for m in ("none", "g", "n"))
#: Coinsurance assumed for a commercial or Medicare Advantage plan when none is entered (percent):
#: 20% is the most common coinsurance rate in employer plans. The quote says it was assumed. With a
#: copay entered and no coinsurance, none is assumed (the copay is the service's cost sharing).
DEFAULT_PLAN_COINSURANCE = 20.0
#: The cases a quote is priced in when the patient did not say (see ``Result.cases``).
CASES = ("deductible_met", "deductible_not_met", "ppo", "hmo")


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

    def __len__(self) -> int:
        return len(self.year)

    def take(self, rows: np.ndarray | slice) -> Inputs:
        """The scenarios at ``rows`` (a slice or an index array)."""
        return Inputs(**{k: (None if v is None else v[:, rows] if k in ("allowed_component", "hospital_negotiated")
                             else v[rows]) for k, v in vars(self).items()})


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
        return self.patient_range if self.patient_range is not None else _range(self.shares.patient.sum(axis=0))

    @property
    def plan(self) -> np.ndarray:
        return self.plan_range if self.plan_range is not None else _range(self.shares.plan.sum(axis=0))


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


def _reference(ref: RefData, inp: Inputs) -> dict[str, np.ndarray]:
    return fee_schedule.reference_cents(ref, inp.year, inp.loc, inp.code, inp.site, inp.sedation,
                                        inp.sed_minutes, inp.anes_minutes)


def compute(ref: RefData, inp: Inputs) -> Result:
    """Price every scenario in ``inp``, in every case the patient left open (module docstring, 4)."""
    rc = _reference(ref, inp)
    res = _core(ref, inp, rc, met=False, hmo=False)
    n = len(inp)
    ded_unknown = res.deductible_unknown
    plan_unknown = res.plan_type_unknown
    typical_patient = res.shares.patient.sum(axis=0)  # (levels, n)
    typical_plan = res.shares.plan.sum(axis=0)
    # Every case's totals for every row: a row not asked about in a case keeps the case nearest it
    # (a known deductible is the same met or not; a known plan type the same as a PPO or an HMO).
    patients = {(False, False): typical_patient}
    for met, hmo, rows in ((True, False, ded_unknown), (False, True, plan_unknown),
                           (True, True, ded_unknown & plan_unknown)):
        if met and hmo:
            pat = np.where(plan_unknown, patients[(False, True)], patients[(True, False)])
        else:
            pat = typical_patient.copy()
        if rows.any():
            idx = np.flatnonzero(rows)
            sub = _core(ref, inp.take(idx), {k: v[idx] for k, v in rc.items()}, met=met, hmo=hmo)
            pat[:, idx] = sub.shares.patient.sum(axis=0)
        patients[(met, hmo)] = pat

    def span(variants: list[np.ndarray]) -> np.ndarray:
        """(3, n): the least low, the first case's typical, the most high."""
        return np.stack([np.min([v.min(axis=0) for v in variants], axis=0), variants[0][1],
                         np.max([v.max(axis=0) for v in variants], axis=0)])

    order = ((False, False), (True, False), (False, True), (True, True))
    res.patient_range = span([patients[k] for k in order])
    # Where a case was left open, the plan pays what the patient does not of the total cost (never
    # below zero); elsewhere its own range, as before.
    open_rows = ded_unknown | plan_unknown
    if open_rows.any():
        total_cost = _range(res.allowed.sum(axis=0) + res.shares.balance.sum(axis=0))
        rest = np.maximum(total_cost - res.patient_range, 0.0)
        rest = np.stack([rest.min(axis=0), rest[1], rest.max(axis=0)])
        res.plan_range = np.where(open_rows, rest, _range(typical_plan))
    else:
        res.plan_range = _range(typical_plan)
    nan = np.full((3, n), np.nan)
    p = patients
    res.cases = {
        "deductible_met": np.where(ded_unknown, span([p[(True, False)], p[(True, True)]]), nan),
        "deductible_not_met": np.where(ded_unknown, span([p[(False, False)], p[(False, True)]]), nan),
        "ppo": np.where(plan_unknown, span([p[(False, False)], p[(True, False)]]), nan),
        "hmo": np.where(plan_unknown, span([p[(False, True)], p[(True, True)]]), nan),
    }
    return res


def _named_hospital(inp: Inputs, allowed: np.ndarray, billed: np.ndarray, self_pay: np.ndarray,
                    commercial: np.ndarray) -> None:
    """A named hospital's published figures replace the facility estimate (in place): its gross
    charge the billed amount; its cash price a self-pay patient's allowed amount; its negotiated
    rates a commercial plan's (out of network the plan's own allowance still applies, later).
    Medicare, Medicare Advantage and Medicaid keep their own rates."""
    if inp.hospital_gross is None:
        return
    fac = 1  # the facility component
    g = inp.hospital_gross
    billed[fac] = np.where(np.isnan(g), billed[fac], g)
    cash = np.where(self_pay, inp.hospital_cash, np.nan)
    allowed[fac] = np.where(np.isnan(cash), allowed[fac], cash)
    neg = np.where(commercial, inp.hospital_negotiated, np.nan)
    allowed[fac] = np.where(np.isnan(neg), allowed[fac], neg)


def _core(ref: RefData, inp: Inputs, rc: dict[str, np.ndarray], met: bool, hmo: bool) -> Result:
    """Price every scenario in one case: an unknown deductible taken as already met (``met``) or not
    yet met at the typical deductible, an unknown plan type taken as an HMO (``hmo``) or a PPO."""
    base = np.stack([rc["professional"], rc["facility"], rc["anesthesia"]]) / 100.0  # (3, n)
    n = len(inp)

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
    _named_hospital(inp, allowed, billed, self_pay, (cov == COMMERCIAL) & ~self_pay)

    # Each claim's network and what the plan does about it.
    total_given = ~np.isnan(inp.allowed_total)
    commercial = (cov == COMMERCIAL) & ~self_pay
    networked = ((cov == COMMERCIAL) | (cov == MEDICARE_ADVANTAGE)) & ~self_pay
    in_facility = inp.site != fee_schedule.SITE_OFFICE
    facility_in = ~inp.net_out & in_facility
    nsa_protected = commercial & inp.anes_out & facility_in & (inp.sedation == fee_schedule.SED_ANESTHESIA)
    doctor_protected = commercial & inp.doc_out & facility_in & ~inp.consent & ~total_given
    prof_out = np.where(total_given, inp.net_out, inp.doc_out)
    out = np.stack([prof_out, inp.net_out & ~total_given, inp.anes_out & ~total_given]) & networked
    out &= ~np.stack([doctor_protected, np.zeros(n, bool), nsa_protected])
    plan_type_unknown = out.any(axis=0) & (inp.plan_type == UNKNOWN_PLAN)
    hmo_like = (inp.plan_type == HMO) | (inp.plan_type == EPO) | ((inp.plan_type == UNKNOWN_PLAN) & hmo)
    oon_none = out & hmo_like
    oon_pay = out & ~hmo_like

    # A commercial plan's out-of-network allowance: a stated percentage of the Medicare amount (at
    # most the provider's charge).
    oon_pct = ref.parameters_array("oon_allowance_pct_of_medicare", inp.year)
    commercial_oon = oon_pay & commercial
    if commercial_oon.any():
        oon_allowed = np.minimum(np.round(base * oon_pct / 100.0, 2)[:, None, :], billed)  # never above the charge
        allowed = np.where(commercial_oon[:, None, :], oon_allowed, allowed)

    # Entered allowed amounts replace the estimate (per component, or one total claim).
    for c in range(3):
        given = ~np.isnan(inp.allowed_component[c])
        allowed[c] = np.where(given, inp.allowed_component[c], allowed[c])
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
    if oon_none.any():  # an HMO or EPO pays nothing out of network: the patient owes the whole charge
        none_at = oon_none | (oon_none[0] & total_given)[None, :]
        allowed = np.where(none_at[:, None, :], billed, allowed)

    claims, claim_billed = allowed, billed
    if total_given.any():  # an entered total is processed as one claim
        claims, claim_billed = allowed.copy(), billed.copy()
        claims[0] = np.where(total_given, np.where(oon_none[0], billed.sum(axis=0), inp.allowed_total), claims[0])
        claims[1:] = np.where(total_given, 0.0, claims[1:])
        claim_billed[0] = np.where(total_given, billed.sum(axis=0), claim_billed[0])
        claim_billed[1:] = np.where(total_given, 0.0, claim_billed[1:])

    # Balance bills: a commercial plan's out-of-network claims on its own allowance, and Original
    # Medicare's limiting charge. (An HMO's out-of-network claim is the whole charge, owed in full.)
    exposed = oon_pay & commercial[None, :]
    exposed[[PROFESSIONAL, ANESTHESIA]] |= unassigned
    balance = (np.where(exposed[:, None, :], np.maximum(claim_billed - claims, 0.0), 0.0) if exposed.any()
               else np.zeros_like(claims))

    # In-network deductible.
    medicare = cov == MEDICARE
    plans = (cov == COMMERCIAL) | (cov == MEDICARE_ADVANTAGE)
    deductible_unknown = plans & np.isnan(inp.deductible) & np.isnan(inp.deductible_remaining) & ~self_pay
    typical_ded = ref.parameters_array("typical_single_deductible", inp.year)
    part_b = ref.parameters_array("part_b_deductible", inp.year)
    unknown_ded = 0.0 if met else np.maximum(typical_ded - inp.deductible_met, 0)
    ded_plan = np.where(np.isnan(inp.deductible), np.where(deductible_unknown, unknown_ded, 0.0),
                        np.maximum(inp.deductible - inp.deductible_met, 0))
    ded_medicare = np.where(np.isnan(inp.deductible), np.maximum(part_b - inp.deductible_met, 0), ded_plan)
    ded = np.where(np.isnan(inp.deductible_remaining),
                   np.where(medicare, ded_medicare, ded_plan), inp.deductible_remaining)
    # The in-network deductible in full, for an out-of-network one taken as a multiple of it.
    ded_full = np.where(~np.isnan(inp.deductible), inp.deductible,
                        np.where(~np.isnan(inp.deductible_remaining), inp.deductible_remaining + inp.deductible_met,
                                 np.where(deductible_unknown, 0.0 if met else typical_ded, 0.0)))
    ded_in = np.where(inp.copay_instead, 0.0, ded)

    # Coinsurance: entered; else 20% assumed, or none beside an entered copay; Medicare 20% (QMB: none).
    copay_only = np.isnan(inp.coinsurance_pct) & plans & (inp.copay > 0)
    coins_assumed = np.isnan(inp.coinsurance_pct) & plans & ~copay_only
    coins_pct = np.where(np.isnan(inp.coinsurance_pct),
                         np.where(coins_assumed, DEFAULT_PLAN_COINSURANCE, 0.0), inp.coinsurance_pct)
    coins_pct = np.where(medicare, ref.parameters_array("part_b_coinsurance", inp.year), coins_pct)

    # In-network maximum; a non-grandfathered commercial plan's is at most the year's ACA limit.
    aca = np.where(commercial & ~inp.grandfathered, ref.parameters_array("aca_max_oop", inp.year), np.inf)
    oop_cap = np.where(np.isnan(inp.oop_max), aca, np.minimum(inp.oop_max, aca))
    aca_capped = (inp.oop_max > aca) | (inp.oop_remaining > aca)
    oop = np.where(np.isnan(inp.oop_remaining), np.maximum(oop_cap - inp.oop_met, 0),
                   np.minimum(inp.oop_remaining, aca))
    oop = np.where(medicare, np.inf, oop)

    # Out-of-network terms (entered, or the stated assumptions).
    oon_ded = np.where(np.isnan(inp.oon_deductible),
                       np.maximum(ref.parameters_array("oon_deductible_multiple", inp.year) * ded_full
                                  - inp.oon_deductible_met, 0),
                       np.maximum(inp.oon_deductible - inp.oon_deductible_met, 0))
    oon_coins_pct = np.where(np.isnan(inp.oon_coinsurance_pct),
                             ref.parameters_array("oon_coinsurance_default_pct", inp.year), inp.oon_coinsurance_pct)
    full_cap = np.where(np.isnan(inp.oop_max), np.where(np.isnan(inp.oop_remaining), aca,
                                                        inp.oop_remaining + inp.oop_met), inp.oop_max)
    oon_oop = np.where(np.isnan(inp.oon_oop_max),
                       np.maximum(ref.parameters_array("oon_oop_max_multiple", inp.year) * full_cap
                                  - inp.oon_oop_met, 0),
                       np.maximum(inp.oon_oop_max - inp.oon_oop_met, 0))

    copay = inp.copay
    qmb = inp.qmb & medicare & ~self_pay
    ded_in = np.where(self_pay | qmb, 0.0, ded_in)
    copay = np.where(self_pay, 0.0, copay)
    coins = np.where(self_pay, 1.0, np.where(qmb, 0.0, coins_pct / 100.0))
    oop = np.where(self_pay, np.inf, oop)
    oon_coins = oon_coins_pct / 100.0

    hopd_cap = ref.parameters_array("hopd_copay_cap", inp.year)
    coins_cap = np.full((3, n), np.inf)
    coins_cap[FACILITY] = np.where(medicare & ~self_pay & (inp.site == fee_schedule.SITE_HOPD), hopd_cap, np.inf)
    principal = np.where(total_given | (inp.site == fee_schedule.SITE_OFFICE), PROFESSIONAL, FACILITY)
    fac_oon = oon_pay[FACILITY] | oon_none[FACILITY]
    principal = np.where(fac_oon & ~(oon_pay[PROFESSIONAL] | oon_none[PROFESSIONAL]), PROFESSIONAL, principal)
    # An entered copay applies out of network too (as in the Texas OPIC out-of-network example,
    # reference/benefits/worked_examples.csv OP-3).

    # Medicaid: cost sharing for the visit at most the federal share of what Medicaid pays.
    medicaid = (cov == MEDICAID) & ~self_pay
    oop_levels = np.broadcast_to(oop, (3, n))
    medicaid_capped = np.zeros(n, bool)
    if medicaid.any():
        limit_pct = ref.parameters_array("medicaid_max_coinsurance_pct", inp.year)
        visit_cap = np.round(claims.sum(axis=0) * limit_pct / 100.0, 2)  # (levels, n)
        oop_levels = np.where(medicaid, np.minimum(oop, visit_cap), oop)
    # Pools: 0 in-network terms, 1 out-of-network terms, 2 not covered (the whole charge, toward nothing).
    pool = np.where(oon_none, 2, oon_pay.astype(np.int64))
    coins_claims = np.where(oon_none, 1.0, np.where(oon_pay, oon_coins, coins))
    sup_coins = (inp.medigap != MEDIGAP_NONE) & medicare & ~self_pay
    sup_excess = (inp.medigap == MEDIGAP_G) & medicare & ~self_pay
    keep = np.where((inp.medigap == MEDIGAP_N) & (inp.site == fee_schedule.SITE_OFFICE),
                    ref.parameters_array("medigap_n_office_copay", inp.year), 0.0)
    ded_pools = np.stack([ded_in, np.where(self_pay, 0.0, oon_ded), np.zeros(n)])
    oop_pools = np.stack([oop_levels, np.broadcast_to(np.where(self_pay, np.inf, oon_oop), (3, n)),
                          np.full((3, n), np.inf)])

    shares = benefits.split(claims, balance, ded_pools, copay, coins_claims, oop_pools, principal, coins_cap,
                            inp.copay_before & ~self_pay, inp.coins_incl_copay & ~self_pay, sup_coins,
                            pool=pool, supplemental_excess=sup_excess, supplemental_keep=keep)
    if medicaid.any():
        medicaid_capped = medicaid & (shares.over_max.sum(axis=0)[1] > 0.005)
    return Result(reference_cents=rc, allowed=allowed, billed=billed, claims=claims, shares=shares,
                  ded_remaining=ded_in, coinsurance_fraction=coins, oop_remaining=oop, noncovered=noncovered,
                  nsa_protected=nsa_protected, nonpar=nonpar, limiting_charge=unassigned,
                  coinsurance_assumed=coins_assumed & ~self_pay, doctor_protected=doctor_protected,
                  oon_pay=oon_pay, oon_none=oon_none, oon_ded_remaining=oon_ded,
                  oon_coinsurance_fraction=oon_coins, oon_oop_remaining=oon_oop,
                  aca_capped=aca_capped & commercial & ~inp.grandfathered, copay_only=copay_only & ~self_pay,
                  deductible_unknown=deductible_unknown, plan_type_unknown=plan_type_unknown,
                  medicaid_capped=medicaid_capped)


def _non_participating(ref: RefData, inp: Inputs, rc: dict[str, np.ndarray], self_pay: np.ndarray,
                       allowed: np.ndarray, billed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Original Medicare with a doctor who does not participate (changes ``allowed``/``billed`` in place).

    Medicare approves 95% of the fee schedule amount for the doctor's and the anesthesia bills
    (Social Security Act 1848(a)(3)); a doctor who also does not accept assignment may charge at
    most the limiting charge, 115% of that (1848(g)), i.e. 109.25% of the participating amount,
    rounded to the cent from the exact amount in cents. An entered allowed amount (per bill or in
    total) is taken as the approved amount; a per-bill one also sets the limiting charge, a total
    (one claim) does not. Facility bills are untouched: hospitals and surgery centers accept assignment.
    A Qualified Medicare Beneficiary's claims are assignment-related by law (Social Security Act
    1848(g)(3)), so no limiting charge applies.
    Returns (non-participating rows, rows that may be billed up to the limiting charge).
    """
    nonpar = ((inp.coverage == MEDICARE) & ~self_pay & (inp.medicare_provider != PARTICIPATING)
              & np.isnan(inp.allowed_total))
    # A Qualified Medicare Beneficiary's claims are paid only on assignment (SSA 1848(g)(3)): no
    # limiting charge.
    unassigned = nonpar & (inp.medicare_provider == NONPAR_UNASSIGNED) & ~inp.qmb
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
