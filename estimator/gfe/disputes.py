"""Disputing a bill against its Good Faith Estimate (45 CFR 149.620).

A bill from any one provider or facility that is at least the threshold ($400, in the reference
data's parameters) above that provider's expected charges can be disputed within the window (120
calendar days) of the bill's date. This informs; it is not legal advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from estimator.common.i18n import _, long_date
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
    """Per provider: is the bill at least the threshold above its estimate, and until when to dispute
    (the message in the current language)."""
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
        amounts = {"provider": provider, "billed": f"${billed:,.2f}", "excess": f"${excess:,.2f}",
                   "estimate": f"${est:,.2f}", "threshold": f"${threshold:,.0f}"}
        msg = " ".join([_("{provider}: billed {billed}, {excess} above the estimate of {estimate}.").format(**amounts),
                        _("That is {threshold} or more: you can start a dispute until {date}.").format(
                            **amounts, date=long_date(by)) if can else
                        _("That is less than {threshold} above: not eligible for the dispute process.").format(
                            **amounts)])
        out.append(BillCheck(provider, est, billed, excess, can, by, msg))
    return out
