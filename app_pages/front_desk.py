"""Front desk: a keyboard-first quote form, saving to the quote log, and Good Faith Estimates."""

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import access, store
from dashboard.safe_text import md
from estimator import gfe
from estimator.common import i18n
from estimator.common.i18n import N_, _
from estimator.common.money import between, usd
from estimator.frontdesk import desk
from estimator.frontdesk.clinic_prices import quote_with_prices
from estimator.inputs.fields import FIELDS as REGISTRY
from estimator.inputs.fields import keep_applicable
from estimator.inputs.parsing import scenario_from_strings
from estimator.records.quote_record import QuoteRecord
from estimator.reference.tables import load
from estimator.scenario import (
    COVERAGE_LABELS,
    FieldError,
    InputError,
)

ROOT = Path(__file__).resolve().parents[1]
PROFILE = Path(os.environ.get("ESTIMATOR_CLINIC_PROFILE", ROOT / "examples" / "clinic_profile.json"))
#: The desk's short labels where the registry's are written for patients; the rest come from the registry
#: (English msgids: each is translated where shown, ``label``).
SHORT_LABELS = {"site": N_("Site of care"), "deductible_remaining": N_("Deductible left"), "copay": N_("Copay"),
                "coinsurance": N_("Coinsurance"), "oop_remaining": N_("Out-of-pocket left"), "network": N_("Network"),
                "coverage": N_("Coverage"), "medigap": N_("Medigap plan"),
                "medicare_provider": N_("Doctor's Medicare status")}
SCENARIO_FIELDS = ["zip", "site", "sedation", "coverage", "network", "deductible_remaining", "copay", "coinsurance",
                   "oop_remaining", "medigap", "medicare_provider"]
LABELS = {**{f: SHORT_LABELS.get(f, REGISTRY[f].label.replace(" ($)", "").replace(" (%)", ""))
             for f in SCENARIO_FIELDS},
          "patient_name": N_("Patient name"), "patient_dob": N_("Date of birth"), "patient_ref": N_("Reference"),
          "service_date": N_("Service date"), "scheduled_on": N_("Scheduled on"),
          "diagnosis_codes": N_("Diagnosis codes"), "separately_scheduled": N_("Scheduled separately")}
#: The Good Faith Estimate case's fields (desk.gfe_case), named by the form's boxes they come from.
LABELS |= {"patient.name": LABELS["patient_name"], "patient.dob": LABELS["patient_dob"],
           "patient.reference": LABELS["patient_ref"], "service.date": LABELS["service_date"],
           "service.scheduled_on": LABELS["scheduled_on"]}
FIELDS = [*SCENARIO_FIELDS[:5], "payer", *SCENARIO_FIELDS[5:], "patient_name", "patient_dob", "patient_ref",
          "service_date", "scheduled_on", "diagnosis_codes", "separately_scheduled"]
CHOICES = {f: REGISTRY[f].choice_labels for f in SCENARIO_FIELDS if REGISTRY[f].kind == "choice"}
DEFAULTS = {"payer": "", **{f: REGISTRY[f].default for f in CHOICES}}
# The clinic profile's own defaults (its ZIP code, usual site...) start the form, where they are valid.
DEFAULTS |= {k: v for k, v in store.clinic_defaults(str(PROFILE)).items()
             if k in FIELDS and (k not in CHOICES or v in CHOICES[k])}



def label(field: str) -> str:
    """A field's label on this form, in the page's language; an item of a list by its number
    (``diagnosis_codes[1]``: the second diagnosis code)."""
    base, _bracket, index = field.partition("[")
    if base not in LABELS:
        return field
    return f"{_(LABELS[base])} ({int(index.rstrip(']')) + 1})" if index.rstrip("]").isdigit() else _(LABELS[base])


staff = access.require_staff()
log = store.quote_log()
prices = store.price_list()

st.title(_("Front desk"))
st.caption(_("Tab between fields; Enter quotes; Ctrl+S saves; Alt+N starts a new patient. Clinic defaults (ZIP, "
             "site, sedation, coverage) are remembered for this session."))
#: Results and confirmations go here, under the title, where the clerk looks first (and in a toast).
top = st.container()


def notify(text: str, icon: str) -> None:
    """A toast, kept in the session until shown, so one raised just before a rerun is not lost."""
    st.session_state.setdefault("fd_toasts", []).append((text, icon))


for toast_text, toast_icon in st.session_state.pop("fd_toasts", []):
    st.toast(md(toast_text), icon=toast_icon)

