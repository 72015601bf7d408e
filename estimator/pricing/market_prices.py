"""Stage 3a, market prices: what each bill is likely allowed and billed at, low / typical / high.

The allowed amount's price basis follows the coverage: Medicare's own amount (Original Medicare and
Medicare Advantage), the Medicaid level, the commercial in-network level, or the cash price for a
self-pay patient and for a Medicare session outside its coverage rule. Each level is the reference
price x the band multiple for the bill, site and basis (data/fee_ranges.csv, 10th / 50th / 90th
percentile) x the state's regional factor for that level (data/regional_factors.csv: the state's
shift, and its own spread around it), rounded to the cent. A named hospital's band from its health
system's prices (data/hospital_bands.csv) replaces the state's for its facility fee, and its own
published figures (estimator.reference.named_hospital) replace both. At a surgery center or an
office, a commercial patient's payer's own band in the state, from imported insurers' rate files
(estimator.reference.payer_bands), replaces the national one where enough providers back it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.pricing.codes import (
    B_BILLED,
    B_CASH,
    B_COMMERCIAL,
    B_MEDICAID,
    COMMERCIAL,
    MEDICAID,
    MEDICARE,
    MEDICARE_ADVANTAGE,
    SELF_PAY,
)
from estimator.pricing.inputs import Inputs
from estimator.pricing.reference_prices import ReferencePrices
from estimator.reference.tables import MEDICARE_BASIS, RefData


@dataclass
class MarketPrices:
    """Prices (bill, level, n) in dollars, and who is priced as self-pay."""

    allowed: np.ndarray  # what the plan (or the cash price) recognises, before network and entered amounts
    billed: np.ndarray  # the provider's charge
    self_pay: np.ndarray  # (n,) bool: self-pay, or a Medicare session outside its coverage rule
    noncovered: np.ndarray  # (n,) bool: outside Medicare's LCD (frequency limit or no imaging)


def price(ref: RefData, inp: Inputs, base: np.ndarray, basis: np.ndarray | int) -> np.ndarray:
    """Prices (bill, level, n) for a price basis per row: round(reference x multiple x regional, cents).

    A surgery center's facility fee is its own Medicare ASC rate (Addendum AA) times its own band; it
    is not tied to what an office is paid (62321 is not an office-based ASC procedure).
    """
    n_bases, n_states = ref.bands.shape[2], ref.regional_factor.shape[2]
    shape = (base.shape[0], -1, len(inp))
    m = ref.bands_flat.take(inp.site * n_bases + basis, axis=1).reshape(shape)  # (3, 3, n)
    regional = ref.regional_flat.take(basis * n_states + inp.state, axis=1).reshape(shape)  # (3, 3, n)
    return np.round((base[:, None, :] * regional) * m, 2)


def market_prices(ref: RefData, inp: Inputs, reference: ReferencePrices) -> MarketPrices:
    """Each scenario's allowed and billed prices at its coverage's price basis."""
    cov = inp.coverage
    medicare_like = (cov == MEDICARE) | (cov == MEDICARE_ADVANTAGE)
    limit = ref.parameters_array("lcd_max_sessions_12mo", inp.year)
    # Medicare's epidural injection LCDs cover a session only within the frequency limit and only with
    # imaging guidance: past the limit, or without imaging (62320/62322), it is priced as self-pay.
    noncovered = medicare_like & ((inp.prior_sessions >= limit) | ~ref.imaging_guided[inp.code])
    self_pay = (cov == SELF_PAY) | noncovered
    basis = np.where(self_pay, B_CASH, np.where(medicare_like, MEDICARE_BASIS,
                                                np.where(cov == MEDICAID, B_MEDICAID, B_COMMERCIAL)))
    allowed = price(ref, inp, reference.base, basis)
    billed = price(ref, inp, reference.base, B_BILLED)
    if inp.hospital_band is not None:
        _hospital_band(inp.hospital_band, reference.base[1], allowed, billed, self_pay)
    if inp.payer_band is not None:
        _payer_band(inp.payer_band, reference.base, allowed, (cov == COMMERCIAL) & ~self_pay)
    _named_hospital(inp, allowed, billed, self_pay, (cov == COMMERCIAL) & ~self_pay)
    return MarketPrices(allowed, billed, self_pay, noncovered)


def _hospital_band(band: np.ndarray, base: np.ndarray, allowed: np.ndarray, billed: np.ndarray,
                   self_pay: np.ndarray) -> None:
    """A named hospital's system-aware band (2, 3, n; billed, cash) replaces the state band of its
    facility fee (in place): the charge, and a self-pay patient's allowed amount."""
    fac = 1
    gross, cash = band[0], band[1]
    billed[fac] = np.where(np.isnan(gross), billed[fac], np.round(base * gross, 2))
    use_cash = self_pay & ~np.isnan(cash[1])
    allowed[fac] = np.where(use_cash, np.round(base * cash, 2), allowed[fac])


def _payer_band(band: np.ndarray, base: np.ndarray, allowed: np.ndarray, commercial: np.ndarray) -> None:
    """The payer's own band in the state (2 bills, 3 levels, n; multiples of Medicare) replaces the
    national commercial band of the doctor's and the facility's allowed amounts (in place)."""
    for bill in range(band.shape[0]):
        use = commercial & ~np.isnan(band[bill, 1])
        allowed[bill] = np.where(use, np.round(base[bill] * band[bill], 2), allowed[bill])


def _named_hospital(inp: Inputs, allowed: np.ndarray, billed: np.ndarray, self_pay: np.ndarray,
                    commercial: np.ndarray) -> None:
    """A named hospital's published figures replace the facility estimate (in place): its gross
    charge the billed amount; its cash price a self-pay patient's allowed amount; its negotiated
    rates a commercial plan's (out of network the plan's own allowance still applies, later).
    Medicare, Medicare Advantage and Medicaid keep their own rates."""
    if inp.hospital_gross is None:
        return
    fac = 1  # the facility bill
    g = inp.hospital_gross
    billed[fac] = np.where(np.isnan(g), billed[fac], g)
    cash = np.where(self_pay, inp.hospital_cash, np.nan)
    allowed[fac] = np.where(np.isnan(cash), allowed[fac], cash)
    neg = np.where(commercial, inp.hospital_negotiated, np.nan)
    allowed[fac] = np.where(np.isnan(neg), allowed[fac], neg)
