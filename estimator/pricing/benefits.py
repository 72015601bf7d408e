"""Benefit math: who pays what for a set of claims, over arrays of scenarios.

One visit makes up to three claims, processed in order: professional (the doctor), facility (the
hospital or surgery center) and anesthesia. For each claim, on the allowed amount:

Each claim may belong to a pool (e.g. 0 = in-network terms, 1 = out-of-network terms: a PPO's
separate deductible, coinsurance and maximum; 2 = not covered: no deductible, no maximum).
Deductibles and maximums fill per pool.

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
6. a supplemental plan may pay the coinsurance (Medigap Plans G and N; Plan N leaves the patient up
   to a fixed copay of it, filling across claims) and the excess charges (Plan G only).

Self-pay is coinsurance of 100% with no deductible or maximum. Arrays have shape
(claims, levels, n) for amounts, (pools, n) or (pools, levels, n) for the deductibles and maximums
still remaining, (claims, n) for coinsurance rates and (n,) for the rest; all amounts in dollars.
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
          supplemental_pays: np.ndarray, pool: np.ndarray | None = None,
          supplemental_excess: np.ndarray | None = None,
          supplemental_keep: np.ndarray | None = None) -> Shares:
    """Apply the benefit rules claim by claim; see the module docstring for the order.

    ``ded_remaining`` and ``oop_remaining``: (n,) or (levels, n) for a single pool, or (pools, n) /
    (pools, levels, n) per pool when ``pool`` (claims, n: each claim's pool index) is given.
    ``coinsurance``: (n,) or (claims, n).
    ``supplemental_pays``: rows whose supplemental plan pays the coinsurance; ``supplemental_excess``
    (default: the same rows) those whose plan also pays balance bills; ``supplemental_keep`` (n,):
    the part of the coinsurance the patient keeps (Medigap Plan N's copay; default 0).
    """
    n_claims = allowed.shape[0]
    shape = allowed.shape[1:]
    pooled = pool is not None
    pools = len(ded_remaining) if pooled else 1
    ded_left = np.empty((pools,) + shape)
    oop_left = np.empty((pools,) + shape)
    for k in range(pools):  # (assignment broadcasts (n,) over the levels)
        ded_left[k] = ded_remaining[k] if pooled else ded_remaining
        oop_left[k] = oop_remaining[k] if pooled else oop_remaining
    coins = coinsurance if np.ndim(coinsurance) == 2 else np.broadcast_to(coinsurance, (n_claims, shape[-1]))
    excess = supplemental_pays if supplemental_excess is None else supplemental_excess
    keep_left = np.empty(shape)
    keep_left[...] = 0.0 if supplemental_keep is None else supplemental_keep
    parts = {k: np.empty_like(allowed) for k in
             ("deductible", "copay", "coinsurance", "over_max", "supplemental", "patient", "plan")}
    rest, share, capped = (np.empty(shape) for _ in range(3))
    # Conventions used by no row are skipped, and arrays are reused (out=): the same result with
    # fewer passes over memory.
    any_before, any_incl, any_sup = copay_before.any(), coins_incl_copay.any(), supplemental_pays.any()
    any_excess = excess.any()
    capped_coins = np.isfinite(coins_cap).any(axis=1)
    # Each claim reads and fills its own pool: flat positions into (pools, levels, n) (a take and a
    # put, in place of a choice and a masked update per pool).
    cells = np.arange(ded_left[0].size).reshape(shape)
    for c in range(n_claims):
        a = allowed[c]
        if pooled:
            at = pool[c] * cells.size + cells
            dl, ol = ded_left.take(at), oop_left.take(at)
        else:
            dl, ol = ded_left[0], oop_left[0]
        d, cpay, co = parts["deductible"][c], parts["copay"][c], parts["coinsurance"][c]
        cp = np.where(principal == c, copay, 0.0)
        np.minimum(dl, a, out=d)
        np.subtract(a, d, out=rest)
        np.minimum(cp, rest, out=cpay)
        if any_before:
            cp_first = np.minimum(cp, a)
            d[...] = np.where(copay_before, np.minimum(dl, a - cp_first), d)
            cpay[...] = np.where(copay_before, cp_first, cpay)
            np.subtract(a, d, out=rest)
        rest -= cpay
        if any_incl:  # coinsurance on allowed - deductible, never more than what is left
            np.minimum(coins[c] * np.where(coins_incl_copay, rest + cpay, rest), rest, out=co)
        else:
            np.multiply(coins[c], rest, out=co)
        if capped_coins[c]:
            np.minimum(co, coins_cap[c], out=co)
        np.add(d, cpay, out=share)
        share += co
        np.minimum(share, ol, out=capped)
        np.subtract(share, capped, out=parts["over_max"][c])
        if pooled:
            ded_left.put(at, dl - d)
            oop_left.put(at, ol - capped)
        else:
            ded_left[0] -= d
            oop_left[0] -= capped
        sup = parts["supplemental"][c]
        if any_sup or any_excess:
            coins_paid = np.minimum(co, capped)
            kept = np.minimum(keep_left, coins_paid)
            keep_left -= np.where(supplemental_pays, kept, 0.0)
            sup[...] = (np.where(supplemental_pays, coins_paid - kept, 0.0)
                        + np.where(excess, balance[c], 0.0))
        else:
            sup.fill(0.0)
        np.add(capped, balance[c], out=parts["patient"][c])
        np.subtract(a, capped, out=parts["plan"][c])
        if any_sup or any_excess:
            parts["patient"][c] -= sup
            parts["plan"][c] += sup
    return Shares(balance=balance, **parts)
