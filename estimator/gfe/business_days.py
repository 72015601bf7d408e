"""Business days and the deadline to issue a Good Faith Estimate (45 CFR 149.610(b)(1)(ii)).

- Scheduled at least 3 business days ahead: issue within 1 business day of scheduling; at least 10
  business days ahead: within 3 business days; on request: within 3 business days of the request.
- A business day here is Monday to Friday except US federal holidays (5 U.S.C. 6103, observed
  dates); days are counted after the scheduling date, up to and including the service date.

This informs; it is not legal advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from estimator.common.i18n import _


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(weekday - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


def _last_weekday(year: int, month: int, weekday: int) -> date:
    d = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() - weekday) % 7)


def _observed(d: date) -> date:
    return d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=1) if d.weekday() == 6 else d


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[date]:
    """US federal holidays (5 U.S.C. 6103) as observed, for a calendar year."""
    mon, thu = 0, 3
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:
        fixed.append(date(year, 6, 19))
    days = {_observed(d) for d in fixed}
    days |= {_nth_weekday(year, 1, mon, 3), _nth_weekday(year, 2, mon, 3), _last_weekday(year, 5, mon),
             _nth_weekday(year, 9, mon, 1), _nth_weekday(year, 10, mon, 2), _nth_weekday(year, 11, thu, 4)}
    if _observed(date(year + 1, 1, 1)).year == year:  # next New Year's Day observed on Dec 31
        days.add(date(year, 12, 31))
    return frozenset(days)


def is_business_day(d: date) -> bool:
    return d.weekday() < 5 and d not in federal_holidays(d.year)


def add_business_days(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        n -= is_business_day(d)
    return d


def business_days_between(start: date, end: date) -> int:
    """Business days after ``start`` up to and including ``end`` (0 if end <= start)."""
    n, d = 0, start
    while d < end:
        d += timedelta(days=1)
        n += is_business_day(d)
    return n


@dataclass(frozen=True)
class Deadline:
    """When a Good Faith Estimate must be given."""

    required: bool
    latest: date | None
    rule: str


def deadline(scheduled_on: date | None = None, service_date: date | None = None,
             requested_on: date | None = None) -> Deadline:
    """The latest date to issue the GFE, for a scheduled service or a request."""
    if scheduled_on and service_date:
        ahead = business_days_between(scheduled_on, service_date)
        if ahead >= 10:
            return Deadline(True, add_business_days(scheduled_on, 3),
                            _("scheduled {days} business days ahead (10 or more): within 3 business days of "
                              "scheduling").format(days=ahead))
        if ahead >= 3:
            return Deadline(True, add_business_days(scheduled_on, 1),
                            _("scheduled {days} business days ahead (3 to 9): within 1 business day of "
                              "scheduling").format(days=ahead))
        if not requested_on:
            return Deadline(False, None, _("scheduled {days} business days ahead (fewer than 3): no Good Faith "
                                           "Estimate is required, though one may still be given").format(days=ahead))
    if requested_on:
        return Deadline(True, add_business_days(requested_on, 3), _("requested: within 3 business days of the request"))
    raise ValueError("give the scheduling and service dates, or the date of the request")
