"""The words of a quote: its line items, the benefit steps, the warnings and the sources.

Everything here reads numbers the engine already computed (row 0 of an engine.Result); it does no
pricing. Steps follow the typical (50th percentile) estimate and give the range where it matters.
This text informs; it is not medical, legal or insurance advice.
"""

from __future__ import annotations

import numpy as np

from .engine import ANESTHESIA, DEFAULT_PLAN_COINSURANCE, FACILITY, PROFESSIONAL, Result
from .geography import Place
from .money import between, pct, usd
from .scenario import Scenario
from .tables import GENERIC_LCD, PROCEDURE_CODES, RefData

TYP = 1


def lines(component: str, res: Result, sc: Scenario, names: dict[str, str]) -> list[dict]:
    """Billing lines of one component with their Medicare amounts (units x amount each)."""
    rc = {k: int(v[0]) for k, v in res.reference_cents.items()}
    if component == "professional":
        out = [{"code": sc.billed_code, "name": names[sc.billed_code], "units": 1,
                "medicare": rc["procedure"] / 100}]
        if rc["units_99152"]:
            out.append({"code": "99152", "name": names["99152"], "units": 1,
                        "medicare": rc["fee_99152"] / 100})
        if rc["units_99153"]:
            out.append({"code": "99153", "name": names["99153"], "units": rc["units_99153"],
                        "medicare": rc["fee_99153"] / 100})
        return out
    if component == "facility":
        return [{"code": sc.billed_code, "name": names[sc.billed_code], "units": 1,
                 "medicare": rc["facility"] / 100}]
    return [{"code": "01937", "name": names["01937"], "units": rc["anesthesia_units_tenths"] / 10,
             "medicare": rc["anesthesia"] / 100}]


def _sum(a: np.ndarray, level: int = TYP) -> float:
    return float(a[:, level, 0].sum())


def _allowed_phrase(sc: Scenario, noncovered: bool) -> str:
    if sc.coverage == "self_pay" or noncovered:
        return "cash price"
    return {"commercial": ("amount your plan allows" if sc.network == "in"
                           else "amount your plan allows for out-of-network care"),
            "medicare": "Medicare-approved amount",
            "medicare_advantage": "amount your plan allows (it follows Medicare's rates)",
            "medicaid": "Medicaid rate"}[sc.coverage]


def _claims_sum(part: np.ndarray, mask: np.ndarray, level: int = TYP) -> float:
    """The sum of one part of the share over the claims in ``mask`` (3,) for row 0."""
    return float(part[:, level, 0][mask].sum())


_CLAIM_NAMES = ("the doctor's", "the facility's", "the anesthesia provider's")


def _who(mask: np.ndarray) -> tuple[str, str]:
    """('the doctor's and the facility's bills', 'go') for the claims in ``mask``."""
    names = [n for n, m in zip(_CLAIM_NAMES, mask) if m] or ["the"]
    many = len(names) > 1
    return (", ".join(names[:-1]) + " and " + names[-1] + " bills" if many else names[0] + " bill",
            "go" if many else "goes")


def _band_words(b: np.ndarray) -> str:
    """'about $672 (between $311 and $1,299)' from a (3,) low/typical/high."""
    rng = "" if np.isclose(b[0], b[2]) else f" ({between(float(b[0]), float(b[2]))})"
    return f"about {usd(float(b[1]))}{rng}"


