"""Formatting of dollar amounts for people (the engine works in float dollars)."""

from __future__ import annotations

import math


def usd(x: float, cents: bool | None = None) -> str:
    """'$1,234' for whole dollars, '$1,234.56' otherwise; cents=True/False forces either."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "no limit"
    show_cents = (abs(x - round(x)) >= 0.005) if cents is None else cents
    sign = "-" if x < 0 else ""
    return f"{sign}${abs(x):,.2f}" if show_cents else f"{sign}${abs(round(x)):,.0f}"


def usd_range(low: float, high: float) -> str:
    """'$500 to $2,000' (rounded to whole dollars), or one amount when they are equal."""
    if abs(high - low) < 0.5:
        return usd(low)
    return f"{usd(low, cents=False)} to {usd(high, cents=False)}"


def pct(fraction: float) -> str:
    """A fraction as a percentage without needless decimals: 0.2 -> '20%'."""
    v = fraction * 100
    return f"{v:.0f}%" if abs(v - round(v)) < 1e-9 else f"{v:.1f}%"


def between(low: float, high: float) -> str:
    """'between $500 and $2,000', or 'exactly $500' when the two are equal."""
    if abs(high - low) < 0.5:
        return f"exactly {usd(low)}"
    return f"between {usd(low, cents=False)} and {usd(high, cents=False)}"