# A correction from the quote log arrives as ?correct=QUOTE_ID: load that record and start the form from it.
correct_id = st.query_params.get("correct")
if correct_id:
    del st.query_params["correct"]
    try:
        source = desk.correction_source(log, correct_id)
    except (InputError, desk.StorageError) as e:
        st.error(md(_("Cannot correct: {reason}").format(
            reason=e.errors[0].message if isinstance(e, InputError) else e)), icon=":material/error:")
    else:
        for f, val in desk.correction_values(source).items():
            st.session_state[f"fd_{f}"] = st.session_state[f"fdw_{f}"] = val
        for role, amount in desk.correction_cash_prices(source).items():
            st.session_state[f"fd_cash_{role}"] = amount
        st.session_state["fd_replaces"] = source.id
        st.session_state["fd_submitted"] = True
        st.session_state.pop("fd_saved", None)

# Restore the last-used values (kept under fd_*) into the form's widgets (fdw_*).
for f in FIELDS:
    st.session_state.setdefault(f"fd_{f}", DEFAULTS.get(f, ""))
    st.session_state.setdefault(f"fdw_{f}", st.session_state[f"fd_{f}"])
replacing = st.session_state.get("fd_replaces")
if replacing:
    st.info(_("Correcting quote **{quote_id}**: saving creates a new version that replaces it.").format(
        quote_id=md(replacing)))
    if st.button(_("Cancel the correction")):
        st.session_state.pop("fd_replaces")
        st.rerun()


def remember() -> None:
    for f in FIELDS:
        st.session_state[f"fd_{f}"] = st.session_state[f"fdw_{f}"]
    st.session_state["fd_submitted"] = True
    st.session_state.pop("fd_saved", None)
    st.session_state.pop("fd_confirm", None)


#: What belongs to one patient: cleared by "New patient" (the clinic's ZIP, site, sedation, coverage and
#: network stay, as they are the desk's defaults).
PATIENT_FIELDS = ("patient_name", "patient_dob", "patient_ref", "service_date", "scheduled_on", "diagnosis_codes",
                  "payer", "deductible_remaining", "copay", "coinsurance", "oop_remaining")


def new_patient() -> None:
    """Start over for the next patient: clear their details and the last result."""
    for f in PATIENT_FIELDS:
        st.session_state[f"fd_{f}"] = st.session_state[f"fdw_{f}"] = DEFAULTS.get(f, "")
    for k in ("fd_submitted", "fd_saved", "fd_replaces", "fd_confirm", "fd_result"):
        st.session_state.pop(k, None)


st.button(_("New patient"), icon=":material/person_add:", on_click=new_patient, shortcut="alt+n",
          key="fd_new_patient",
          help=_("Clears the patient's name, date of birth, reference, plan amounts, payer and Good Faith Estimate "
                 "details, and the last result; keeps ZIP, site, sedation and coverage. Alt+N."))


def choice(col, name: str, shown_as: str | None = None, options: dict[str, str] | None = None) -> None:
    """A drop-down of the registry's choices (labels in the page's language), or of ``options``."""
    if options is None:
        options = {k: _(v) for k, v in CHOICES[name].items()}
    col.selectbox(shown_as or label(name), list(options), format_func=options.get, key=f"fdw_{name}")


#: What a blank box means on this form, where the form asks for the amount left rather than the plan's total.
BLANK = {"deductible_remaining": (N_("blank = not known"), N_("Blank: not known, so the estimate runs from already "
                                                             "met to not yet met; for Original Medicare, the whole "
                                                             "Part B deductible.")),
         "copay": ("0", ""), "coinsurance": ("20", ""),
         "oop_remaining": (N_("blank = plan's"), N_("Blank: an employer or marketplace plan's is the year's ACA "
                                                   "limit; otherwise none."))}


def number_box(col, name: str) -> None:
    """A text box for an amount, labelled and explained from the field registry."""
    spec = REGISTRY[name]
    unit = " (%)" if spec.kind == "percent" else " ($)"
    placeholder, blank = BLANK[name]
    col.text_input(label(name) + unit, key=f"fdw_{name}", placeholder=_(placeholder) if placeholder else None,
                   help=" ".join(_(x) for x in (spec.help, blank) if x) or None)