def steps(sc: Scenario, res: Result, ref: RefData) -> list[str]:
    """The benefit math in plain words, in the order it is applied."""
    sh = res.shares
    noncovered = bool(res.noncovered[0])
    self_pay = sc.coverage == "self_pay" or noncovered
    parts = [f"{label} {usd(res.allowed[c, TYP, 0])}" for c, label in
             ((PROFESSIONAL, "doctor"), (FACILITY, "facility"), (ANESTHESIA, "anesthesia"))
             if res.allowed[c, TYP, 0] > 0]
    total = res.total_allowed[:, 0]
    billed_claims = res.claims[:, TYP, 0] > 0
    oon_pay = res.oon_pay[:, 0] & billed_claims
    oon_none = res.oon_none[:, 0] & billed_claims
    in_net = ~(oon_pay | oon_none)
    out = []
    if sc.allowed is not None:
        out.append(f"You entered a total allowed amount of {usd(sc.allowed)}; it replaces the estimate.")
    else:
        rng = "" if total[0] == total[2] else f" (likely {between(total[0], total[2])})"
        charges = oon_none.any() and not (in_net & billed_claims).any()
        phrase = "total of the providers' charges" if charges else _allowed_phrase(sc, noncovered)
        out.append(f"The {phrase} for this visit {'are' if phrase.endswith('charges') else 'is'} about "
                   f"{usd(total[TYP])}"
                   f"{rng}: " + ", ".join(parts) + ".")
    if oon_pay.any() and sc.coverage == "commercial":
        pct_m = ref.param("oon_allowance_pct_of_medicare", sc.year)
        out.append(f"Out of network, a PPO or POS plan pays on its own allowance, taken here as {pct_m:g}% of the "
                   "Medicare amount for the same service (a stated assumption: plans set their own basis; enter "
                   "your plan's allowed amount if you know it).")
    elif oon_pay.any() and sc.coverage == "medicare_advantage":
        out.append("Out of network, a Medicare Advantage PPO pays on its out-of-network terms on Medicare's "
                   "amount; a provider that takes Medicare may not charge you more than that amount "
                   "(assumed here).")
    if res.plan_type_unknown[0]:
        c = res.cases
        out.append("You did not say your plan type. Out of network a PPO or POS plan pays on its out-of-network "
                   "terms and an HMO or EPO pays nothing (except emergencies): as a PPO you would pay "
                   f"{_band_words(c['ppo'][:, 0])}; as an HMO {_band_words(c['hmo'][:, 0])}. The figures "
                   "below follow a PPO's terms.")
    elif oon_none.any():
        kind = "HMO or EPO" if sc.plan_type in ("hmo", "epo") else "plan"
        out.append(f"Out of network your {kind} pays nothing (this is not an emergency): you owe "
                   f"{_who(oon_none)[0]} in full, about {usd(_claims_sum(sh.patient, oon_none))}, which counts "
                   "toward no deductible or maximum.")
    if res.doctor_protected[0]:
        out.append("The doctor is out of network, but at an in-network hospital or surgery center and without "
                   "your signed notice-and-consent form the No Surprises Act limits you to in-network cost "
                   "sharing, with no balance bill.")
    elif (sc.signed_consent and sc.coverage == "commercial" and (sc.doctor_network or sc.network) == "out"
          and sc.network == "in" and sc.site != "office"):
        out.append("You signed the out-of-network doctor's notice-and-consent form, so the doctor's bill is "
                   "on out-of-network terms and may include a balance bill.")
    if res.nonpar[0]:
        nonpar = ref.param("medicare_nonpar_pct", sc.year)
        anes = res.allowed[ANESTHESIA, TYP, 0] > 0
        out.append(f"The doctor does not participate in Medicare, so Medicare approves {nonpar:g}% of its "
                   "usual amount for the doctor's bill" + (" (and, as assumed here, the anesthesia "
                                                           "provider's)" if anes else "") + ".")
    if noncovered:
        out.append(_noncovered_step(sc, ref))
    if self_pay:
        if not noncovered:
            out.append(f"As a self-pay patient you pay the cash price in full: about "
                       f"{usd(float(res.patient[TYP, 0]))}. Full charges would be about "
                       f"{usd(float(res.total_billed[TYP, 0]))}, so ask each provider for its cash price "
                       "before the visit.")
        return out

    medicare = sc.coverage == "medicare"
    if medicare and sc.qmb:
        out.append("As a Qualified Medicare Beneficiary (QMB) you owe no Medicare deductible or coinsurance: "
                   "Medicaid pays them, and providers may not bill you for them (Social Security Act "
                   "1902(n)(3)(B)). A doctor must accept Medicare's amount, so no excess charge either.")
    if res.deductible_unknown[0]:
        c = res.cases
        typical = ref.param("typical_single_deductible", sc.year)
        out.append("You did not enter your deductible or how much of it is left. If it is already met you would "
                   f"pay {_band_words(c['deductible_met'][:, 0])}; if it is not yet met, at a typical deductible "
                   f"of {usd(typical)} (the average for one person in an employer plan, KFF 2024), "
                   f"{_band_words(c['deductible_not_met'][:, 0])}. The figures below assume it is not yet met.")
    if sc.hdhp:
        out.append("Your HSA-qualified high-deductible plan pays nothing for this service before the deductible "
                   "is met.")
    ded_rem = float(res.ded_remaining[0])
    ded = _claims_sum(sh.deductible, in_net)
    cop = _sum(sh.copay)
    co = _claims_sum(sh.coinsurance, in_net)
    which = "Part B deductible" if medicare else "deductible"
    if sc.copay_timing == "before_deductible" and cop > 0:
        out.append(f"First your {usd(cop)} copay for the procedure; under your plan it does not count "
                   "toward the deductible.")
    if not in_net.any():
        pass
    elif sc.copay_timing == "instead_of_deductible" and not medicare:
        out.append("Your plan's copay for this service replaces the deductible: none of this goes to it.")
    elif medicare and sc.qmb:
        pass
    elif ded_rem <= 0:
        said_met = (sc.deductible_remaining == 0
                    or (sc.deductible is not None and sc.deductible_met >= sc.deductible > 0)
                    or (sc.deductible is None and sc.deductible_met > 0))
        if said_met:
            out.append(f"Your {which} is already met, so none of this goes to it.")
        elif sc.deductible == 0:
            out.append("You entered no deductible, so none of this goes to one.")
        elif sc.coverage == "medicaid":
            out.append("No deductible was entered; Medicaid usually has none, so none is applied.")
        else:
            out.append(f"None of this goes to your {which}.")
    elif ded > 0:
        left = ded_rem - ded
        tail = f"; {usd(left)} of it will still be left to meet" if left > 0.005 else ", which meets it"
        out.append(f"Your first {usd(ded)} goes to your {which} ({usd(ded_rem)} left before this visit)"
                   f"{tail}.")
    if sc.copay_timing in ("after_deductible", "instead_of_deductible") and cop > 0:
        out.append(f"{'Then your' if sc.copay_timing == 'after_deductible' else 'You pay your'} {usd(cop)} "
                   "copay for the procedure.")
    elif sc.copay > 0 and cop == 0 and sc.copay_timing == "after_deductible" and in_net.any():
        out.append("The deductible takes the whole allowed amount, so no copay is left to charge.")
    if res.copay_only[0]:
        out.append("You entered a copay and no coinsurance, so the copay is taken as your whole cost sharing "
                   "for this service: no coinsurance is added.")
    coins = float(res.coinsurance_fraction[0])
    if medicare and co > 0:
        out.append(f"Medicare pays 80% of the rest; you pay {pct(coins)} coinsurance: {usd(co)}.")
        cap = ref.param("hopd_copay_cap", sc.year)
        if sc.site == "hopd" and np.isclose(float(sh.coinsurance[FACILITY, TYP, 0]), cap):
            out.append(f"Your hospital coinsurance for this one service is capped at the Part A deductible "
                       f"({usd(cap)}).")
        if sc.medigap == "g":
            out.append(f"Your Medigap Plan G pays that coinsurance ({usd(_sum(sh.coinsurance))}), "
                       "so you pay only what goes to the deductible.")
        elif sc.medigap == "n":
            kept = _sum(sh.coinsurance) - _sum(sh.supplemental)
            office = ref.param("medigap_n_office_copay", sc.year)
            tail = (f" except up to {usd(office)} for an office visit: you pay {usd(max(kept, 0.0))} of it"
                    if sc.site == "office" else "")
            out.append(f"Your Medigap Plan N pays that coinsurance{tail}. Plan N does not pay a doctor's excess "
                       "charges.")
    elif co > 0:
        base = "what is left after the deductible" + (" and copay" if sc.coinsurance_base == "after_copay"
                                                      else "")
        if sc.copay_timing == "instead_of_deductible":
            base = "what is left after the copay" if sc.coinsurance_base == "after_copay" else "the allowed amount"
        out.append(f"Then you pay {pct(coins)} coinsurance on {base}: {usd(co)}.")
    elif coins == 0 and not medicare and in_net.any() and not res.copay_only[0]:
        out.append("Your plan has no coinsurance for this service.")
    if oon_pay.any():
        oon_ded = _claims_sum(sh.deductible, oon_pay)
        oon_co = _claims_sum(sh.coinsurance, oon_pay)
        ded_note = ", taken as twice the in-network deductible" if sc.oon_deductible is None else ""
        co_note = " (assumed)" if sc.oon_coinsurance is None else ""
        max_note = ("no out-of-network maximum" if np.isinf(res.oon_oop_remaining[0])
                    else f"{usd(float(res.oon_oop_remaining[0]))} left to the out-of-network maximum"
                    + (", taken as twice the in-network one" if sc.oon_oop_max is None else ""))
        who, verb = _who(oon_pay)
        out.append(f"Out of network, {who} {verb} to your out-of-network deductible "
                   f"({usd(float(res.oon_ded_remaining[0]))} left{ded_note}): {usd(oon_ded)}; then "
                   f"{pct(float(res.oon_coinsurance_fraction[0]))} coinsurance{co_note}: {usd(oon_co)}; "
                   f"{max_note}.")
    over = _sum(sh.over_max)
    if res.medicaid_capped[0]:
        limit = ref.param("medicaid_max_coinsurance_pct", sc.year)
        out.append(f"Federal rules allow Medicaid cost sharing of at most {limit:g}% of what Medicaid pays "
                   f"(42 CFR 447.52): your share is cut by {usd(over)}.")
    elif over > 0.005:
        aca = ref.param("aca_max_oop", sc.year)
        why = (f" (your plan's maximum, or the {sc.year} ACA limit of {usd(aca)} for a plan that is not "
               "grandfathered, whichever is less)" if sc.coverage == "commercial" and not sc.grandfathered else "")
        out.append(f"Your out-of-pocket maximum caps your share: with {usd(float(res.oop_remaining[0]))} "
                   f"left to reach it{why}, you pay {usd(ded + cop + co - over)} instead of "
                   f"{usd(ded + cop + co)}." if not oon_pay.any() else
                   f"Your out-of-pocket maximums cap your share, by {usd(over)}{why}.")
    if res.nsa_protected[0]:
        out.append("The anesthesia provider is out of network, but at an in-network hospital or surgery "
                   "center the No Surprises Act limits you to in-network cost sharing, with no balance bill.")
    bal = _sum(sh.balance)
    if res.limiting_charge[0] and bal > 0.005:
        who = "your Medigap Plan G pays" if sc.medigap == "g" else "you pay" + (
            " (Plan N does not pay excess charges)" if sc.medigap == "n" else "")
        out.append(f"The doctor does not accept Medicare's approved amount as full payment, so may charge "
                   f"up to Medicare's limiting charge: {usd(bal)} more than the approved amount, which {who}.")
    elif bal > 0.005:
        out.append(f"Out-of-network providers may also bill you the difference between their charges and "
                   f"what your plan allows: about {usd(bal)}. This balance bill counts toward no maximum.")
    pays = res.patient[:, 0]
    payer = "Medicare and your Medigap plan pay" if (medicare and sc.medigap != "none") else (
        "Medicare and Medicaid pay" if (medicare and sc.qmb) else "Medicare pays" if medicare else "Your plan pays")
    rng = "" if np.isclose(pays[0], pays[2]) else f" ({between(pays[0], pays[2])})"
    cond = []
    if res.deductible_unknown[0]:
        cond.append(f"or {usd(float(res.cases['deductible_met'][TYP, 0]))} if your deductible is already met")
    if res.plan_type_unknown[0]:
        cond.append(f"{usd(float(res.cases['hmo'][TYP, 0]))} with an HMO or EPO")
    when = (" if your deductible is not yet met" if res.deductible_unknown[0] else "") + (
        " and your plan is a PPO" if res.plan_type_unknown[0] else "")
    extra = (", " + "; ".join(cond)) if cond else ""
    out.append(f"In all you would likely pay {usd(float(pays[TYP]))}{when}{extra}{rng}. {payer} about "
               f"{usd(float(res.plan[TYP, 0]))}.")
    return out


