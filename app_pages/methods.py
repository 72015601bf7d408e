"""Data & methods: sources, years, assumptions and limits, generated from the data tables' metadata.

The page's own words are in the current language; what the data files say (their assumptions,
descriptions, sources and methods) is shown as the data has it.
"""

import pandas as pd
import streamlit as st

from estimator.common.i18n import _
from estimator.reference.tables import YEARS, load

ref = load()
meta = ref.metadata

st.title(_("Data & methods"))
st.markdown(_("Every number in an estimate comes from the tables below, built from public sources by a script anyone "
              "can rerun. Data version **{version}**; fee schedule years {years}.").format(
    version=ref.version, years=", ".join(map(str, YEARS))))

st.header(_("In plain words"))
st.markdown(_("""
- **We start from Medicare's own prices** for your area, which the government publishes to the cent
  for every doctor, hospital and surgery center.
- **Other prices are compared with Medicare's.** Insurers, hospitals and surgery centers usually
  charge or pay a multiple of Medicare's price. We measured those multiples from prices that about
  2,000 hospitals publish, and from published studies for doctors, surgery centers and anesthesia.
  Where you choose a hospital near you, its own published prices are used instead.
- **Your plan's rules come last**: your deductible, copay, coinsurance and yearly maximum, applied
  to each bill the way plans apply them. What you did not tell us is assumed and said so beside the
  number.
- **The range** (low to high) is where most prices in your area fall. Tested on hospitals the model
  had not seen, about 8 in 10 of their published prices fell inside the hospital range. Your bill can
  still land outside it.
- **This is an estimate to help you plan**, not medical advice, a bill or a promise of coverage. Ask
  each provider for a written estimate, and your insurer what it will pay.
"""))

st.header(_("Technical details"))
st.caption(_("For readers who want the formulas, sources and tests. The terms below are the fee schedules' own."))
st.subheader(_("How an estimate is made"))
st.markdown(_("""
1. **Medicare's price for each bill**, exact to the cent, for your Medicare payment locality:
   the doctor's fee from the physician fee schedule (relative value units x geographic indices x
   conversion factor), the hospital or surgery-center facility fee, and the anesthesia fee (base
   units plus 15-minute time units, x the local anesthesia conversion factor).
2. **Market prices** as multiples of Medicare's price: what commercial plans pay, what providers
   charge, cash prices and Medicaid rates, each as a band from the 10th to the 90th percentile.
3. **Your plan's rules**: deductible, copay, coinsurance and out-of-pocket maximum, bill by bill;
   balance bills out of network; the No Surprises Act; Medicare's own rules.
"""))
st.subheader(_("How the range is computed"))
st.markdown(_("""
The low, typical and high figures are the 10th, 50th and 90th percentiles of prices for your
Medicare payment area's reference price and your state: the hospital facility bands are national in
width and shifted by state (from the published prices of about 2,000 hospitals); the doctor's,
anesthesia and surgery-center bands are national multiples of Medicare's local price. The bills
are treated as moving together (a high-priced market tends to be high for the doctor, the facility
and the anesthesia alike), so the total's percentile is the sum of the bills' percentiles. What you
pay never falls as the price rises in network, so your low, typical and high are your plan's rules
applied to the low, typical and high totals. Out of network, where a balance bill can shrink as the
plan's allowance grows, your range spans all three price levels.
"""))

st.subheader(_("Choosing the site of care"))
st.markdown(_("""
- **Hospital outpatient department**: the hospital bills a facility fee on top of the doctor's fee.
- **Surgery center**: a smaller facility fee, plus the doctor's fee.
- **Doctor's office**: no facility fee; the doctor's (higher, non-facility) fee covers the office's costs.
- **A clinic owned by a hospital** ("provider-based" or hospital-based office) bills like a hospital
  outpatient department: a hospital facility fee plus the doctor's facility-rate fee, even though it
  looks like an office. Choose **hospital outpatient department** for such a clinic. The bill or the
  appointment letter often names the hospital; ask the office "Is the office part of a hospital? Will
  there be a separate facility fee?"
"""))
st.subheader(_("Medicare's coding and coverage rules"))
st.markdown(_("""
- **Extra sedation time (99153)** is paid only in an office. CMS's fee schedule gives it no payment in
  a hospital or surgery center, where the facility's staff monitor the patient, so it is not priced
  there; the first 15 minutes (99152) is.
- **Imaging guidance is required.** Each Medicare Administrative Contractor (MAC) publishes its own
  local coverage determination (LCD) for epidural steroid injections; they cover these injections only
  with live X-ray or CT guidance and at most four sessions per spine region in 12 months. Without
  imaging (62320, 62322) or past the limit, a Medicare or Medicare Advantage quote is priced at the
  providers' cash prices, because Medicare will likely deny the claim; the patient owes it only after
  signing an Advance Beneficiary Notice (ABN) beforehand (Medicare Advantage: only after the plan said
  in writing beforehand that it would not pay).
- **Your MAC** comes from your Medicare locality's carrier number in CMS's ZIP file
  (data/mac_jurisdictions.csv, with CMS's "Who are the MACs" pages as the source). The quote names your
  MAC; it gives an LCD number only where a public source names that MAC's LCD.
"""))

