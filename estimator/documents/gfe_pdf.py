"""The Good Faith Estimate as a PDF, with every element 45 CFR 149.610(c) asks for.

The disclaimers are written in the project's own words; the data tables supply the dispute
threshold and window.
"""

from __future__ import annotations

import contextlib

from estimator.common.i18n import _, long_date, numeric_date
from estimator.common.money import usd
from estimator.documents import Document
from estimator.gfe import ROLE_LABELS, GfeCase, GfeLine, deadline
from estimator.quote import Quote
from estimator.reference.tables import RefData, load
from estimator.scenario import SEDATION_LABELS, SITE_PHRASES


def gfe_text(case: GfeCase, q: Quote, lines: list[GfeLine], ref: RefData | None = None) -> dict[str, object]:
    """The GFE's sections as data (used for the PDF and for checking its contents), in the current
    language (estimator.common.i18n): the amounts, codes and dates are the same in every language."""
    ref = ref or load()
    year = case.issued_on.year if ("gfe_dispute_threshold", case.issued_on.year) in ref.parameters else q.year
    threshold = usd(ref.param("gfe_dispute_threshold", year))
    window = int(ref.param("gfe_dispute_window_days", year))
    sc = case.scenario
    primary = _("{name} (service code {code}): an injection of medicine into the space around the spinal cord in "
                "the neck or upper back, given as an outpatient at {site}, with {sedation}.").format(
                    name=q.code_name, code=q.code, site=_(SITE_PHRASES[sc.site]),
                    sedation=_(SEDATION_LABELS[sc.sedation]).lower())
    when = (_("Scheduled for {date}.").format(date=long_date(case.service_date)) if case.service_date
            else _("Not yet scheduled (estimate given on request)."))
    total = round(sum(li.amount for li in lines), 2)
    disclaimers = [
        # 149.610(c)(1)(ix): only an estimate, and the charges may differ
        _("This Good Faith Estimate shows the costs of items and services that are reasonably expected for your "
          "health care needs for an item or service. It is based on information known at the time it was created."),
        _("It is only an estimate: the items, services and charges you actually receive may differ from it, and "
          "you may be billed more than the amounts shown."),
        # 149.610(c)(1)(xi): not a contract, no obligation to use these providers
        _("This Good Faith Estimate is not a contract, and it does not require you to get the items or services "
          "from any of the providers or facilities named in it."),
        # 149.610(c)(1)(viii): other items or services scheduled separately are not included
        _("There may be other items or services your provider recommends as part of your care that must be "
          "scheduled or requested separately; they are not included in this estimate. You can ask for a separate "
          "Good Faith Estimate for them."),
        # 149.610(c)(1)(x) and 149.620: the right to dispute, when, and where to learn how
        _("If you are billed {threshold} or more above the expected charges of any one provider or facility named "
          "here, you have the right to dispute the bill through the patient-provider dispute resolution process. "
          "You must start it within {window} calendar days of the date on the bill. A fee applies, and it is "
          "refunded if the dispute goes your way.").format(threshold=threshold, window=window),
        _("Starting a dispute will not change or lessen the quality of the health care you receive from any "
          "provider or facility: it cannot be held against you."),
        _("To learn about your rights and how to start a dispute, visit www.cms.gov/nosurprises or call the "
          "federal No Surprises Help Desk at 1-800-985-3059."),
        _("Keep a copy of this Good Faith Estimate in a safe place, with the bills you receive: you will need it "
          "if you dispute a bill."),
    ]
    due = None
    with contextlib.suppress(ValueError):  # no dates to work from: the PDF simply omits the deadline
        due = deadline(case.scheduled_on, case.service_date, case.requested_on)
    return {"primary": primary, "when": when, "total": total, "disclaimers": disclaimers, "deadline": due}


def gfe_pdf(case: GfeCase, q: Quote, lines: list[GfeLine], ref: RefData | None = None) -> bytes:
    """The Good Faith Estimate document, in the current language (build the quote and lines in the
    same language: their service names are worded by the engine)."""
    t = gfe_text(case, q, lines, ref)
    clinic = case.clinic
    doc = Document(_("Good Faith Estimate"))
    doc.heading(_("Good Faith Estimate for Health Care Items and Services"), 14)
    doc.para(_("Issued {date} by {clinic}").format(date=long_date(case.issued_on), clinic=clinic.name)
             + (f", {clinic.address}" if clinic.address else "")
             + (_(", phone {phone}").format(phone=clinic.phone) if clinic.phone else "") + ".")
    doc.heading(_("Patient"), 10.5)
    doc.para(_("Patient name: {name}    Date of birth: {dob}").format(name=case.patient_name,
                                                                       dob=numeric_date(case.patient_dob))
             + (_("    Reference: {ref}").format(ref=case.patient_ref) if case.patient_ref else ""))
    doc.heading(_("Primary service"), 10.5)
    doc.para(t["primary"])
    doc.para(t["when"])
    doc.para(_("Diagnosis codes (ICD-10-CM): {codes}").format(codes=", ".join(case.diagnosis_codes)))

    doc.heading(_("Expected charges, by provider and facility"), 10.5)
    for role in ("professional", "facility", "anesthesia"):
        role_lines = [li for li in lines if li.role == role]
        if not role_lines:
            continue
        p = role_lines[0].provider
        doc.para(f"{_(ROLE_LABELS[role])}: {p.name}    NPI: {p.npi}    TIN: {p.tin}", 9, "B")
        doc.para(_("Location where the service is expected: {address} ({state})").format(address=p.address,
                                                                                         state=p.state), 8.5)
        rows = [[li.code, li.description, f"{li.units:g}", ", ".join(case.diagnosis_codes), usd(li.amount, True)]
                for li in role_lines]
        subtotal = sum(li.amount for li in role_lines)
        rows.append(["", _("Total expected charges for this provider"), "", "", usd(subtotal, True)])
        doc.table([_("Service code"), _("Service"), _("Units"), _("Diagnosis codes"), _("Expected charge")], rows,
                  [24, 88, 12, 32, 30], 8)
    doc.para(_("Total expected charges: {amount}").format(amount=usd(t["total"], True)), 10.5, "B")

    doc.heading(_("Services to be scheduled separately (not included above)"), 10.5)
    items = case.separately_scheduled or [_("None are expected for this injection.")]
    ask = (_("These items or services, and any others scheduled separately before or after this visit, are not part "
             "of the charges above. To get a Good Faith Estimate for them, ask {clinic}{phone} when they are "
             "scheduled, or at any time before.").format(
                 clinic=clinic.name, phone=_(", phone {phone},").format(phone=clinic.phone) if clinic.phone else ""))
    doc.bullets([*items, ask])
    doc.heading(_("Please read"), 10.5)
    doc.bullets(t["disclaimers"])
    due = t["deadline"]
    if due and due.latest:
        doc.para(_("Provided under 45 CFR 149.610; due by {date} ({rule}).").format(date=long_date(due.latest),
                                                                                   rule=due.rule), 7.5)
    return doc.bytes()
