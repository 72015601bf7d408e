"""The series section of a printable summary: what each injection of a series would cost.

``add_series(doc, plan)`` writes a short heading, a table (each injection, its week, the typical
share, its share with low and with high bills, the running total) and the plan's cautions into a
``Document``. ``plan`` is a ``SeriesPlan`` or its JSON (``SeriesPlan.to_dict()``, as the ``series``
command prints it), so a stored plan prints the same. Its words are in the current language.
"""

from __future__ import annotations

from estimator.common.i18n import N_, _, ngettext
from estimator.common.money import between, usd
from estimator.documents import Document
from estimator.planning.series import SeriesPlan

#: Column widths in mm (the page's text width is 188 mm).
WIDTHS = [24, 16, 36, 34, 34, 36]
#: The table's column names (English; translated when printed).
HEADER = [N_("Injection"), N_("Week"), N_("You pay (typical)"), N_("With low bills"), N_("With high bills"),
          N_("Running total")]


def series_rows(plan: dict) -> list[list[str]]:
    """The table's rows: one per injection, then the total."""
    rows, running = [], 0.0
    for inj in plan["injections"]:
        p = inj["patient_pays"]
        running += p["typical"]
        rows.append([str(inj["number"]), str(inj["week"]), usd(p["typical"], True), usd(p["low"], True),
                     usd(p["high"], True), usd(running, True)])
    t = plan["total_patient_pays"]
    rows.append([_("Total"), "", usd(t["typical"], True), usd(t["low"], True), usd(t["high"], True), ""])
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
            out.append(ngettext("Injection {numbers}: {message}", "Injections {numbers}: {message}",
                                len(numbers)).format(numbers=", ".join(map(str, numbers)), message=message))
    return out


def add_series(doc: Document, plan: SeriesPlan | dict) -> None:
    """Write the series section into ``doc`` (see the module docstring)."""
    d = plan.to_dict() if isinstance(plan, SeriesPlan) else plan
    n, weeks = len(d["injections"]), d["weeks_apart"]
    t = d["total_patient_pays"]
    apart = ngettext("{weeks} week apart", "{weeks} weeks apart", weeks).format(weeks=weeks)
    doc.heading(ngettext("If you have {n} injection, {apart}", "If you have {n} injections, {apart}", n).format(
        n=n, apart=apart), 10)
    doc.para(_("In all you would likely pay {amount} ({range}). Once the first injection has paid toward your "
               "deductible, the next ones usually cost less; all are taken to fall in the same plan year. Low and "
               "high bills: each injection's share when all the bills are at the low (or high) end of their "
               "range.").format(amount=usd(t["typical"], cents=False), range=between(t["low"], t["high"])))
    doc.table([_(h) for h in HEADER], series_rows(d), WIDTHS)
    notes = cautions(d)
    if notes:
        doc.bullets(notes, 7.5)