with st.form("front_desk_quote", enter_to_submit=True, border=True):
    c = st.columns(3)
    c[0].text_input(_("ZIP code"), key="fdw_zip", max_chars=10, placeholder="35203")
    choice(c[1], "site")
    choice(c[2], "sedation")
    c = st.columns(3)
    choice(c[0], "coverage")
    choice(c[1], "network")
    payers = {"": _("(no contract on file)"), **{p: p for p in (prices.payers() if prices else [])}}
    if st.session_state["fdw_payer"] not in payers:
        st.session_state["fdw_payer"] = ""
    choice(c[2], "payer", _("Payer (clinic contract)"), payers)
    c = st.columns(4)
    for col, name in zip(c, ("deductible_remaining", "copay", "coinsurance", "oop_remaining")):
        number_box(col, name)
    with st.expander(_("Original Medicare details")):
        c = st.columns(2)
        choice(c[0], "medigap")
        choice(c[1], "medicare_provider")
    c = st.columns(3)
    c[0].text_input(_("Patient name"), key="fdw_patient_name", max_chars=200)
    c[1].text_input(_("Date of birth (YYYY-MM-DD)"), key="fdw_patient_dob", max_chars=10)
    c[2].text_input(_("Reference (MRN or account)"), key="fdw_patient_ref", max_chars=64)
    with st.expander(_("Good Faith Estimate details (uninsured or self-pay)")):
        c = st.columns(3)
        c[0].text_input(_("Service date (YYYY-MM-DD)"), key="fdw_service_date", max_chars=10)
        c[1].text_input(_("Scheduled on (YYYY-MM-DD)"), key="fdw_scheduled_on", max_chars=10)
        c[2].text_input(_("Diagnosis codes (ICD-10-CM, commas)"), key="fdw_diagnosis_codes", placeholder="M54.12",
                        help=_("With or without the dot: M5412 is M54.12."))
        st.text_area(_("Services scheduled separately (one a line; printed on the estimate as not included)"),
                     key="fdw_separately_scheduled", max_chars=2000, height=68,
                     placeholder=_("Follow-up visit about two weeks after the injection"))
    st.form_submit_button(_("Quote"), type="primary", on_click=remember)

v = {f: str(st.session_state[f"fd_{f}"]).strip() for f in FIELDS}


def show_failure(e: InputError | desk.StorageError, prefix: str) -> None:
    """A failure as error boxes: one per problem for bad input, the message for a storage failure."""
    for message in ([err.message if err.field in ("replaces", "created_by") else
                     f"{label(err.field)}: {err.message}" for err in e.errors]
                    if isinstance(e, InputError) else [str(e)]):
        st.error(md(f"{prefix}{message}"), icon=":material/error:")


