"""The one-page patient summary of a quote (PDF), its CSV twin, and the front desk's printed copy.

The PDF is written for the patient: plain words, no fee-schedule jargon. It says what the visit
would likely cost, how the site of care changes that (``site_saving``), a self-pay patient's right
to a Good Faith Estimate, and the sources in words and years (``plain_sources``). The front desk's
copy (``summary_pdf(..., record=RecordHeader(...))``) adds who the patient is and which saved
record it is. The CSV records every input the quote used and its results.

The patient's PDF is in the current language (``with i18n.use("es"): summary_pdf(q)``; the quote's
own steps and warnings are in the language it was priced in). The front desk's record header and
the CSV's keys stay English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from estimator.common import clock
from estimator.common.i18n import _, clock_time, long_date, numeric_date
from estimator.common.money import between, usd, usd_range
from estimator.common.safe_csv import write_rows
from estimator.documents import Document
from estimator.documents.plain_sources import plain_sources
from estimator.documents.series_section import add_series
from estimator.inputs.fields import FIELDS, applicable
from estimator.planning.compare import TIE_DOLLARS
from estimator.quote import Quote
from estimator.reference.hospitals import display_name
from estimator.reference.tables import SITES, RefData, load
from estimator.scenario import COVERAGE_LABELS, NETWORK_LABELS, SEDATION_LABELS, SITE_LABELS, SITE_PHRASES, Scenario
from estimator.words.guidance import disclaimer, questions


@dataclass(frozen=True)
class RecordHeader:
    """What the front desk's printed copy says about the saved record and the patient."""

    quote_id: str
    saved_by: str
    saved_at: datetime  # timezone-aware (UTC as stored); printed in the clinic's local time
    patient_name: str | None = None
    patient_dob: date | None = None
    patient_ref: str | None = None
    version: int = 1
    replaces: str | None = None


def headline(q: dict) -> str:
    """'You would likely pay $X (between $A and $B).' from a quote's JSON (Quote.to_dict())."""
    p = q["patient_pays"]
    return _("You would likely pay {amount} ({range}).").format(amount=usd(p["typical"], cents=False),
                                                                range=between(p["low"], p["high"]))


def comparable_sites(q: dict, ref: RefData | None = None) -> dict[str, float] | None:
    """What the patient would typically pay at each site of care ($), for the same visit and coverage.

    None when a fair comparison cannot be made from the quote: it was priced with the clinic's own
    prices or entered amounts (which belong to one site), at a named hospital, or with another
    version of the data than the one loaded (a stored quote is not re-priced with newer data).
    """
    from estimator.planning.compare import by_site

    ref = ref or load()
    inputs = dict(q.get("inputs") or {})
    entered = ("allowed", "allowed_professional", "allowed_facility", "allowed_anesthesia", "billed", "hospital")
    if (q.get("data_version") != ref.version or q.get("hospital") or any(inputs.get(k) is not None for k in entered)
            or any(w.get("code") == "clinic_price" for w in q.get("warnings", []))):
        return None
    try:
        sc = Scenario(**{k: v for k, v in inputs.items() if k in Scenario.field_names()})
        table = by_site(sc, ref)
    except Exception:  # noqa: BLE001 - a quote this version cannot re-read is simply not compared
        return None
    return {str(r.site): float(r.patient_pays_typical) for r in table.itertuples()}


def _phrases(sites: list[str]) -> str:
    names = [_(SITE_PHRASES[s]) for s in sites]
    return names[0] if len(names) == 1 else _("{sites} or {last}").format(sites=", ".join(names[:-1]), last=names[-1])


def site_saving(chosen: str, sites: dict[str, float]) -> str:
    """One plain sentence on how the site of care changes what the patient pays.

    ``sites`` maps each site to the patient's typical amount ($). When every site costs about
    the same (within ``TIE_DOLLARS``, e.g. $0 everywhere under Medicaid) it says so and calls no
    site the lowest-cost one.
    """
    low, high = min(sites.values()), max(sites.values())
    cheapest = [s for s in SITES if s in sites and sites[s] - low < TIE_DOLLARS]
    if high - low < TIE_DOLLARS:
        return _("Site of care: every site would likely cost you about the same ({amount}), so the choice of site "
                 "does not change what you pay.").format(amount=usd(low, cents=False))
    if chosen in cheapest:
        tied = [s for s in cheapest if s != chosen]
        more = usd(high - sites[chosen], cents=False)
        if tied:
            return _("Site of care: {site}, as in this estimate, is one of the lowest-cost sites for you (about the "
                     "same at {others}). The costliest site would be about {amount} more.").format(
                site=_(SITE_PHRASES[chosen]), others=_phrases(tied), amount=more)
        return _("Site of care: {site}, as in this estimate, is the lowest-cost site for you. The costliest site "
                 "would be about {amount} more.").format(site=_(SITE_PHRASES[chosen]), amount=more)
    saving = sites[chosen] - low
    return _("Site of care: {sites} would likely cost you about {amount} less than {site}, the site in this "
             "estimate.").format(sites=_phrases(cheapest), amount=usd(saving, cents=False),
                                 site=_(SITE_PHRASES[chosen]))