def over_frequency_limit(sc: Scenario, ref: RefData) -> bool:
    """Medicare or Medicare Advantage, with the LCD's sessions per region in 12 months already used."""
    return (sc.coverage in ("medicare", "medicare_advantage")
            and sc.prior_sessions >= ref.param("lcd_max_sessions_12mo", sc.year))


def without_required_imaging(sc: Scenario, ref: RefData) -> bool:
    """Medicare or Medicare Advantage billed a code without imaging guidance (62320/62322), which the
    epidural steroid injection LCDs do not cover (they require fluoroscopy or CT guidance)."""
    return (sc.coverage in ("medicare", "medicare_advantage")
            and not ref.imaging_guided[PROCEDURE_CODES.index(sc.billed_code)])


def lcd_name(place: Place, ref: RefData) -> str:
    """The epidural steroid injection LCD of the patient's Medicare contractor (MAC), from the
    locality's carrier number: by number where a public source names it, else in words."""
    mac = ref.macs.get(place.locality.carrier)
    return mac.lcd_name if mac else GENERIC_LCD


def _abn(sc: Scenario) -> str:
    if sc.coverage == "medicare_advantage":
        return ("only if the plan told you in writing before the visit that it would not pay (ask for an "
                "advance coverage decision)")
    return "only if you signed an Advance Beneficiary Notice (ABN) before the visit"


