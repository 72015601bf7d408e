"""Formatting of dollar amounts for people (the engine works in float dollars).

Amounts are US dollars in the US format ($1,234.56) in every language; the words around them
('between ... and ...') follow the current language (estimator.common.i18n)."""

from __future__ import annotations

import math

from estimator.common.i18n import _


def usd(x: float, cents: bool | None = None) -> str:
    """'$1,234' for whole dollars, '$1,234.56' otherwise; cents=True/False forces either."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return _("no limit")
    show_cents = (abs(x - round(x)) >= 0.005) if cents is None else cents
    sign = "-" if x < 0 else ""
    return f"{sign}${abs(x):,.2f}" if show_cents else f"{sign}${abs(round(x)):,.0f}"


def usd_range(low: float, high: float) -> str:
    """'$500 to $2,000' (rounded to whole dollars), or one amount when they are equal."""
    if abs(high - low) < 0.5:
        return usd(low)
    return _("{low} to {high}").format(low=usd(low, cents=False), high=usd(high, cents=False))


def pct(fraction: float) -> str:
    """A fraction as a percentage without needless decimals: 0.2 -> '20%'."""
    v = fraction * 100
    return f"{v:.0f}%" if abs(v - round(v)) < 1e-9 else f"{v:.1f}%"


def between(low: float, high: float) -> str:
    """'between $500 and $2,000', or 'exactly $500' when the two are equal."""
    if abs(high - low) < 0.5:
        return _("exactly {amount}").format(amount=usd(low))
    return _("between {low} and {high}").format(low=usd(low, cents=False), high=usd(high, cents=False))
