"""Benefit math: who pays what for a set of claims, over arrays of scenarios.

One visit makes up to three claims, processed in order: professional (the doctor), facility (the
hospital or surgery center) and anesthesia. For each claim, on the allowed amount:

1. the deductible still remaining is paid first (it fills across the claims in order);
2. then the per-service copay, charged once, on the principal claim (the facility claim where
   there is one, else the professional claim). By default the copay comes after the deductible;
   ``copay_before`` makes it come first (and it then does not count toward the deductible);
3. then coinsurance on what is left: by default on allowed - deductible - copay; with
   ``coins_incl_copay`` on allowed - deductible (never more than what is left);
   a per-claim cap can limit it (Original Medicare's hospital outpatient copay cap);
4. the patient's share is capped at the out-of-pocket maximum still remaining (filling across
   claims in order);
5. a balance bill (billed - allowed) is added: an out-of-network provider's, or under Original
   Medicare a doctor's charge up to the limiting charge; it counts toward no maximum;
6. a supplemental plan (Medigap Plan G) may pay the coinsurance and such excess charges.

Self-pay is coinsurance of 100% with no deductible or maximum. Arrays have shape
(claims, levels, n) for amounts and (n,) for plan parameters; all amounts in dollars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Shares:
    """Per-claim parts of the patient's share, each shaped (claims, levels, n)."""

    deductible: np.ndarray
    copay: np.ndarray
    coinsurance: np.ndarray
    over_max: np.ndarray  # what the out-of-pocket maximum took off the patient's share
    supplemental: np.ndarray  # coinsurance and excess charges paid by a Medigap plan
    balance: np.ndarray
    patient: np.ndarray
    plan: np.ndarray


def split(allowed: np.ndarray, balance: np.ndarray, ded_remaining: np.ndarray, copay: np.ndarray,
          coinsurance: np.ndarray, oop_remaining: np.ndarray, principal: np.ndarray,
          coins_cap: np.ndarray, copay_before: np.ndarray, coins_incl_copay: np.ndarray,
          supplemental_pays: np.ndarray) -> Shares:
    """Apply the benefit rules claim by claim; see the module docstring for the order."""
    shape = allowed.shape[1:]
    ded_left = np.array(np.broadcast_to(ded_remaining, shape), dtype=float)
    oop_left = np.array(np.broadcast_to(oop_remaining, shape), dtype=float)
    parts = {k: np.empty_like(allowed) for k in
             ("deductible", "copay", "coinsurance", "over_max", "supplemental", "patient", "plan")}
    rest, share, capped = (np.empty(shape) for _ in range(3))
    # Conventions used by no row are skipped, and arrays are reused (out=): the same result with
    # fewer passes over memory.
    any_before, any_incl, any_sup = copay_before.any(), coins_incl_copay.any(), supplemental_pays.any()
    capped_coins = np.isfinite(coins_cap).any(axis=1)
    for c in range(allowed.shape[0]):
        a = allowed[c]
        d, cpay, co = parts["deductible"][c], parts["copay"][c], parts["coinsurance"][c]
        cp = np.where(principal == c, copay, 0.0)
        np.minimum(ded_left, a, out=d)
        np.subtract(a, d, out=rest)
        np.minimum(cp, rest, out=cpay)
        if any_before:
            cp_first = np.minimum(cp, a)
            d[...] = np.where(copay_before, np.minimum(ded_left, a - cp_first), d)
            cpay[...] = np.where(copay_before, cp_first, cpay)
            np.subtract(a, d, out=rest)
        rest -= cpay
        if any_incl:  # coinsurance on allowed - deductible, never more than what is left
            np.minimum(coinsurance * np.where(coins_incl_copay, rest + cpay, rest), rest, out=co)
        else:
            np.multiply(coinsurance, rest, out=co)
        if capped_coins[c]:
            np.minimum(co, coins_cap[c], out=co)
        np.add(d, cpay, out=share)
        share += co
        np.minimum(share, oop_left, out=capped)
        np.subtract(share, capped, out=parts["over_max"][c])
        ded_left -= d
        oop_left -= capped
        sup = parts["supplemental"][c]
        if any_sup:
            sup[...] = np.where(supplemental_pays, np.minimum(co, capped) + balance[c], 0.0)
        else:
            sup.fill(0.0)
        np.add(capped, balance[c], out=parts["patient"][c])
        np.subtract(a, capped, out=parts["plan"][c])
        if any_sup:
            parts["patient"][c] -= sup
            parts["plan"][c] += sup
    return Shares(balance=balance, **parts)