def _noncovered_step(sc: Scenario, ref: RefData) -> str:
    """Why Medicare will probably not pay, and what the estimate uses instead."""
    if over_frequency_limit(sc, ref):
        limit = int(ref.param("lcd_max_sessions_12mo", sc.year))
        return (f"Medicare covers at most {limit} sessions per spine region in 12 months and you have "
                f"had {sc.prior_sessions}, so Medicare will probably not pay: the estimate uses the "
                "providers' cash prices, which you would owe in full.")
    return (f"Medicare covers these injections only with imaging guidance, so it will probably not pay for "
            f"{sc.billed_code} (no imaging): the estimate uses the providers' cash prices, which you would owe "
            f"in full {_abn(sc)}.")


def year_estimates(sc: Scenario, place: Place, ref: RefData) -> list[str]:
    """The caveats about this year's figures that this quote uses (e.g. a CY2026 rate estimated from
    CY2025's weight): data/facility_rates.csv and data/anesthesia_cf.csv, column ``estimate``."""
    keys = []
    if sc.site != "office":
        keys.append(f"facility:{sc.year}:{sc.site}:{sc.billed_code}")
    if sc.sedation == "anesthesia":
        keys.append(f"anes_cf:{sc.year}:{place.locality.key}")
    return [ref.estimates[k] for k in keys if k in ref.estimates]


