"""The series section of a printable summary: what each injection of a series would cost.

``add_series(doc, plan)`` writes a short heading, a table (each injection, its week, the typical
share, its share with low and with high bills, the running total) and the plan's cautions into a
``Document``. ``plan`` is a ``SeriesPlan`` or its JSON (``SeriesPlan.to_dict()``, as the ``series``
command prints it), so a stored plan prints the same.
"""

from __future__ import annotations

from ..money import between, usd
from ..series import SeriesPlan
from . import Document

#: Column widths in mm (the page's text width is 188 mm).
WIDTHS = [24, 16, 36, 34, 34, 36]
HEADER = ["Injection", "Week", "You pay (typical)", "With low bills", "With high bills", "Running total"]


def series_rows(plan: dict) -> list[list[str]]:
    """The table's rows: one per injection, then the total."""
    rows, running = [], 0.0
    for inj in plan["injections"]:
        p = inj["patient_pays"]
        running += p["typical"]
        rows.append([str(inj["number"]), str(inj["week"]), usd(p["typical"], True), usd(p["low"], True),
                     usd(p["high"], True), usd(running, True)])
    t = plan["total_patient_pays"]
    rows.append(["Total", "", usd(t["typical"], True), usd(t["low"], True), usd(t["high"], True), ""])
    return rows


def cautions(plan: dict) -> list[str]:
    """The plan's warnings (not its notes), each once, with the injections it concerns."""
    seen: dict[str, list[int]] = {}
    for inj in plan["injections"]:
        for w in inj["warnings"]:
            if w["severity"] == "warning":
                seen.setdefault(w["message"], []).append(inj["number"])
    out = [w["message"] for w in plan["warnings"] if w["severity"] == "warning"]
    n = len(plan["injections"])
    for message, numbers in seen.items():
        if len(numbers) == n:
            out.append(message)
        else:
            out.append(f"Injection{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}: {message}")
    return out


def add_series(doc: Document, plan: SeriesPlan | dict) -> None:
    """Write the series section into ``doc`` (see the module docstring)."""
    d = plan.to_dict() if isinstance(plan, SeriesPlan) else plan
    n, weeks = len(d["injections"]), d["weeks_apart"]
    t = d["total_patient_pays"]
    doc.heading(f"If you have {n} injection{'s' if n != 1 else ''}, {weeks} week{'s' if weeks != 1 else ''} apart",
                10)
    doc.para(f"In all you would likely pay {usd(t['typical'], cents=False)} ({between(t['low'], t['high'])}). "
             "Once the first injection has paid toward your deductible, the next ones usually cost less; all are "
             "taken to fall in the same plan year. Low and high bills: each injection's share when all the "
             "bills are at the low (or high) end of their range.")
    doc.table(HEADER, series_rows(d), WIDTHS)
    notes = cautions(d)
    if notes:
        doc.bullets(notes, 7.5)
