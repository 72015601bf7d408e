"""Disputing a bill against its Good Faith Estimate (45 CFR 149.620).

A bill from any one provider or facility that is at least the threshold ($400, in the reference
data's parameters) above that provider's expected charges can be disputed within the window (120
calendar days) of the bill's date. This informs; it is not legal advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from estimator.reference.tables import RefData, load


@dataclass(frozen=True)
class BillCheck:
    """One provider's bill against its estimate: the excess in dollars, and until when it can be disputed."""

    provider: str
    estimate: float
    billed: float
    excess: float
    can_dispute: bool
    dispute_by: date
    message: str


def check_bill(estimates: dict[str, float], bills: dict[str, float], bill_date: date,
               ref: RefData | None = None) -> list[BillCheck]:
    """Per provider: is the bill at least the threshold above its estimate, and until when to dispute."""
    ref = ref or load()
    year = max(y for (name, y) in ref.parameters if name == "gfe_dispute_threshold")
    threshold = ref.param("gfe_dispute_threshold", year)
    window = int(ref.param("gfe_dispute_window_days", year))
    out = []
    for provider, billed in bills.items():
        if provider not in estimates:
            raise KeyError(f"{provider}: no estimate for this provider in the Good Faith Estimate")
        est = estimates[provider]
        excess = round(billed - est, 2)
        can = excess >= threshold
        by = bill_date + timedelta(days=window)
        msg = (f"{provider}: billed ${billed:,.2f}, ${excess:,.2f} above the estimate of ${est:,.2f}. "
               + (f"That is ${threshold:,.0f} or more: you can start a dispute until {by:%B %-d, %Y}."
                  if can else f"That is less than ${threshold:,.0f} above: not eligible for the dispute process."))
        out.append(BillCheck(provider, est, billed, excess, can, by, msg))
    return out
