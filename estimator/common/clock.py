"""Times as the clinic reads them: stored in UTC, shown in the clinic's time zone.

The zone is an IANA name (e.g. America/Chicago) given by the caller (a browser's zone), else
``$ESTIMATOR_TIMEZONE``, else the server's own zone. A naive time is taken as UTC, since SQLite
returns stored times without their zone.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The clinic's time zone for shown and printed times (an IANA name); default: the server's.
TIMEZONE_ENV = "ESTIMATOR_TIMEZONE"


def zone(*names: str | None) -> tzinfo:
    """The first of ``names``, then $ESTIMATOR_TIMEZONE, that is a known zone; else the server's."""
    for name in (*names, os.environ.get(TIMEZONE_ENV)):
        if name and name.strip():
            try:
                return ZoneInfo(name.strip())
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return datetime.now().astimezone().tzinfo or UTC


def local(moment: datetime, where: tzinfo | None = None) -> datetime:
    """``moment`` in ``where`` (default: ``zone()``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(where or zone())


def shown(moment: datetime, where: tzinfo | None = None) -> str:
    """'2026-03-04 09:15 CST': ``moment`` as staff read it."""
    return local(moment, where).strftime("%Y-%m-%d %H:%M %Z").strip()