def _w(code: str, severity: str, message: str) -> dict[str, str]:
    return {"code": code, "severity": severity, "message": message}


def warnings(sc: Scenario, place: Place, res: Result, ref: RefData,
             split_totals: list[tuple[int, float]] | None = None) -> list[dict[str, str]]:
    """Coverage warnings and notes, most important first."""
    out = []
    medicare_like = sc.coverage in ("medicare", "medicare_advantage")
    insured = sc.coverage != "self_pay"
    lcd = lcd_name(place, ref) if medicare_like else ""
    owed = usd(float(res.patient[TYP, 0]))
    if over_frequency_limit(sc, ref):
        out.append(_w("frequency_limit_reached", "warning",
                      f"Under {lcd}, Medicare covers at most "
                      f"{int(ref.param('lcd_max_sessions_12mo', sc.year))} sessions per spine region in "
                      "12 months. This one would likely be denied: the provider should ask you to sign an "
                      "Advance Beneficiary Notice before charging you."))
    if without_required_imaging(sc, ref):
        out.append(_w("medicare_imaging_required", "warning",
                      f"Under {lcd}, Medicare covers these injections only with imaging guidance (live X-ray "
                      f"or CT). Without imaging ({sc.billed_code}) Medicare will likely deny the claim. You "
                      f"would owe the whole bill, about {owed}, {_abn(sc)}; otherwise the provider may not "
                      "bill you for it. Ask whether imaging will be used."))
    if insured and sc.coverage != "medicare":
        out.append(_w("prior_authorization", "warning",
                      "Most plans require prior authorization for epidural injections, often with proof of "
                      "several weeks of medication or physical therapy first. Ask your insurer before you "
                      "book, or the plan may not pay."))
    if medicare_like and not over_frequency_limit(sc, ref):
        out.append(_w("medicare_frequency", "info",
                      "Medicare covers at most "
                      f"{int(ref.param('lcd_max_sessions_12mo', sc.year))} sessions per spine region in a "
                      f"rolling 12 months, under {lcd}."))
    if medicare_like and sc.sedation != "local" and not res.noncovered[0]:
        rc = res.reference_cents
        amount = (res.allowed[ANESTHESIA, TYP, 0] if sc.sedation == "anesthesia"
                  else (rc["units_99152"][0] * rc["fee_99152"][0] + rc["units_99153"][0] * rc["fee_99153"][0]) / 100)
        out.append(_w("medicare_sedation", "warning",
                      f"Under {lcd}, Medicare usually does not consider sedation necessary for these "
                      f"injections. If it is denied you may owe it yourself: about {usd(float(amount))}."))
    if int(res.reference_cents["sedation_99153_unpaid"][0]):
        out.append(_w("sedation_time_not_paid", "info",
                      "Sedation past the first 22 minutes (code 99153) is not paid separately in a hospital or "
                      "surgery center: the facility's staff monitor you and its fee covers them, so there is no "
                      "99153 line here. Only a doctor's office is paid for it."))
    if res.limiting_charge[0]:
        out.append(_w("medicare_limiting_charge", "warning",
                      "A doctor who does not accept assignment may ask you to pay the whole bill at the visit; "
                      "Medicare then sends its share to you. The doctor may not charge more than Medicare's "
                      "limiting charge: ask for a doctor who accepts assignment to pay less."))
    if sc.effective_imaging == "none":
        out.append(_w("no_imaging", "warning",
                      f"Without imaging guidance the injection is billed as {sc.billed_code}, a different "
                      "code, and priced as such. Most epidural injections are done with imaging."))
    elif sc.billed_code != sc.code:
        out.append(_w("code_changed", "info", f"With imaging guidance the injection is billed as "
                                              f"{sc.billed_code}, and priced as such."))
    if sc.effective_imaging in ("fluoroscopy", "ct"):
        out.append(_w("imaging_included", "info",
                      "Live X-ray (fluoroscopy) and CT guidance are both included in the injection's code: "
                      "same code, same price."))
    if sc.sedation == "moderate" and sc.sedation_minutes < 10:
        out.append(_w("sedation_short", "info", "Moderate sedation shorter than 10 minutes is not billed "
                                                "separately."))
    if res.nsa_protected[0]:
        out.append(_w("nsa_protected", "info",
                      "No Surprises Act: an out-of-network anesthesia provider at an in-network hospital or "
                      "surgery center cannot bill you more than your in-network cost sharing."))
    anes_exposed = (sc.sedation == "anesthesia" and sc.effective_anesthesia_network == "out"
                    and not res.nsa_protected[0])
    doctor_exposed = (sc.doctor_network or sc.network) == "out" and not res.doctor_protected[0]
    if res.doctor_protected[0]:
        out.append(_w("nsa_doctor_protected", "info",
                      "No Surprises Act: an out-of-network doctor at an in-network hospital or surgery center "
                      "cannot bill you more than your in-network cost sharing unless you signed a "
                      "notice-and-consent form. You may refuse to sign."))
    if res.oon_none[:, 0].any() and not res.plan_type_unknown[0]:
        out.append(_w("out_of_network_not_covered", "warning",
                      "An HMO or EPO plan pays nothing out of network except for emergencies: you would owe "
                      "the out-of-network provider's whole charge. Ask for an in-network provider or a referral."))
    if res.plan_type_unknown[0]:
        out.append(_w("plan_type_assumed", "warning",
                      "You did not say your plan type. Out of network a PPO or POS plan pays on its own terms but "
                      "an HMO or EPO pays nothing: the range runs from a PPO's terms to an HMO's. Your card or "
                      "plan documents say which you have."))
    if sc.coverage == "commercial" and (sc.network == "out" or anes_exposed or doctor_exposed):
        out.append(_w("balance_billing", "warning",
                      "Out-of-network providers can bill you the difference between their charge and what "
                      "your plan allows. That balance bill counts toward no out-of-pocket maximum."))
        if sc.site == "office":
            out.append(_w("office_not_protected", "warning",
                          "A doctor's own office is not a facility covered by the No Surprises Act's "
                          "balance-billing protections."))
    elif sc.coverage == "commercial" and sc.site != "office":
        out.append(_w("nsa_consent", "info",
                      "If a doctor at your in-network facility turns out to be out of network, they can bill "
                      "you more than in-network cost sharing only if you signed a notice-and-consent form. "
                      "You may refuse to sign."))
    if res.aca_capped[0]:
        aca = ref.param("aca_max_oop", sc.year)
        out.append(_w("oop_max_above_aca_limit", "warning",
                      f"The out-of-pocket maximum you entered is above the {sc.year} ACA limit for in-network "
                      f"care ({usd(aca)} for one person), so the limit was used. A plan bought before March "
                      "2010 and not changed since (grandfathered) need not keep to it: say so if yours is."))
    if res.copay_only[0]:
        out.append(_w("copay_only_assumed", "warning",
                      "You entered a copay and no coinsurance, so the copay was taken as your whole cost sharing "
                      "for this service. If your plan also charges coinsurance, you will pay more: enter it."))
    if res.medicaid_capped[0]:
        out.append(_w("medicaid_cost_sharing_capped", "info",
                      "Federal rules (42 CFR 447.52) limit Medicaid cost sharing for a service to at most "
                      f"{ref.param('medicaid_max_coinsurance_pct', sc.year):g}% of what Medicaid pays (less for "
                      "lower incomes): your share was cut to that limit."))
    if res.coinsurance_assumed[0]:
        out.append(_w("coinsurance_assumed", "warning",
                      f"You did not enter a coinsurance, so {DEFAULT_PLAN_COINSURANCE:g}% was assumed. Enter your "
                      "plan's figure for a closer estimate."))
    if res.deductible_unknown[0]:
        met = res.cases["deductible_met"][TYP, 0]
        not_met = res.cases["deductible_not_met"][TYP, 0]
        out.append(_w("deductible_assumed", "warning",
                      "You did not enter your deductible or how much of it is left, so the estimate covers both: "
                      f"about {usd(float(not_met))} if it is not yet met, about {usd(float(met))} if it is "
                      "already met. Your insurer's app or latest Explanation of Benefits shows what is left."))
    if sc.coverage == "medicare_advantage":
        out.append(_w("medicare_advantage_rules", "info",
                      "Medicare Advantage plans pay Medicare's rates but set their own copays, coinsurance "
                      "and yearly maximum; check your plan's Evidence of Coverage."))
    if sc.coverage == "medicaid":
        out.append(_w("medicaid_cost_sharing", "info",
                      "Medicaid cost sharing is small or none and depends on your state; providers that take "
                      "Medicaid may not bill you the difference."))
    if sc.coverage == "self_pay":
        threshold = usd(ref.param("gfe_dispute_threshold", sc.year))
        days = int(ref.param("gfe_dispute_window_days", sc.year))
        out.append(_w("good_faith_estimate", "info",
                      "Uninsured or paying yourself, you have the right to a written Good Faith Estimate "
                      f"from each provider. If a bill comes in {threshold} or more above it, you can dispute "
                      f"it within {days} days of the bill."))
    if place.split_localities and split_totals:
        totals = dict(split_totals)
        here = totals[place.index]
        named = "; ".join(f"{ref.localities[i].label} {usd(totals[i])}" for i in place.split_localities)
        lo, hi = min(totals.values()), max(totals.values())
        out.append(_w("zip_split_localities", "info",
                      f"CMS splits ZIP code {place.query} between Medicare localities by ZIP+4: {named} "
                      f"(typical total). It was priced for {place.locality.label} ({usd(here)}), as CMS "
                      f"assigns the 5-digit ZIP; across the localities the typical total runs from {usd(lo)} "
                      f"to {usd(hi)}, {usd(hi - lo)} apart. Enter the ZIP+4 (e.g. {place.query}-1234) to "
                      "price your own."))
    elif place.ambiguous and place.matched_by == "state":
        out.append(_w("locality_approximate", "info",
                      f"This state has more than one Medicare locality: priced for {place.locality.label}. "
                      "Enter a ZIP code for a closer estimate."))
    if sc.allowed is not None or any(getattr(sc, f"allowed_{c}") is not None
                                     for c in ("professional", "facility", "anesthesia")):
        out.append(_w("allowed_entered", "info", "The allowed amounts you entered replace the estimate."))
    for note in year_estimates(sc, place, ref):
        out.append(_w("year_estimate", "info", note))
    return out