def gfe_rights(ref: RefData | None = None, year: int | None = None) -> str:
    """A self-pay patient's right to a Good Faith Estimate and to dispute a bill above it (45 CFR 149.610, 620)."""
    ref = ref or load()
    years = [y for (name, y) in ref.parameters if name == "gfe_dispute_threshold"]
    y = year if year in years else max(years)
    threshold = ref.param("gfe_dispute_threshold", y)
    window = int(ref.param("gfe_dispute_window_days", y))
    return _("Paying yourself? You have the right to a Good Faith Estimate: a written estimate, before the visit, "
             "from each provider and facility. If a bill is {amount} or more above a provider's Good Faith Estimate, "
             "you can dispute it within {days} days of the date on the bill. Learn how at "
             "www.cms.gov/nosurprises.").format(amount=usd(threshold, cents=False), days=window)


def summary_pdf(q: dict, today: date | None = None, record: RecordHeader | None = None,
                sites: dict[str, float] | None = None, series: dict | None = None) -> bytes:
    """A one-page PDF from a quote's JSON (Quote.to_dict(), fresh or as stored in the quote log).

    ``record`` makes it the front desk's copy (patient, quote ID, who saved it and when, in the
    clinic's local time). ``sites`` is the patient's typical amount at each site ($); by default
    it is worked out where a fair comparison can be made (``comparable_sites``). ``series`` is a
    planned series of injections (``SeriesPlan.to_dict()``), printed after the steps.
    """
    ref = load()
    sc = Scenario(**{k: v for k, v in q["inputs"].items() if k in Scenario.field_names()})
    sc.site = q["site"]
    doc = Document(_("Cost estimate: epidural injection"))
    doc.heading(_("Your cost estimate: epidural injection"), 14)
    if record is not None:
        saved = clock.local(record.saved_at)
        not_given = _("(not given)")
        who = [_("Patient: {name}").format(name=record.patient_name or not_given),
               _("Date of birth: {date}").format(date=numeric_date(record.patient_dob) if record.patient_dob
                                                 else not_given)]
        if record.patient_ref:
            who.append(_("Reference: {reference}").format(reference=record.patient_ref))
        doc.para("    ".join(who), 9.5, "B")
        quote_id = (_("Quote ID: {quote_id} (version {version}, replaces {replaces})").format(
            quote_id=record.quote_id, version=record.version, replaces=record.replaces) if record.replaces else
            _("Quote ID: {quote_id}").format(quote_id=record.quote_id))
        when = _("Saved by {who} on {date} at {time}").format(who=record.saved_by, date=long_date(saved),
                                                              time=clock_time(saved))
        doc.para("    ".join([quote_id, f"{when} {saved.tzname() or ''}".rstrip(),
                              _("Data version {version}").format(version=q["data_version"])]), 8.5)
    loc = q["locality"]
    doc.para(_("{procedure} (code {code}). Prepared {date} with {year} prices for the {area} area.").format(
        procedure=q["code_name"], code=q["code"], date=(today or date.today()).isoformat(), year=q["year"],
        area=loc["name"]), 8.5)
    site, sedation, cov = SITE_LABELS[q["site"]], SEDATION_LABELS[q["sedation"]], q["coverage"]
    coverage = _(COVERAGE_LABELS[cov])
    if cov == "commercial":
        network = NETWORK_LABELS[q["network"]]
        coverage = _("{coverage}, {network}").format(coverage=coverage, network=_(network).lower())
    doc.para(_("Site: {site}. Sedation: {sedation}. Coverage: {coverage}.").format(
        site=_(site), sedation=_(sedation), coverage=coverage))
    if q.get("hospital"):
        doc.para(_("Hospital: {hospital}.").format(
            hospital=display_name(str(q["hospital"].get("name") or "")) or q["hospital"].get("ccn")))
    doc.heading(headline(q), 13)
    ta, tc = q["total_allowed"], q.get("total_cost", q["total_allowed"])  # quotes saved before total_cost
    total = dict(amount=usd(tc["typical"], cents=False), range=between(tc["low"], tc["high"]))
    doc.para(_("Total cost of care: about {amount} ({range}). You pay it yourself.").format(**total)
             if q["coverage"] == "self_pay" else
             _("Total cost of care: about {amount} ({range}). Your plan pays about {plan}.").format(
                 **total, plan=usd(q["plan_pays"]["typical"], cents=False)), 9.5, "B")
    rows = [[c["label"], usd(c["allowed"]["typical"], True), usd_range(c["allowed"]["low"], c["allowed"]["high"]),
             usd(c["billed"]["typical"], True)] for c in q["components"]]
    rows.append([_("Total"), usd(ta["typical"], True), usd_range(ta["low"], ta["high"]),
                 usd(q["total_billed"]["typical"], True)])
    doc.table([_("Bill"), _("Price paid (typical)"), _("Likely range"), _("Full charge (typical)")], rows,
              [78, 34, 40, 34])
    sites = sites if sites is not None else comparable_sites(q, ref)
    if sites:
        doc.para(site_saving(q["site"], sites), 9.5)
    if q["coverage"] == "self_pay":
        doc.para(gfe_rights(ref, q.get("year")), 9)
    doc.heading(_("How the estimate was worked out"), 10)
    doc.bullets(q["steps"])
    if series and len(series.get("injections", [])) > 1:
        add_series(doc, series)
    warn = [w["message"] for w in q["warnings"] if w["severity"] == "warning"]
    if warn:
        doc.heading(_("Please check"), 10)
        doc.bullets(warn)
    qs = questions(sc)
    doc.heading(_("Questions to ask"), 10)
    doc.bullets([_("Doctor's office: {question}").format(question=x) for x in qs["doctor"][:3]]
                + [_("Insurer: {question}").format(question=x) for x in qs["insurer"][:3]])
    doc.para(_("Sources: {sources}. Data version {version}; the full list is on the app's Data & methods "
               "page.").format(sources="; ".join(plain_sources(q["sources"])), version=q["data_version"]), 6.5)
    doc.para(disclaimer(), 7.5, "I")
    return doc.bytes()