st.subheader(_("Assumptions"))
st.markdown("\n".join(f"- {a}" for a in meta["assumptions"]))
if meta.get("figures_outside_reference"):
    st.markdown(_("Figures taken from publications outside the bundled reference files:"))
    st.markdown("\n".join(f"- {s}" for s in meta["figures_outside_reference"]))

st.subheader(_("Tables and their sources"))
for name, info in sorted(meta["tables"].items()):
    with st.expander(_("{table}: {description} ({rows} rows)").format(table=name, description=info["description"],
                                                                       rows=f"{info['rows']:,}")):
        st.markdown("\n".join(f"- {s}" for s in info["sources"]) or "- " + _("(derived from the tables above)"))

st.subheader(_("Market bands"))
fr = ref.frames["fee_ranges"]
st.dataframe(fr[["component", "site", "basis", "low", "typical", "high", "method", "source"]].rename(columns={
    "component": _("Bill"), "site": _("Site"), "basis": _("Basis"), "low": _("Low"), "typical": _("Typical"),
    "high": _("High"), "method": _("Method"), "source": _("Source")}), hide_index=True, width="stretch")
st.subheader(_("Medicare and regulatory parameters"))
params = ref.frames["medicare_parameters"]
by_year = params.pivot_table(index=["parameter", "unit"], columns="year", values="value").reset_index()
st.dataframe(by_year.rename(columns=str).rename(columns={"parameter": _("Parameter"), "unit": _("Unit")}),
             hide_index=True, width="stretch")
st.subheader(_("Hospital facility bands, tested on hospitals they never saw"))
model = meta.get("hospital_facility_model", {})
if model:
    names = {"billed": _("Gross charge"), "cash": _("Cash price"), "commercial": _("Commercial negotiated rate")}
    st.markdown(_("Fitted on each hospital's own published price for 62321 divided by its Medicare rate, national -> "
                  "state, a shared chargemaster counted once. Checked by {folds}-fold cross-validation, whole health "
                  "systems held out together: a calibrated 10th-90th band holds about 8 in 10 hospitals it never "
                  "saw.").format(folds=model["folds"]))
    st.dataframe(pd.DataFrame([{_("price"): names[b], _("hospitals"): v["hospitals"],
                                _("held-out share inside the band"): f"{v['cv_coverage_10_90']:.0%}",
                                _("below"): f"{v['cv_below']:.0%}", _("above"): f"{v['cv_above']:.0%}",
                                _("median width (high / low)"): f"{v['cv_median_width_high_over_low']:.1f}x"}
                               for b, v in model["bases"].items()]), hide_index=True, width="stretch")
st.subheader(_("Hospital evidence (eight detailed price files)"))
hosp = ref.frames["calibration_hospitals"]
st.dataframe(pd.DataFrame(hosp[["hospital_name", "state", "medicare_rate", "commercial_ratio", "gross_ratio",
                                "cash_ratio", "medicare_advantage_ratio"]]).rename(columns={
    "hospital_name": _("Hospital"), "state": _("State"), "medicare_rate": _("Medicare rate"),
    "commercial_ratio": _("Commercial / Medicare"), "gross_ratio": _("Gross charge / Medicare"),
    "cash_ratio": _("Cash price / Medicare"), "medicare_advantage_ratio": _("Medicare Advantage / Medicare")}),
    hide_index=True, width="stretch")

st.subheader(_("Known limitations"))
st.markdown(_("""
- 2026 hospital rates use 2025's payment weight with 2026's conversion factor (the 2026 weight is
  not in the data); 2026 anesthesia factors are CMS's own for Alabama and Alaska and estimated
  elsewhere. A 2026 quote that uses one of these says so in its notes. 2026 physician fees are
  CMS's own, exact to the cent.
- The LCD numbers of the Medicare contractors are not in the data: a quote names your contractor and
  its coverage rule in words.
- Surgery-center fees use a wage index for your Medicare locality's metropolitan area, or a typical
  area of your state where the locality covers more than one (see the assumptions).
- Hospital facility bands rest on about 2,000 hospitals' published prices, but they are state-level:
  unless you choose a hospital under "Hospitals near you" (then its own published cash price, gross
  charge or negotiated rates price the facility fee), they do not know which hospital will bill, or
  its type (a critical-access hospital and an academic centre get the same band). Commercial rates
  rest on the few dozen hospitals that publish them per payer, Medicaid facility rates on four. The
  largest source keeps the largest figure in a hospital's file for each code. Surgery-center and
  office prices are not published: they rest on published ratios that are not specific to this
  injection. Your own plan's contracted rates can differ; an insurer's estimate for your exact
  providers is the better figure when you can get one.
- Plans differ in how copays and coinsurance combine; the options under "More options" cover the
  common conventions.
"""))
st.caption(_("Code descriptions are the project's own plain-language names; CPT descriptors are copyright "
             "the American Medical Association."))