def sources(sc: Scenario, place: Place, res: Result, ref: RefData) -> list[str]:
    """The data sources behind this quote's numbers, most specific first."""
    y = sc.year
    s = ref.sources
    keys = [f"pfs:{y}", f"gpci:{y}"]
    if sc.site != "office":
        keys.append(f"facility:{y}:{sc.site}:{sc.billed_code}")
    if sc.site == "asc":
        keys.append(f"asc_wage:{y}:{place.locality.key}")
    if sc.sedation == "anesthesia":
        keys += [f"anes_cf:{y}:{place.locality.key}", "anes_units"]
    market = {"commercial": "commercial", "medicaid": "medicaid", "self_pay": "cash"}.get(sc.coverage)
    if res.noncovered[0]:
        market = "cash"
    comps = ["professional"] + (["facility"] if sc.site != "office" else []) + (
        ["anesthesia"] if sc.sedation == "anesthesia" else [])
    for basis in ([market] if market else []) + ["billed"]:
        keys += [f"market:{c}:{sc.site}:{basis}" for c in comps]
    if sc.site != "office" and market:
        keys.append(f"regional:facility:{place.state}" if f"regional:facility:{place.state}" in s
                    else "regional:*")
    if sc.coverage == "medicare":
        keys += [f"param:part_b_deductible:{y}", f"param:part_b_coinsurance:{y}"]
        if sc.site == "hopd":
            keys.append(f"param:hopd_copay_cap:{y}")
        if res.nonpar[0]:
            keys.append(f"param:medicare_nonpar_pct:{y}")
        if res.limiting_charge[0]:
            keys.append(f"param:medicare_limiting_charge_pct:{y}")
    if sc.coverage in ("medicare", "medicare_advantage"):
        keys += [f"mac:{place.locality.carrier}", f"param:lcd_max_sessions_12mo:{y}"]
    if res.deductible_unknown is not None and res.deductible_unknown[0]:
        keys.append(f"param:typical_single_deductible:{y}")
    if res.oon_pay is not None and res.oon_pay[:, 0].any():
        keys += [f"param:oon_allowance_pct_of_medicare:{y}", f"param:oon_coinsurance_default_pct:{y}",
                 f"param:oon_deductible_multiple:{y}", f"param:oon_oop_max_multiple:{y}"]
    if sc.coverage == "commercial" and not sc.grandfathered:
        keys.append(f"param:aca_max_oop:{y}")
    if sc.coverage == "medicaid":
        keys.append(f"param:medicaid_max_coinsurance_pct:{y}")
    if sc.coverage == "medicare" and sc.medigap == "n":
        keys.append(f"param:medigap_n_office_copay:{y}")
    keys.append("zip")
    seen: list[str] = []
    for k in keys:
        v = s.get(k)
        if v and v not in seen:
            seen.append(v)
    return seen


