"""The one-page patient summary of a quote (PDF) and its CSV twin."""

from __future__ import annotations

from datetime import date

from ..guidance import DISCLAIMER, questions
from ..money import between, usd, usd_range
from ..quote import Quote
from ..safe_csv import write_rows
from ..scenario import COVERAGE_LABELS, NETWORK_LABELS, SEDATION_LABELS, SITE_LABELS, Scenario
from . import Document


def headline(q: dict) -> str:
    """'You would likely pay $X (between $A and $B).' from a quote's JSON (Quote.to_dict())."""
    p = q["patient_pays"]
    return f"You would likely pay {usd(p['typical'], cents=False)} ({between(p['low'], p['high'])})."


def summary_pdf(q: dict, today: date | None = None) -> bytes:
    """A one-page PDF from a quote's JSON (Quote.to_dict(), fresh or as stored in the quote log)."""
    sc = Scenario(**q["inputs"])
    sc.site = q["site"]
    doc = Document("Cost estimate: epidural injection")
    doc.heading("Your cost estimate: epidural injection", 14)
    loc = q["locality"]
    doc.para(f"{q['code_name']} (code {q['code']}). Prepared {(today or date.today()).isoformat()} for "
             f"{loc['name']} (Medicare locality {loc['key']}), {q['year']} prices.", 8.5)
    doc.para(f"Site: {SITE_LABELS[q['site']]}. Sedation: {SEDATION_LABELS[q['sedation']]}. Coverage: "
             f"{COVERAGE_LABELS[q['coverage']]}"
             + (f", {NETWORK_LABELS[q['network']].lower()}" if q["coverage"] == "commercial" else "") + ".")
    doc.heading(headline(q), 13)
    ta, tc = q["total_allowed"], q.get("total_cost", q["total_allowed"])  # quotes saved before total_cost
    doc.para(f"Total cost of care: about {usd(tc['typical'], cents=False)} ({between(tc['low'], tc['high'])}). "
             f"Your plan pays about {usd(q['plan_pays']['typical'], cents=False)}.", 9.5, "B")
    rows = [[c["label"], usd(c["allowed"]["typical"], True), usd_range(c["allowed"]["low"], c["allowed"]["high"]),
             usd(c["billed"]["typical"], True)] for c in q["components"]]
    rows.append(["Total", usd(ta["typical"], True), usd_range(ta["low"], ta["high"]),
                 usd(q["total_billed"]["typical"], True)])
    doc.table(["Bill", "Allowed (typical)", "Likely range", "Billed (typical)"], rows, [78, 34, 40, 34])
    doc.heading("How the estimate was worked out", 10)
    doc.bullets(q["steps"])
    warn = [w["message"] for w in q["warnings"] if w["severity"] == "warning"]
    if warn:
        doc.heading("Please check", 10)
        doc.bullets(warn)
    qs = questions(sc)
    doc.heading("Questions to ask", 10)
    doc.bullets([f"Doctor's office: {x}" for x in qs["doctor"][:3]] + [f"Insurer: {x}" for x in qs["insurer"][:3]])
    doc.para(f"Data version {q['data_version']}; sources: " + "; ".join(q["sources"][:4])
             + " (full list on the app's Data & methods page).", 6.5)
    doc.para(DISCLAIMER, 7.5, "I")
    return doc.bytes()


def summary_csv(q: Quote) -> str:
    """The quote's bills, totals and patient/plan split as CSV (one row per line of the table)."""
    rows: list[list[object]] = []
    for c in q.components:
        rows.append([f"{c['name']} allowed", *c["allowed"].values()])
        rows.append([f"{c['name']} billed", *c["billed"].values()])
    for name, band in (("total allowed", q.total_allowed), ("total billed", q.total_billed),
                       ("you pay", q.patient_pays), ("plan pays", q.plan_pays)):
        rows.append([name, *band.values()])
    rows.append(["code", q.code, "", ""])
    rows.append(["locality", q.place.locality.key, "", ""])
    rows.append(["year", q.year, "", ""])
    rows.append(["data version", q.data_version, "", ""])
    return write_rows(["item", "low", "typical", "high"], rows)