def input_rows(q: Quote) -> list[list[object]]:
    """Every input the quote used, as CSV rows ``[input NAME, "", "", "", value]``.

    The fields that apply to the quote's coverage and sedation (registry order: the place, the
    site, coverage, benefits...), blank where not given, then the place and hospital it resolved
    to, and the values assumed where inputs were left blank.
    """
    given = q.scenario.to_dict() | {"site": q.scenario.site}
    rows: list[list[object]] = []
    for name in applicable(q.scenario.coverage, q.scenario.sedation):
        if name in given and name in FIELDS:
            rows.append([f"input {name}", "", "", "", given[name]])
    for name in ("hospital", "payer"):  # named hospital and clinic contract, wherever they apply
        if given.get(name) and not any(r[0] == f"input {name}" for r in rows):
            rows.append([f"input {name}", "", "", "", given[name]])
    loc = q.place.locality
    rows.append(["used locality", "", "", "", f"{loc.key} {loc.label}"])
    if q.hospital:
        rows.append(["used hospital", "", "", "", f"{q.hospital.get('ccn')} {q.hospital.get('name') or ''}".strip()])
    for name, value in q.assumptions.items():
        rows.append([f"used {name}", "", "", "", "" if value is None else value])
    return rows


def summary_csv(q: Quote) -> str:
    """The quote as CSV: every input it used, then its bills, totals and the patient/plan split.

    Columns: ``item, low, typical, high`` (amounts in dollars) and ``value`` (an input's value).
    """
    rows: list[list[object]] = input_rows(q)
    for c in q.components:
        rows.append([f"{c['name']} allowed", *c["allowed"].values(), ""])
        rows.append([f"{c['name']} billed", *c["billed"].values(), ""])
    for name, band in (("total allowed", q.total_allowed), ("total billed", q.total_billed),
                       ("total cost", q.total_cost), ("you pay", q.patient_pays), ("plan pays", q.plan_pays)):
        rows.append([name, *band.values(), ""])
    rows.append(["code", "", "", "", q.code])
    rows.append(["year", "", "", "", q.year])
    rows.append(["data version", "", "", "", q.data_version])
    for s in plain_sources(q.sources):
        rows.append(["source", "", "", "", s])
    return write_rows(["item", "low", "typical", "high", "value"], rows)