def named_hospital(sc: Scenario, hp: object, res: Result) -> tuple[dict, str, str, dict[str, str] | None]:
    """A named hospital's part of a quote: (the JSON ``hospital`` entry, a step, a sources line, a
    warning or None). ``hp`` is an estimator.named_hospital.HospitalPrice."""
    from .named_hospital import IMPORTED, figure

    basis, amount = figure(hp, sc.coverage, sc.network)
    fac = res.allowed[FACILITY, :, 0]
    noncovered = bool(res.noncovered[0])
    if noncovered and sc.coverage != "self_pay":  # priced as self-pay (not covered by Medicare)
        basis, amount = figure(hp, "self_pay", sc.network)
    uses_own = sc.coverage == "self_pay" or noncovered or (sc.coverage == "commercial" and sc.network != "out")
    who = hp.name.title() if hp.name else f"hospital {hp.ccn}"
    where = f"{who} ({', '.join(x.title() if len(x) > 2 else x for x in (hp.city, hp.state) if x)})"
    dated = f"file dated {hp.file_date}" if hp.file_date else "file undated"
    origin = "your imported price file" if hp.origin == IMPORTED else "its published price file"
    info = {"ccn": hp.ccn, "name": hp.name, "city": hp.city, "state": hp.state, "file_date": hp.file_date or None,
            "figure": None if amount is None or np.isnan(amount) else round(float(amount), 2), "basis": basis,
            "cash_price": None if np.isnan(hp.cash) else hp.cash,
            "gross_charge": None if np.isnan(hp.gross) else hp.gross,
            "payer": hp.payer or None, "origin": hp.origin, "source": hp.source or None,
            "published": hp.published}
    warning = None
    if uses_own and info["figure"] is None:
        warning = _w("hospital_price_not_published", "warning",
                     f"{where} publishes no {basis} for code {sc.billed_code}: the facility fee is the local "
                     f"range, {between(float(fac[0]), float(fac[2]))}.")
        step = (f"Facility fee at {where}: it publishes no {basis} for code {sc.billed_code}, so the local range "
                f"is used ({between(float(fac[0]), float(fac[2]))}).")
    elif uses_own:
        what = (f"the median of its published negotiated rates, {usd(float(fac[TYP]))} (lowest "
                f"{usd(float(fac[0]))}, highest {usd(float(fac[2]))})" if basis.startswith("published range")
                else f"its {basis}, {usd(float(fac[TYP]))}")
        step = f"Facility fee at {where}: {what}, from {origin} ({dated})."
    else:
        step = (f"Facility fee at {where}: {basis}; its published gross charge "
                f"{usd(hp.gross) if not np.isnan(hp.gross) else '(not published)'} is the billed amount "
                f"({dated}).")
    source = (f"{who}, CCN {hp.ccn}: {'imported' if hp.origin == IMPORTED else 'published'} hospital price file "
              f"({dated}){': ' + hp.source if hp.source else ''}; {basis} for code {sc.billed_code}.")
    return info, step, source, warning
