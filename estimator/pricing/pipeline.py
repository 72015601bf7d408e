"""The pricing pipeline, top to bottom: encoded scenarios in, a Result out.

Both public APIs (one scenario -> one quote, a DataFrame of scenarios -> a DataFrame of results)
encode their inputs as ``Inputs`` and call ``run``; neither has pricing logic of its own. Each stage
is a pure function over arrays in its own module and reads only what the stages before it made:

1. place: the locality and state of each scenario (estimator.reference.geography; resolved while
   the inputs are read, so ``Inputs`` carries the locality and state indexes);
2. reference prices: Medicare's amount for each bill (reference_prices.py, fee_schedule.py);
3. allowed amounts: market prices (market_prices.py), networks (network.py), claims (claims.py);
4. benefits: the terms (benefit_terms.py), the claims through them (benefits.py), and the cases
   the patient left open, priced for those rows only (cases.py);
5. words: steps, warnings and sources rendered from the Result (estimator.words), never re-derived.

Arrays of amounts have shape (bill, level, n); all amounts in dollars unless named _cents.
"""

from __future__ import annotations

import numpy as np

from estimator.pricing.arrays import take
from estimator.pricing.benefit_terms import benefit_terms, shares
from estimator.pricing.cases import CASES, open_cases
from estimator.pricing.claims import claims
from estimator.pricing.inputs import Inputs
from estimator.pricing.market_prices import market_prices
from estimator.pricing.network import network
from estimator.pricing.reference_prices import reference_prices
from estimator.pricing.result import Result
from estimator.reference.tables import RefData

__all__ = ["CASES", "Inputs", "Result", "run"]


def run(ref: RefData, inp: Inputs) -> Result:
    """Price every scenario in ``inp``, in every case the patient left open (stage 4c)."""
    prices = reference_prices(ref, inp)
    market = market_prices(ref, inp, prices)
    net = network(inp, market, hmo=False)
    bills = claims(ref, inp, prices, market, net)
    terms = benefit_terms(ref, inp, market, net, bills, met=False)
    split = shares(terms, bills)

    def price_case(rows: np.ndarray, met: np.ndarray, hmo: np.ndarray) -> np.ndarray:
        """The patient's total (levels, len(rows)) for ``rows``, each in its case (``met``: the
        deductible already met; ``hmo``: an unknown plan type as an HMO): from the networks on where
        any row is an HMO case, else from the terms on."""
        i, m = inp.take(rows), take(market, rows)
        if hmo.any():
            n = network(i, m, hmo=hmo)
            b = claims(ref, i, prices.take(rows), m, n)
        else:
            n, b = take(net, rows), take(bills, rows)
        return shares(benefit_terms(ref, i, m, n, b, met), b).patient.sum(axis=0)

    ranges = open_cases(split, bills, terms.deductible_unknown, net.plan_type_unknown, price_case)
    medicaid_capped = (terms.medicaid & (split.over_max.sum(axis=0)[1] > 0.005) if terms.medicaid.any()
                       else terms.medicaid)
    return Result(
        reference_cents=prices.cents, allowed=bills.allowed, billed=bills.billed, claims=bills.claims, shares=split,
        ded_remaining=terms.ded_remaining, coinsurance_fraction=terms.coinsurance_fraction,
        oop_remaining=terms.oop_remaining, noncovered=market.noncovered, nsa_protected=net.nsa_protected,
        nonpar=bills.nonpar, limiting_charge=bills.limiting_charge, coinsurance_assumed=terms.coinsurance_assumed,
        doctor_protected=net.doctor_protected, oon_pay=net.oon_pay, oon_none=net.oon_none,
        oon_ded_remaining=terms.oon_ded_remaining, oon_coinsurance_fraction=terms.oon_coinsurance_fraction,
        oon_oop_remaining=terms.oon_oop_remaining, aca_capped=terms.aca_capped, copay_only=terms.copay_only,
        deductible_unknown=terms.deductible_unknown, plan_type_unknown=net.plan_type_unknown,
        medicaid_capped=medicaid_capped, cases=ranges.cases, patient_range=ranges.patient_range,
        plan_range=ranges.plan_range)