if st.session_state.get("fd_submitted"):
    errors: list[FieldError] = []
    sc = None
    try:
        entered = {k: v[k] for k in SCENARIO_FIELDS if v[k]}
        used = keep_applicable(entered)
        unused = [label(k) for k in entered if k not in used and v[k] != DEFAULTS.get(k)]
        if unused:
            coverage = v["coverage"]
            st.caption(md(_("Not used for {coverage}: {fields}").format(
                coverage=_(COVERAGE_LABELS[coverage]) if coverage in COVERAGE_LABELS else _("this coverage"),
                fields=", ".join(unused))))
        sc = scenario_from_strings(used, load())
    except InputError as e:
        errors += e.errors
    dob = None
    try:
        dob = desk.parse_day(v["patient_dob"], "patient_dob", birth=True)
    except InputError as e:
        errors += e.errors
    for err in errors:
        st.error(md(f"{label(err.field)}: {err.message}"), icon=":material/error:")
    if sc and not errors:
        q = quote_with_prices(sc, prices, v["payer"] or None)
        d = q.to_dict()
        st.session_state["fd_result"] = d
        p, t = d["patient_pays"], d["total_allowed"]
        c1, c2, c3 = st.columns(3)
        c1.metric(_("Patient pays (typical)"), usd(p["typical"], cents=True), border=True,
                  help=between(p["low"], p["high"]).capitalize())
        c2.metric(_("Likely range"), f"{usd(p['low'], cents=False)} - {usd(p['high'], cents=False)}", border=True)
        c3.metric(_("Total allowed"), usd(t["typical"], cents=True), border=True, help=between(t["low"], t["high"]))
        words = (_("Bill"), _("Codes"))
        bills = pd.DataFrame([{words[0]: comp["label"], words[1]: ", ".join(li["code"] for li in comp["lines"]),
                               _("Allowed (typical)"): comp["allowed"]["typical"], _("Low"): comp["allowed"]["low"],
                               _("High"): comp["allowed"]["high"], _("Billed (typical)"): comp["billed"]["typical"]}
                              for comp in d["components"]])
        st.dataframe(bills, hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="dollar") for c in bills.columns
                                    if c not in words})
        with st.expander(_("Steps, warnings and sources")):
            # Steps and sources can name the clinic's payers (cells of an uploaded price list): escaped.
            st.markdown("\n".join(f"{i}. {md(s)}" for i, s in enumerate(d["steps"], 1)))
            st.markdown("\n".join(f"- {md(w['message'])}" for w in d["warnings"]))
            st.caption(md(" | ".join([*d["sources"][:6], _("data version {version}").format(
                version=d["data_version"])])))

        patient = desk.Patient(v["patient_name"] or None, dob, v["patient_ref"] or None)
        inputs = desk.record_inputs(sc, v["payer"])

        def save(how, outputs: dict, confirmed: bool = False) -> str | None:
            """Save with ``how`` (desk.save_quote or desk.save_gfe); a failure is shown, not raised.
            Returns the saved record's ID (None when nothing was saved).

            The same patient as the last save with other inputs is asked about first (the name may have
            been left from the previous patient); the same patient and inputs again is not saved twice.
            """
            kind = "gfe" if how is desk.save_gfe else "quote"
            last = st.session_state.get("fd_last")
            check = None if confirmed or replacing else desk.reuse_check(last, patient, inputs, kind)
            if check == "repeat":
                st.session_state["fd_saved"] = last.id
                notify(_("Already saved as {quote_id}: nothing changed.").format(quote_id=last.id), ":material/info:")
                return last.id
            if check == "changed":
                st.session_state["fd_confirm"] = {"kind": kind, "outputs": outputs, "previous": last.id}
                notify(_("Same patient as the last save, other details: confirm below the Save button."),
                       ":material/help:")
                return None
            try:
                saved = how(log, inputs, outputs, staff, patient, replaces=replacing)
                st.session_state["fd_saved"] = saved.id
                st.session_state["fd_last"] = desk.LastSave.of(saved)
                st.session_state.pop("fd_replaces", None)
                st.session_state.pop("fd_confirm", None)
                notify(_("Saved as {quote_id}").format(quote_id=saved.id), ":material/check:")
                return saved.id
            except (InputError, desk.StorageError) as e:
                with top:
                    show_failure(e, _("Not saved: "))
                notify(_("Not saved: the reason is at the top of the page."), ":material/error:")
                return None

        b1, b2 = st.columns(2)
        if b1.button(_("Save quote"), type="primary", shortcut="ctrl+s", disabled=not staff,
                     help=_("Saves the quote with its data version; Ctrl+S.") if staff else
                     _("Enter your name first.")):
            save(desk.save_quote, d)
        cash: dict[str, float | None] = {}
        if v["coverage"] == "self_pay":
            # Each provider's own price goes on the estimate: ask for those the clinic has none for.
            needed = desk.gfe_prices_needed(sc, d, prices, PROFILE)
            if needed:
                st.caption(_("For a Good Faith Estimate, give each provider's own cash price (no price list or "
                             "clinic profile has one):"))
                c = st.columns(len(needed))
                for col, need in zip(c, needed):
                    cash[need.role] = col.number_input(_("{provider}: cash price ($)").format(provider=need.label),
                                                       min_value=0.0,
                                                       max_value=1_000_000.0, value=None, step=10.0,
                                                       key=f"fd_cash_{need.role}")
        doc_lang = "en"
        if v["coverage"] == "self_pay":
            st.session_state.setdefault("fd_gfe_lang", i18n.get_language())
            doc_lang = st.radio(_("Good Faith Estimate in"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
                                horizontal=True, key="fd_gfe_lang",
                                help=_("The language the patient reads: the estimate's words change, its amounts, "
                                       "codes and dates do not."))
        if v["coverage"] == "self_pay" and b2.button(_("Save and issue Good Faith Estimate"), disabled=not staff,
                                                     shortcut="ctrl+g"):
            try:
                case_dict = desk.gfe_case(sc, patient, service_date=v["service_date"], scheduled_on=v["scheduled_on"],
                                          diagnosis_codes=v["diagnosis_codes"], clinic_profile=PROFILE,
                                          separately_scheduled=v["separately_scheduled"], cash_prices=cash)
                request = desk.gfe_request_key(inputs, {**case_dict, "lang": doc_lang}, staff or "", patient)
                issued = st.session_state.setdefault("fd_gfe_issued", {})
                if request in issued:  # pressed again for the same estimate: show it, save nothing more
                    st.session_state["fd_saved"] = issued[request]
                    st.info(_("Already saved as **{quote_id}**; nothing new was saved.").format(
                        quote_id=issued[request]))
                    outputs = None
                else:
                    outputs = desk.gfe_outputs(case_dict, prices, lang=doc_lang)
            except InputError as e:
                show_failure(e, _("Good Faith Estimate: "))
            else:
                saved_now = save(desk.save_gfe, outputs) if outputs is not None else None
                if saved_now:
                    issued[request] = saved_now
        pending = st.session_state.get("fd_confirm")
        if pending:
            who = md(v["patient_name"] or v["patient_ref"] or _("this patient"))
            st.warning(_("**{who}** was just saved as {quote_id} with other details. Is this the same patient? If "
                         "it is a new patient, start a new patient and enter their details.").format(
                who=who, quote_id=md(pending["previous"])), icon=":material/help:")
            y, n, _rest = st.columns([2, 2, 3])
            if y.button(_("Yes, same patient: save again for {who}").format(who=who), type="primary",
                        key="fd_confirm_yes"):
                save(desk.save_gfe if pending["kind"] == "gfe" else desk.save_quote, pending["outputs"],
                     confirmed=True)
                st.rerun()
            n.button(_("No: new patient"), key="fd_confirm_no", on_click=new_patient)
        saved_id = st.session_state.get("fd_saved")
        for toast_text, toast_icon in st.session_state.pop("fd_toasts", []):
            st.toast(md(toast_text), icon=toast_icon)
        rec = None
        if saved_id:
            try:
                rec = desk.get_record(log, saved_id)
            except (InputError, desk.StorageError) as e:
                show_failure(e, "")
        if rec:
            record = QuoteRecord(rec)
            pays = record.patient_pays
            version = (_(" (version {version}, replaces {replaces})").format(version=rec.version,
                                                                             replaces=rec.replaces_id)
                       if rec.replaces_id else "")
            patient_name = _(" for {name}").format(name=md(rec.patient_name)) if rec.patient_name else ""
            top.success(_("Saved as **{quote_id}**{version}{patient}: patient pays {amount} (typical).").format(
                quote_id=rec.id, version=version, patient=patient_name, amount=md(usd(pays["typical"], cents=True))),
                icon=":material/check:")
            if record.is_gfe:
                st.download_button(_("Download the Good Faith Estimate (PDF)"), record.gfe_pdf(),
                                   file_name=f"GFE-{rec.id}.pdf", mime="application/pdf", on_click="ignore",
                                   type="primary")
                due = desk.gfe_deadline(rec.outputs)
                st.caption(_("Due by {date}: {rule}.").format(date=i18n.long_date(due.latest, weekday=True),
                                                               rule=due.rule) if due.latest else due.rule)
            else:
                st.download_button(_("Print the patient summary (PDF)"), record.summary_pdf,
                                   file_name=f"estimate-{rec.id}.pdf", mime="application/pdf", on_click="ignore")
        if not PROFILE.exists() or PROFILE.parent.name == "examples":
            st.caption(_("Good Faith Estimates use the clinic profile {file}; set ESTIMATOR_CLINIC_PROFILE to "
                         "your clinic's own file (format in the README).").format(file=PROFILE.name))

with st.expander(_("Good Faith Estimate deadline and bill check")):
    c = st.columns(3)
    sched = c[0].date_input(_("Scheduled on"), value=None, key="dl_sched", format="YYYY-MM-DD")
    serv = c[1].date_input(_("Service date"), value=None, key="dl_serv", format="YYYY-MM-DD")
    req = c[2].date_input(_("Or: requested on"), value=None, key="dl_req", format="YYYY-MM-DD")
    if (sched and serv) or req:
        due = gfe.deadline(sched, serv, req)
        when = (_("Issue by {date}").format(date=i18n.long_date(due.latest, weekday=True)) if due.latest else
                _("Not required"))
        st.markdown(f"**{when}**: {due.rule}.")
    c = st.columns(3)
    est = c[0].number_input(_("Estimate for one provider ($)"), min_value=0.0, value=None, key="bc_est")
    billed = c[1].number_input(_("That provider's bill ($)"), min_value=0.0, value=None, key="bc_bill")
    bill_date = c[2].date_input(_("Date on the bill"), value=None, key="bc_date", format="YYYY-MM-DD")
    if est is not None and billed is not None and bill_date:
        provider = _("This provider")
        check = gfe.check_bill({provider: est}, {provider: billed}, bill_date)[0]
        (st.warning if check.can_dispute else st.info)(check.message)
