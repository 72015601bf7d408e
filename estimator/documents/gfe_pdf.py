"""The Good Faith Estimate as a PDF, with every element 45 CFR 149.610(c) asks for.

The disclaimers are written in the project's own words; the data tables supply the dispute
threshold and window.
"""

from __future__ import annotations

import contextlib

from estimator.common.money import usd
from estimator.documents import Document
from estimator.gfe import ROLE_LABELS, GfeCase, GfeLine, deadline
from estimator.quote import Quote
from estimator.reference.tables import RefData, load
from estimator.scenario import SEDATION_LABELS, SITE_PHRASES


def gfe_text(case: GfeCase, q: Quote, lines: list[GfeLine], ref: RefData | None = None) -> dict[str, object]:
    """The GFE's sections as data (used for the PDF and for checking its contents)."""
    ref = ref or load()
    year = case.issued_on.year if ("gfe_dispute_threshold", case.issued_on.year) in ref.parameters else q.year
    threshold = usd(ref.param("gfe_dispute_threshold", year))
    window = int(ref.param("gfe_dispute_window_days", year))
    sc = case.scenario
    primary = (f"{q.code_name} (service code {q.code}): an injection of medicine into the space around the spinal "
               f"cord in the neck or upper back, given as an outpatient at {SITE_PHRASES[sc.site]}, with "
               f"{SEDATION_LABELS[sc.sedation].lower()}.")
    when = (f"Scheduled for {case.service_date:%B %-d, %Y}." if case.service_date
            else "Not yet scheduled (estimate given on request).")
    total = round(sum(li.amount for li in lines), 2)
    disclaimers = [
        # 149.610(c)(1)(ix): only an estimate, and the charges may differ
        "This Good Faith Estimate shows the costs of items and services that are reasonably expected for your "
        "health care needs for an item or service. It is based on information known at the time it was created.",
        "It is only an estimate: the items, services and charges you actually receive may differ from it, and "
        "you may be billed more than the amounts shown.",
        # 149.610(c)(1)(xi): not a contract, no obligation to use these providers
        "This Good Faith Estimate is not a contract, and it does not require you to get the items or services "
        "from any of the providers or facilities named in it.",
        # 149.610(c)(1)(viii): other items or services scheduled separately are not included
        "There may be other items or services your provider recommends as part of your care that must be "
        "scheduled or requested separately; they are not included in this estimate. You can ask for a separate "
        "Good Faith Estimate for them.",
        # 149.610(c)(1)(x) and 149.620: the right to dispute, when, and where to learn how
        f"If you are billed {threshold} or more above the expected charges of any one provider or facility "
        f"named here, you have the right to dispute the bill through the patient-provider dispute resolution "
        f"process. You must start it within {window} calendar days of the date on the bill. A fee applies, and "
        "it is refunded if the dispute goes your way.",
        "Starting a dispute will not change or lessen the quality of the health care you receive from any "
        "provider or facility: it cannot be held against you.",
        "To learn about your rights and how to start a dispute, visit www.cms.gov/nosurprises or call the "
        "federal No Surprises Help Desk at 1-800-985-3059.",
        "Keep a copy of this Good Faith Estimate in a safe place, with the bills you receive: you will need it "
        "if you dispute a bill.",
    ]
    due = None
    with contextlib.suppress(ValueError):  # no dates to work from: the PDF simply omits the deadline
        due = deadline(case.scheduled_on, case.service_date, case.requested_on)
    return {"primary": primary, "when": when, "total": total, "disclaimers": disclaimers, "deadline": due}


def gfe_pdf(case: GfeCase, q: Quote, lines: list[GfeLine], ref: RefData | None = None) -> bytes:
    """The Good Faith Estimate document."""
    t = gfe_text(case, q, lines, ref)
    doc = Document("Good Faith Estimate")
    doc.heading("Good Faith Estimate for Health Care Items and Services", 14)
    doc.para(f"Issued {case.issued_on:%B %-d, %Y} by {case.clinic.name}"
             + (f", {case.clinic.address}" if case.clinic.address else "")
             + (f", phone {case.clinic.phone}" if case.clinic.phone else "") + ".")
    doc.heading("Patient", 10.5)
    doc.para(f"Patient name: {case.patient_name}    Date of birth: {case.patient_dob:%m/%d/%Y}"
             + (f"    Reference: {case.patient_ref}" if case.patient_ref else ""))
    doc.heading("Primary service", 10.5)
    doc.para(t["primary"])
    doc.para(t["when"])
    doc.para("Diagnosis codes (ICD-10-CM): " + ", ".join(case.diagnosis_codes))

    doc.heading("Expected charges, by provider and facility", 10.5)
    for role in ("professional", "facility", "anesthesia"):
        role_lines = [li for li in lines if li.role == role]
        if not role_lines:
            continue
        p = role_lines[0].provider
        doc.para(f"{ROLE_LABELS[role]}: {p.name}    NPI: {p.npi}    TIN: {p.tin}", 9, "B")
        doc.para(f"Location where the service is expected: {p.address} ({p.state})", 8.5)
        rows = [[li.code, li.description, f"{li.units:g}", ", ".join(case.diagnosis_codes), usd(li.amount, True)]
                for li in role_lines]
        subtotal = sum(li.amount for li in role_lines)
        rows.append(["", "Total expected charges for this provider", "", "", usd(subtotal, True)])
        doc.table(["Service code", "Service", "Units", "Diagnosis codes", "Expected charge"], rows,
                  [24, 88, 12, 32, 30], 8)
    doc.para(f"Total expected charges: {usd(t['total'], True)}", 10.5, "B")

    doc.heading("Services to be scheduled separately (not included above)", 10.5)
    items = case.separately_scheduled or ["None are expected for this injection."]
    doc.bullets(items + ["These items or services, and any others scheduled separately before or after this "
                         "visit, are not part of the charges above. To get a Good Faith Estimate for them, ask "
                         f"{case.clinic.name}"
                         + (f", phone {case.clinic.phone}," if case.clinic.phone else "")
                         + " when they are scheduled, or at any time before."])
    doc.heading("Please read", 10.5)
    doc.bullets(t["disclaimers"])
    due = t["deadline"]
    if due and due.latest:
        doc.para(f"Provided under 45 CFR 149.610; due by {due.latest:%B %-d, %Y} ({due.rule}).", 7.5)
    return doc.bytes()
