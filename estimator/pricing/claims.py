"""Stage 3c, claims: the allowed amount and charge of each claim as the plan processes it.

On the market prices (stage 3a) and the networks (stage 3b), in order:
1. a commercial plan's out-of-network allowance: a stated percentage of the Medicare amount
   (``oon_allowance_pct_of_medicare``), never above the provider's charge;
2. allowed amounts the user entered replace the estimate (per bill, or one total split over the
   bills in proportion to their typical amounts), and charges are at least the allowed amount;
3. Original Medicare with a doctor who does not participate: 95% of the fee schedule amount, and up
   to the limiting charge for one who does not accept assignment (``_non_participating``);
4. an HMO or EPO pays nothing out of network: the allowed amount is the whole charge;
5. an entered total is processed as one claim (on the professional line);
6. balance bills: billed - allowed on a commercial plan's out-of-network claims paid on its own
   allowance, and on Original Medicare's unassigned claims up to the limiting charge.
Amounts (bill, level, n) in dollars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.pricing.codes import ANESTHESIA, MEDICARE, NONPAR_UNASSIGNED, PARTICIPATING, PROFESSIONAL
from estimator.pricing.inputs import Inputs
from estimator.pricing.market_prices import MarketPrices
from estimator.pricing.network import Network
from estimator.pricing.reference_prices import ReferencePrices
from estimator.reference.tables import RefData


@dataclass
class Claims:
    """What each claim is processed at; (bill, level, n) in dollars, or (n,) bool."""

    allowed: np.ndarray  # per bill: what the plan recognises (the whole charge where it pays nothing)
    billed: np.ndarray  # per bill: the provider's charge
    claims: np.ndarray  # the allowed amounts as processed (one claim if a total was entered)
    balance: np.ndarray  # what the provider may bill beyond the allowed amount
    nonpar: np.ndarray  # (n,) Original Medicare approved the non-participating amount (95%)
    limiting_charge: np.ndarray  # (n,) the doctor does not accept assignment and may bill up to it


def claims(ref: RefData, inp: Inputs, reference: ReferencePrices, market: MarketPrices, net: Network) -> Claims:
    """The claims of every scenario (see the module docstring for the order)."""
    base = reference.base
    allowed, billed = market.allowed.copy(), market.billed
    total_given = net.total_given
    commercial_oon = net.oon_pay & net.commercial
    if commercial_oon.any():
        pct = ref.parameters_array("oon_allowance_pct_of_medicare", inp.year)
        oon_allowed = np.minimum(np.round(base * pct / 100.0, 2)[:, None, :], billed)  # never above the charge
        allowed = np.where(commercial_oon[:, None, :], oon_allowed, allowed)

    given = ~np.isnan(inp.allowed_component)  # (3, n)
    if given.any():
        allowed = np.where(given[:, None, :], inp.allowed_component[:, None, :], allowed)
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
    nonpar, unassigned = _non_participating(ref, inp, reference.cents, market.self_pay, allowed, billed)
    oon_none = net.oon_none
    if oon_none.any():  # an HMO or EPO pays nothing out of network: the patient owes the whole charge
        none_at = oon_none | (oon_none[0] & total_given)[None, :]
        allowed = np.where(none_at[:, None, :], billed, allowed)

    processed, claim_billed = allowed, billed
    if total_given.any():  # an entered total is processed as one claim
        processed, claim_billed = allowed.copy(), billed.copy()
        processed[0] = np.where(total_given, np.where(oon_none[0], billed.sum(axis=0), inp.allowed_total),
                                processed[0])
        processed[1:] = np.where(total_given, 0.0, processed[1:])
        claim_billed[0] = np.where(total_given, billed.sum(axis=0), claim_billed[0])
        claim_billed[1:] = np.where(total_given, 0.0, claim_billed[1:])

    # (An HMO's out-of-network claim is the whole charge, owed in full: no balance beyond it.)
    exposed = commercial_oon.copy()
    exposed[PROFESSIONAL] |= unassigned
    exposed[ANESTHESIA] |= unassigned
    balance = (np.where(exposed[:, None, :], np.maximum(claim_billed - processed, 0.0), 0.0) if exposed.any()
               else np.zeros(processed.shape))
    return Claims(allowed=allowed, billed=billed, claims=processed, balance=balance, nonpar=nonpar,
                  limiting_charge=unassigned)


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
