"""Stage 2, reference prices: Medicare's amount for each bill of each scenario, exact to the cent.

The doctor's fee (physician fee schedule, with moderate sedation where the doctor gives it), the
facility fee (OPPS for a hospital outpatient department, the ASC rate for a surgery center, none in
an office) and the anesthesia provider's fee; the formulas are in fee_schedule.py, the figures in
data/ (gpci.csv, rvu.csv, facility_rates.csv, asc_rates.csv, anesthesia_cf.csv, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.pricing import fee_schedule
from estimator.pricing.inputs import Inputs
from estimator.reference.tables import RefData


@dataclass
class ReferencePrices:
    """Medicare's amounts: ``cents`` per bill name (n,) in whole cents, and ``base`` (3, n) the same
    in dollars, bills in claim order (professional, facility, anesthesia)."""

    cents: dict[str, np.ndarray]
    base: np.ndarray

    def take(self, rows: np.ndarray | slice) -> ReferencePrices:
        return ReferencePrices({k: v[rows] for k, v in self.cents.items()}, self.base[:, rows])


def reference_prices(ref: RefData, inp: Inputs) -> ReferencePrices:
    """Each scenario's Medicare amounts for its year, locality, code, site and sedation."""
    rc = fee_schedule.reference_cents(ref, inp.year, inp.loc, inp.code, inp.site, inp.sedation,
                                      inp.sed_minutes, inp.anes_minutes, inp.wage_area)
    base = np.array([rc["professional"], rc["facility"], rc["anesthesia"]]) / 100.0
    return ReferencePrices(rc, base)
