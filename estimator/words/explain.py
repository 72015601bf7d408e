"""The words of a quote: its line items, the benefit steps, the warnings and the sources.

Everything here reads numbers the engine already computed (row 0 of a pipeline Result); it does no
pricing. Steps follow the typical (50th percentile) estimate and give the range where it matters.
This text informs; it is not medical, legal or insurance advice.
"""

from __future__ import annotations

import re

import numpy as np

from estimator.common.i18n import N_, _, ngettext
from estimator.common.money import between, pct, usd
from estimator.pricing.benefit_terms import DEFAULT_PLAN_COINSURANCE
from estimator.pricing.codes import ANESTHESIA, FACILITY, PROFESSIONAL
from estimator.pricing.result import Result
from estimator.reference import payer_bands
from estimator.reference.geography import Place
from estimator.reference.hospitals import display_name
from estimator.reference.tables import GENERIC_LCD, PROCEDURE_CODES, RefData
from estimator.scenario import Scenario

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


def _total_sentence(sc: Scenario, noncovered: bool, charges: bool) -> str:
    """The first step's sentence, with {amount}, {range} and {parts} to fill: one whole sentence per
    kind of total (a translation may need its own grammar for each)."""
    if charges:
        return _("The total of the providers' charges for this visit are about {amount}{range}: {parts}.")
    if sc.coverage == "self_pay" or noncovered:
        return _("The cash price for this visit is about {amount}{range}: {parts}.")
    if sc.coverage == "commercial":
        return (_("The amount your plan allows for this visit is about {amount}{range}: {parts}.")
                if sc.network == "in" else
                _("The amount your plan allows for out-of-network care for this visit is about "
                  "{amount}{range}: {parts}."))
    return {"medicare": _("The Medicare-approved amount for this visit is about {amount}{range}: {parts}."),
            "medicare_advantage": _("The amount your plan allows (it follows Medicare's rates) for this visit is "
                                    "about {amount}{range}: {parts}."),
            "medicaid": _("The Medicaid rate for this visit is about {amount}{range}: {parts}.")}[sc.coverage]


def _claims_sum(part: np.ndarray, mask: np.ndarray, level: int = TYP) -> float:
    """The sum of one part of the share over the claims in ``mask`` (3,) for row 0."""
    return float(part[:, level, 0][mask].sum())


#: The bills (doctor, facility, anesthesia) a sentence names, by which of them it names.
_BILLS = {(True, False, False): N_("the doctor's bill"), (False, True, False): N_("the facility's bill"),
          (False, False, True): N_("the anesthesia provider's bill"),
          (True, True, False): N_("the doctor's and the facility's bills"),
          (True, False, True): N_("the doctor's and the anesthesia provider's bills"),
          (False, True, True): N_("the facility's and the anesthesia provider's bills"),
          (True, True, True): N_("the doctor's, the facility's and the anesthesia provider's bills")}


def _who(mask: np.ndarray) -> tuple[str, int]:
    """('the doctor's and the facility's bills', 2): the bills in ``mask`` in words, and how many."""
    key = tuple(bool(m) for m in mask)
    return _(_BILLS[key]) if key in _BILLS else _("the bill"), max(sum(key), 1)


def _close(a: float, b: float) -> bool:
    """numpy.isclose for two numbers (its default tolerances: 1e-8 absolute, 1e-5 of ``b``),
    without its array machinery (a quote asks it a few times)."""
    return bool(a == b or abs(a - b) <= 1e-8 + 1e-5 * abs(b))


def _band_words(b: np.ndarray) -> str:
    """'about $672 (between $311 and $1,299)' from a (3,) low/typical/high."""
    if _close(b[0], b[2]):
        return _("about {amount}").format(amount=usd(float(b[1])))
    return _("about {amount} ({range})").format(amount=usd(float(b[1])), range=between(float(b[0]), float(b[2])))


def steps(sc: Scenario, res: Result, ref: RefData) -> list[str]:
    """The benefit math in plain words, in the order it is applied (in the current language)."""
    sh = res.shares
    noncovered = bool(res.noncovered[0])
    self_pay = sc.coverage == "self_pay" or noncovered
    part_words = {PROFESSIONAL: N_("doctor {amount}"), FACILITY: N_("facility {amount}"),
                  ANESTHESIA: N_("anesthesia {amount}")}
    parts = [_(part_words[c]).format(amount=usd(res.allowed[c, TYP, 0]))
             for c in (PROFESSIONAL, FACILITY, ANESTHESIA) if res.allowed[c, TYP, 0] > 0]
    total = res.total_allowed[:, 0]
    billed_claims = res.claims[:, TYP, 0] > 0
    oon_pay = res.oon_pay[:, 0] & billed_claims
    oon_none = res.oon_none[:, 0] & billed_claims
    in_net = ~(oon_pay | oon_none)
    out = []
    if sc.allowed is not None:
        out.append(_("You entered a total allowed amount of {amount}; it replaces the estimate.").format(
            amount=usd(sc.allowed)))
    else:
        rng = "" if total[0] == total[2] else " " + _("(likely {range})").format(range=between(total[0], total[2]))
        charges = bool(oon_none.any() and not (in_net & billed_claims).any())
        out.append(_total_sentence(sc, noncovered, charges).format(amount=usd(total[TYP]), range=rng,
                                                                   parts=", ".join(parts)))
    if oon_pay.any() and sc.coverage == "commercial":
        pct_m = ref.param("oon_allowance_pct_of_medicare", sc.year)
        out.append(_("Out of network, a PPO or POS plan pays on its own allowance, taken here as {pct}% of the "
                     "Medicare amount for the same service (a stated assumption: plans set their own basis; enter "
                     "your plan's allowed amount if you know it).").format(pct=f"{pct_m:g}"))
    elif oon_pay.any() and sc.coverage == "medicare_advantage":
        out.append(_("Out of network, a Medicare Advantage PPO pays on its out-of-network terms on Medicare's "
                     "amount; a provider that takes Medicare may not charge you more than that amount "
                     "(assumed here)."))
    if res.plan_type_unknown[0]:
        c = res.cases
        out.append(_("You did not say your plan type. Out of network a PPO or POS plan pays on its out-of-network "
                     "terms and an HMO or EPO pays nothing (except emergencies): as a PPO you would pay "
                     "{ppo}; as an HMO {hmo}. The figures below follow a PPO's terms.").format(
            ppo=_band_words(c['ppo'][:, 0]), hmo=_band_words(c['hmo'][:, 0])))
    elif oon_none.any():
        text = (_("Out of network your HMO or EPO pays nothing (this is not an emergency): you owe {bills} in "
                  "full, about {amount}, which counts toward no deductible or maximum.")
                if sc.plan_type in ("hmo", "epo") else
                _("Out of network your plan pays nothing (this is not an emergency): you owe {bills} in full, "
                  "about {amount}, which counts toward no deductible or maximum."))
        out.append(text.format(bills=_who(oon_none)[0], amount=usd(_claims_sum(sh.patient, oon_none))))
    if res.doctor_protected[0]:
        out.append(_("The doctor is out of network, but at an in-network hospital or surgery center and without "
                     "your signed notice-and-consent form the No Surprises Act limits you to in-network cost "
                     "sharing, with no balance bill."))
    elif (sc.signed_consent and sc.coverage == "commercial" and (sc.doctor_network or sc.network) == "out"
          and sc.network == "in" and sc.site != "office"):
        out.append(_("You signed the out-of-network doctor's notice-and-consent form, so the doctor's bill is "
                     "on out-of-network terms and may include a balance bill."))
    if res.nonpar[0]:
        nonpar = f"{ref.param('medicare_nonpar_pct', sc.year):g}"
        anes = res.allowed[ANESTHESIA, TYP, 0] > 0
        out.append((_("The doctor does not participate in Medicare, so Medicare approves {pct}% of its usual "
                      "amount for the doctor's bill (and, as assumed here, the anesthesia provider's).") if anes
                    else _("The doctor does not participate in Medicare, so Medicare approves {pct}% of its usual "
                           "amount for the doctor's bill.")).format(pct=nonpar))
    if noncovered:
        out.append(_noncovered_step(sc, ref))
    if self_pay:
        if not noncovered:
            out.append(_("As a self-pay patient you pay the cash price in full: about {amount}. Full charges would "
                         "be about {charges}, so ask each provider for its cash price before the visit.").format(
                amount=usd(float(res.patient[TYP, 0])), charges=usd(float(res.total_billed[TYP, 0]))))
        return out

    medicare = sc.coverage == "medicare"
    if medicare and sc.qmb:
        out.append(_("As a Qualified Medicare Beneficiary (QMB) you owe no Medicare deductible or coinsurance: "
                     "Medicaid pays them, and providers may not bill you for them (Social Security Act "
                     "1902(n)(3)(B)). A doctor must accept Medicare's amount, so no excess charge either."))
    if res.deductible_unknown[0]:
        c = res.cases
        typical = ref.param("typical_single_deductible", sc.year)
        out.append(_("You did not enter your deductible or how much of it is left. If it is already met you would "
                     "pay {met}; if it is not yet met, at a typical deductible of {typical} (the average for one "
                     "person in an employer plan, KFF 2024), {not_met}. The figures below assume it is not yet "
                     "met.").format(met=_band_words(c['deductible_met'][:, 0]), typical=usd(typical),
                                    not_met=_band_words(c['deductible_not_met'][:, 0])))
    if sc.hdhp:
        out.append(_("Your HSA-qualified high-deductible plan pays nothing for this service before the deductible "
                     "is met."))
    ded_rem = float(res.ded_remaining[0])
    ded = _claims_sum(sh.deductible, in_net)
    cop = _sum(sh.copay)
    co = _claims_sum(sh.coinsurance, in_net)
    if sc.copay_timing == "before_deductible" and cop > 0:
        out.append(_("First your {amount} copay for the procedure; under your plan it does not count toward the "
                     "deductible.").format(amount=usd(cop)))
    if not in_net.any():
        pass
    elif sc.copay_timing == "instead_of_deductible" and not medicare:
        out.append(_("Your plan's copay for this service replaces the deductible: none of this goes to it."))
    elif medicare and sc.qmb:
        pass
    elif ded_rem <= 0:
        said_met = (sc.deductible_remaining == 0
                    or (sc.deductible is not None and sc.deductible_met >= sc.deductible > 0)
                    or (sc.deductible is None and sc.deductible_met > 0))
        if said_met:
            out.append(_("Your Part B deductible is already met, so none of this goes to it.") if medicare
                       else _("Your deductible is already met, so none of this goes to it."))
        elif sc.deductible == 0:
            out.append(_("You entered no deductible, so none of this goes to one."))
        elif sc.coverage == "medicaid":
            out.append(_("No deductible was entered; Medicaid usually has none, so none is applied."))
        else:
            out.append(_("None of this goes to your Part B deductible.") if medicare
                       else _("None of this goes to your deductible."))
    elif ded > 0:
        left = ded_rem - ded
        if left > 0.005:
            text = (_("Your first {amount} goes to your Part B deductible ({before} left before this visit); "
                      "{left} of it will still be left to meet.") if medicare else
                    _("Your first {amount} goes to your deductible ({before} left before this visit); {left} of "
                      "it will still be left to meet."))
        else:
            text = (_("Your first {amount} goes to your Part B deductible ({before} left before this visit), "
                      "which meets it.") if medicare else
                    _("Your first {amount} goes to your deductible ({before} left before this visit), which "
                      "meets it."))
        out.append(text.format(amount=usd(ded), before=usd(ded_rem), left=usd(left)))
    if sc.copay_timing in ("after_deductible", "instead_of_deductible") and cop > 0:
        out.append((_("Then your {amount} copay for the procedure.") if sc.copay_timing == "after_deductible"
                    else _("You pay your {amount} copay for the procedure.")).format(amount=usd(cop)))
    elif sc.copay > 0 and cop == 0 and sc.copay_timing == "after_deductible" and in_net.any():
        out.append(_("The deductible takes the whole allowed amount, so no copay is left to charge."))
    if res.copay_only[0]:
        out.append(_("You entered a copay and no coinsurance, so the copay is taken as your whole cost sharing "
                     "for this service: no coinsurance is added."))
    coins = float(res.coinsurance_fraction[0])
    if medicare and co > 0:
        out.append(_("Medicare pays 80% of the rest; you pay {pct} coinsurance: {amount}.").format(
            pct=pct(coins), amount=usd(co)))
        cap = ref.param("hopd_copay_cap", sc.year)
        if sc.site == "hopd" and _close(float(sh.coinsurance[FACILITY, TYP, 0]), cap):
            out.append(_("Your hospital coinsurance for this one service is capped at the Part A deductible "
                         "({amount}).").format(amount=usd(cap)))
        if sc.medigap == "g":
            out.append(_("Your Medigap Plan G pays that coinsurance ({amount}), so you pay only what goes to the "
                         "deductible.").format(amount=usd(_sum(sh.coinsurance))))
        elif sc.medigap == "n":
            kept = _sum(sh.coinsurance) - _sum(sh.supplemental)
            office = ref.param("medigap_n_office_copay", sc.year)
            out.append(_("Your Medigap Plan N pays that coinsurance except up to {office} for an office visit: you "
                         "pay {amount} of it. Plan N does not pay a doctor's excess charges.").format(
                office=usd(office), amount=usd(max(kept, 0.0))) if sc.site == "office" else
                _("Your Medigap Plan N pays that coinsurance. Plan N does not pay a doctor's excess charges."))
    elif co > 0:
        if sc.copay_timing == "instead_of_deductible":
            text = (_("Then you pay {pct} coinsurance on what is left after the copay: {amount}.")
                    if sc.coinsurance_base == "after_copay" else
                    _("Then you pay {pct} coinsurance on the allowed amount: {amount}."))
        else:
            text = (_("Then you pay {pct} coinsurance on what is left after the deductible and copay: {amount}.")
                    if sc.coinsurance_base == "after_copay" else
                    _("Then you pay {pct} coinsurance on what is left after the deductible: {amount}."))
        out.append(text.format(pct=pct(coins), amount=usd(co)))
    elif coins == 0 and not medicare and in_net.any() and not res.copay_only[0]:
        out.append(_("Your plan has no coinsurance for this service."))
    if oon_pay.any():
        oon_ded = _claims_sum(sh.deductible, oon_pay)
        oon_co = _claims_sum(sh.coinsurance, oon_pay)
        left = usd(float(res.oon_ded_remaining[0]))
        ded_note = (_("{amount} left, taken as twice the in-network deductible").format(amount=left)
                    if sc.oon_deductible is None else _("{amount} left").format(amount=left))
        coins_words = pct(float(res.oon_coinsurance_fraction[0]))
        co_note = (_("{pct} coinsurance (assumed)") if sc.oon_coinsurance is None
                   else _("{pct} coinsurance")).format(pct=coins_words)
        if np.isinf(res.oon_oop_remaining[0]):
            max_note = _("no out-of-network maximum")
        else:
            max_note = (_("{amount} left to the out-of-network maximum, taken as twice the in-network one")
                        if sc.oon_oop_max is None else
                        _("{amount} left to the out-of-network maximum")).format(
                amount=usd(float(res.oon_oop_remaining[0])))
        who, n = _who(oon_pay)
        out.append(ngettext("Out of network, {bills} goes to your out-of-network deductible ({deductible_note}): "
                            "{deductible}; then {coinsurance_note}: {coinsurance}; {maximum_note}.",
                            "Out of network, {bills} go to your out-of-network deductible ({deductible_note}): "
                            "{deductible}; then {coinsurance_note}: {coinsurance}; {maximum_note}.", n).format(
            bills=who, deductible_note=ded_note, deductible=usd(oon_ded), coinsurance_note=co_note,
            coinsurance=usd(oon_co), maximum_note=max_note))
    over = _sum(sh.over_max)
    if res.medicaid_capped[0]:
        limit = ref.param("medicaid_max_coinsurance_pct", sc.year)
        out.append(_("Federal rules allow Medicaid cost sharing of at most {pct}% of what Medicaid pays "
                     "(42 CFR 447.52): your share is cut by {amount}.").format(pct=f"{limit:g}", amount=usd(over)))
    elif over > 0.005:
        aca = usd(ref.param("aca_max_oop", sc.year))
        why = sc.coverage == "commercial" and not sc.grandfathered
        if oon_pay.any():
            text = (_("Your out-of-pocket maximums cap your share, by {amount} (your plan's maximum, or the {year} "
                      "ACA limit of {limit} for a plan that is not grandfathered, whichever is less).") if why else
                    _("Your out-of-pocket maximums cap your share, by {amount}."))
            out.append(text.format(amount=usd(over), year=sc.year, limit=aca))
        else:
            text = (_("Your out-of-pocket maximum caps your share: with {left} left to reach it (your plan's "
                      "maximum, or the {year} ACA limit of {limit} for a plan that is not grandfathered, whichever "
                      "is less), you pay {capped} instead of {uncapped}.") if why else
                    _("Your out-of-pocket maximum caps your share: with {left} left to reach it, you pay {capped} "
                      "instead of {uncapped}."))
            out.append(text.format(left=usd(float(res.oop_remaining[0])), year=sc.year, limit=aca,
                                   capped=usd(ded + cop + co - over), uncapped=usd(ded + cop + co)))
    if res.nsa_protected[0]:
        out.append(_("The anesthesia provider is out of network, but at an in-network hospital or surgery "
                     "center the No Surprises Act limits you to in-network cost sharing, with no balance bill."))
    bal = _sum(sh.balance)
    if res.limiting_charge[0] and bal > 0.005:
        text = {"g": _("The doctor does not accept Medicare's approved amount as full payment, so may charge up to "
                       "Medicare's limiting charge: {amount} more than the approved amount, which your Medigap "
                       "Plan G pays."),
                "n": _("The doctor does not accept Medicare's approved amount as full payment, so may charge up to "
                       "Medicare's limiting charge: {amount} more than the approved amount, which you pay (Plan N "
                       "does not pay excess charges).")}.get(
            sc.medigap, _("The doctor does not accept Medicare's approved amount as full payment, so may charge up "
                          "to Medicare's limiting charge: {amount} more than the approved amount, which you pay."))
        out.append(text.format(amount=usd(bal)))
    elif bal > 0.005:
        out.append(_("Out-of-network providers may also bill you the difference between their charges and what your "
                     "plan allows: about {amount}. This balance bill counts toward no maximum.").format(
            amount=usd(bal)))
    pays = res.patient[:, 0]
    if medicare and sc.medigap != "none":
        payer = _("Medicare and your Medigap plan pay about {amount}.")
    elif medicare and sc.qmb:
        payer = _("Medicare and Medicaid pay about {amount}.")
    else:
        payer = _("Medicare pays about {amount}.") if medicare else _("Your plan pays about {amount}.")
    rng = "" if _close(pays[0], pays[2]) else f" ({between(pays[0], pays[2])})"
    met = usd(float(res.cases['deductible_met'][TYP, 0])) if res.deductible_unknown[0] else ""
    hmo = usd(float(res.cases['hmo'][TYP, 0])) if res.plan_type_unknown[0] else ""
    if res.deductible_unknown[0] and res.plan_type_unknown[0]:
        text = _("In all you would likely pay {amount} if your deductible is not yet met and your plan is a PPO, "
                 "or {met} if your deductible is already met; {hmo} with an HMO or EPO{range}.")
    elif res.deductible_unknown[0]:
        text = _("In all you would likely pay {amount} if your deductible is not yet met, or {met} if your "
                 "deductible is already met{range}.")
    elif res.plan_type_unknown[0]:
        text = _("In all you would likely pay {amount} and your plan is a PPO, {hmo} with an HMO or EPO{range}.")
    else:
        text = _("In all you would likely pay {amount}{range}.")
    out.append(text.format(amount=usd(float(pays[TYP])), met=met, hmo=hmo, range=rng) + " "
               + payer.format(amount=usd(float(res.plan[TYP, 0]))))
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
    if not mac:
        return _(GENERIC_LCD)
    who = _("your Medicare contractor, {contractor} (jurisdiction {jurisdiction})").format(
        contractor=mac.contractor, jurisdiction=mac.jurisdiction)
    if mac.lcd_id:
        return _("LCD {lcd} of {contractor}").format(lcd=mac.lcd_id, contractor=who)
    return _("the epidural injection coverage rule (local coverage determination, LCD) of {contractor}").format(
        contractor=who)


def _abn(sc: Scenario) -> str:
    if sc.coverage == "medicare_advantage":
        return _("only if the plan told you in writing before the visit that it would not pay (ask for an "
                 "advance coverage decision)")
    return _("only if you signed an Advance Beneficiary Notice (ABN) before the visit")


def _noncovered_step(sc: Scenario, ref: RefData) -> str:
    """Why Medicare will probably not pay, and what the estimate uses instead."""
    if over_frequency_limit(sc, ref):
        limit = int(ref.param("lcd_max_sessions_12mo", sc.year))
        return _("Medicare covers at most {limit} sessions per spine region in 12 months and you have had {count}, "
                 "so Medicare will probably not pay: the estimate uses the providers' cash prices, which you would "
                 "owe in full.").format(limit=limit, count=sc.prior_sessions)
    return _("Medicare covers these injections only with imaging guidance, so it will probably not pay for {code} "
             "(no imaging): the estimate uses the providers' cash prices, which you would owe in full "
             "{condition}.").format(code=sc.billed_code, condition=_abn(sc))


#: The wordings of the data's notes on estimated figures (data/facility_rates.csv and
#: data/anesthesia_cf.csv, column ``estimate``, written by the data build), with what a patient reads
#: instead: the same fact in plain words (the technical note stays in the data and on the methods
#: page). A note in another wording is shown as the data has it.
_ESTIMATE_NOTES = (
    (re.compile(r"The (?P<year>\d{4}) hospital rate is an estimate: CMS's (?P=year) payment weight for APC "
                r"(?P<apc>\w+) is not in the project's data, so (?P<prior>\d{4})'s weight \((?P<weight>[\d.]+)\) "
                r"is priced at (?P=year)'s conversion factor \((?P<factor>\$[\d,.]+)\)\."),
     N_("The {year} hospital rate is an estimate: Medicare's {year} figure for this service is not yet in the "
        "data we use, so the {prior} figure is updated by Medicare's general {year} increase.")),
    (re.compile(r"The (?P<year>\d{4}) anesthesia conversion factor for this locality is an estimate: CMS's "
                r"(?P=year) factor is in the project's data only for (?P<known>[^,]+), so (?P<prior>\d{4})'s "
                r"factor is scaled by the change in the national factor \(which misses those two by "
                r"(?P<miss>[\d.%-]+)\)\."),
     N_("The {year} anesthesia rate for your area is an estimate: Medicare's {year} figure is in the data we "
        "use only for {known}, so the {prior} figure is updated by the national change (which is off by {miss} "
        "for those two).")),
)


def _estimate_note(note: str) -> str:
    """A data note on an estimated figure in the current language (as the data has it if unknown)."""
    for pattern, template in _ESTIMATE_NOTES:
        m = pattern.fullmatch(note)
        if m:
            parts = m.groupdict()
            if parts.get("known"):  # state names: kept as written, joined in the current language
                names = parts["known"].split(" and ")
                parts["known"] = names[0] if len(names) == 1 else _("{first} and {last}").format(
                    first=" and ".join(names[:-1]), last=names[-1])
            return _(template).format(**parts)
    return note


def year_estimates(sc: Scenario, place: Place, ref: RefData) -> list[str]:
    """The caveats about this year's figures that this quote uses (e.g. a CY2026 rate estimated from
    CY2025's weight): data/facility_rates.csv and data/anesthesia_cf.csv, column ``estimate``."""
    keys = []
    if sc.site != "office":
        keys.append(f"facility:{sc.year}:{sc.site}:{sc.billed_code}")
    if sc.sedation == "anesthesia":
        keys.append(f"anes_cf:{sc.year}:{place.locality.key}")
    return [_estimate_note(ref.estimates[k]) for k in keys if k in ref.estimates]


def _w(code: str, severity: str, message: str) -> dict[str, str]:
    return {"code": code, "severity": severity, "message": message}


def warnings(sc: Scenario, place: Place, res: Result, ref: RefData,
             split_totals: list[tuple[int, float]] | None = None) -> list[dict[str, str]]:
    """Coverage warnings and notes, most important first (messages in the current language; codes and
    severities never change with it)."""
    out = []
    medicare_like = sc.coverage in ("medicare", "medicare_advantage")
    insured = sc.coverage != "self_pay"
    lcd = lcd_name(place, ref) if medicare_like else ""
    owed = usd(float(res.patient[TYP, 0]))
    sessions = int(ref.param('lcd_max_sessions_12mo', sc.year))
    if over_frequency_limit(sc, ref):
        out.append(_w("frequency_limit_reached", "warning",
                      _("Under {lcd}, Medicare covers at most {limit} sessions per spine region in 12 months. This "
                        "one would likely be denied: the provider should ask you to sign an Advance Beneficiary "
                        "Notice before charging you.").format(lcd=lcd, limit=sessions)))
    if without_required_imaging(sc, ref):
        out.append(_w("medicare_imaging_required", "warning",
                      _("Under {lcd}, Medicare covers these injections only with imaging guidance (live X-ray or "
                        "CT). Without imaging ({code}) Medicare will likely deny the claim. You would owe the whole "
                        "bill, about {amount}, {condition}; otherwise the provider may not bill you for it. Ask "
                        "whether imaging will be used.").format(lcd=lcd, code=sc.billed_code, amount=owed,
                                                                condition=_abn(sc))))
    if insured and sc.coverage != "medicare":
        out.append(_w("prior_authorization", "warning",
                      _("Most plans require prior authorization for epidural injections, often with proof of "
                        "several weeks of medication or physical therapy first. Ask your insurer before you "
                        "book, or the plan may not pay.")))
    if medicare_like and not over_frequency_limit(sc, ref):
        out.append(_w("medicare_frequency", "info",
                      _("Medicare covers at most {limit} sessions per spine region in a rolling 12 months, under "
                        "{lcd}.").format(limit=sessions, lcd=lcd)))
    if medicare_like and sc.sedation != "local" and not res.noncovered[0]:
        rc = res.reference_cents
        amount = (res.allowed[ANESTHESIA, TYP, 0] if sc.sedation == "anesthesia"
                  else (rc["units_99152"][0] * rc["fee_99152"][0] + rc["units_99153"][0] * rc["fee_99153"][0]) / 100)
        out.append(_w("medicare_sedation", "warning",
                      _("Under {lcd}, Medicare usually does not consider sedation necessary for these injections. "
                        "If it is denied you may owe it yourself: about {amount}.").format(
                          lcd=lcd, amount=usd(float(amount)))))
    if int(res.reference_cents["sedation_99153_unpaid"][0]):
        out.append(_w("sedation_time_not_paid", "info",
                      _("Sedation past the first 22 minutes (code 99153) is not paid separately in a hospital or "
                        "surgery center: the facility's staff monitor you and its fee covers them, so there is no "
                        "99153 line here. Only a doctor's office is paid for it.")))
    if res.limiting_charge[0]:
        out.append(_w("medicare_limiting_charge", "warning",
                      _("A doctor who does not accept assignment may ask you to pay the whole bill at the visit; "
                        "Medicare then sends its share to you. The doctor may not charge more than Medicare's "
                        "limiting charge: ask for a doctor who accepts assignment to pay less.")))
    if sc.effective_imaging == "none":
        out.append(_w("no_imaging", "warning",
                      _("Without imaging guidance the injection is billed as {code}, a different code, and priced "
                        "as such. Most epidural injections are done with imaging.").format(code=sc.billed_code)))
    elif sc.billed_code != sc.code:
        out.append(_w("code_changed", "info", _("With imaging guidance the injection is billed as {code}, and "
                                                "priced as such.").format(code=sc.billed_code)))
    if sc.effective_imaging in ("fluoroscopy", "ct"):
        out.append(_w("imaging_included", "info",
                      _("Live X-ray (fluoroscopy) and CT guidance are both included in the injection's code: "
                        "same code, same price.")))
    if sc.sedation == "moderate" and sc.sedation_minutes < 10:
        out.append(_w("sedation_short", "info", _("Moderate sedation shorter than 10 minutes is not billed "
                                                  "separately.")))
    if res.nsa_protected[0]:
        out.append(_w("nsa_protected", "info",
                      _("No Surprises Act: an out-of-network anesthesia provider at an in-network hospital or "
                        "surgery center cannot bill you more than your in-network cost sharing.")))
    anes_exposed = (sc.sedation == "anesthesia" and sc.effective_anesthesia_network == "out"
                    and not res.nsa_protected[0])
    doctor_exposed = (sc.doctor_network or sc.network) == "out" and not res.doctor_protected[0]
    if res.doctor_protected[0]:
        out.append(_w("nsa_doctor_protected", "info",
                      _("No Surprises Act: an out-of-network doctor at an in-network hospital or surgery center "
                        "cannot bill you more than your in-network cost sharing unless you signed a "
                        "notice-and-consent form. You may refuse to sign.")))
    if res.oon_none[:, 0].any() and not res.plan_type_unknown[0]:
        out.append(_w("out_of_network_not_covered", "warning",
                      _("An HMO or EPO plan pays nothing out of network except for emergencies: you would owe "
                        "the out-of-network provider's whole charge. Ask for an in-network provider or a "
                        "referral.")))
    if res.plan_type_unknown[0]:
        out.append(_w("plan_type_assumed", "warning",
                      _("You did not say your plan type. Out of network a PPO or POS plan pays on its own terms but "
                        "an HMO or EPO pays nothing: the range runs from a PPO's terms to an HMO's. Your card or "
                        "plan documents say which you have.")))
    if sc.coverage == "commercial" and (sc.network == "out" or anes_exposed or doctor_exposed):
        out.append(_w("balance_billing", "warning",
                      _("Out-of-network providers can bill you the difference between their charge and what "
                        "your plan allows. That balance bill counts toward no out-of-pocket maximum.")))
        if sc.site == "office":
            out.append(_w("office_not_protected", "warning",
                          _("A doctor's own office is not a facility covered by the No Surprises Act's "
                            "balance-billing protections.")))
    elif sc.coverage == "commercial" and sc.site != "office":
        out.append(_w("nsa_consent", "info",
                      _("If a doctor at your in-network facility turns out to be out of network, they can bill "
                        "you more than in-network cost sharing only if you signed a notice-and-consent form. "
                        "You may refuse to sign.")))
    if res.aca_capped[0]:
        aca = ref.param("aca_max_oop", sc.year)
        out.append(_w("oop_max_above_aca_limit", "warning",
                      _("The out-of-pocket maximum you entered is above the {year} ACA limit for in-network care "
                        "({limit} for one person), so the limit was used. A plan bought before March 2010 and not "
                        "changed since (grandfathered) need not keep to it: say so if yours is.").format(
                          year=sc.year, limit=usd(aca))))
    if res.copay_only[0]:
        out.append(_w("copay_only_assumed", "warning",
                      _("You entered a copay and no coinsurance, so the copay was taken as your whole cost sharing "
                        "for this service. If your plan also charges coinsurance, you will pay more: enter it.")))
    if res.medicaid_capped[0]:
        out.append(_w("medicaid_cost_sharing_capped", "info",
                      _("Federal rules (42 CFR 447.52) limit Medicaid cost sharing for a service to at most {pct}% "
                        "of what Medicaid pays (less for lower incomes): your share was cut to that limit.").format(
                          pct=f"{ref.param('medicaid_max_coinsurance_pct', sc.year):g}")))
    if res.coinsurance_assumed[0]:
        out.append(_w("coinsurance_assumed", "warning",
                      _("You did not enter a coinsurance, so {pct}% was assumed. Enter your plan's figure for a "
                        "closer estimate.").format(pct=f"{DEFAULT_PLAN_COINSURANCE:g}")))
    if res.deductible_unknown[0]:
        met = res.cases["deductible_met"][TYP, 0]
        not_met = res.cases["deductible_not_met"][TYP, 0]
        out.append(_w("deductible_assumed", "warning",
                      _("You did not enter your deductible or how much of it is left, so the estimate covers both: "
                        "about {not_met} if it is not yet met, about {met} if it is already met. Your insurer's app "
                        "or latest Explanation of Benefits shows what is left.").format(
                          not_met=usd(float(not_met)), met=usd(float(met)))))
    payer_band = _payer_band(sc, place, res)
    if payer_band:
        out.append(payer_band)
    evidence = None if payer_band and "facility" in _payer_bands_used(sc, place, res) else \
        _negotiated_evidence(sc, place, res, ref)
    if evidence:
        out.append(evidence)
    if sc.coverage == "medicare_advantage":
        out.append(_w("medicare_advantage_rules", "info",
                      _("Medicare Advantage plans pay Medicare's rates but set their own copays, coinsurance "
                        "and yearly maximum; check your plan's Evidence of Coverage.")))
    if sc.coverage == "medicaid":
        out.append(_w("medicaid_cost_sharing", "info",
                      _("Medicaid cost sharing is small or none and depends on your state; providers that take "
                        "Medicaid may not bill you the difference.")))
    if sc.coverage == "self_pay":
        threshold = usd(ref.param("gfe_dispute_threshold", sc.year))
        days = int(ref.param("gfe_dispute_window_days", sc.year))
        out.append(_w("good_faith_estimate", "info",
                      _("Uninsured or paying yourself, you have the right to a written Good Faith Estimate from "
                        "each provider. If a bill comes in {threshold} or more above it, you can dispute it within "
                        "{days} days of the bill.").format(threshold=threshold, days=days)))
    if place.split_localities and split_totals:
        totals = dict(split_totals)
        here = totals[place.index]
        named = "; ".join(f"{ref.localities[i].label} {usd(totals[i])}" for i in place.split_localities)
        lo, hi = min(totals.values()), max(totals.values())
        out.append(_w("zip_split_localities", "info",
                      _("CMS splits ZIP code {zip} between Medicare localities by ZIP+4: {localities} (typical "
                        "total). It was priced for {locality} ({amount}), as CMS assigns the 5-digit ZIP; across "
                        "the localities the typical total runs from {low} to {high}, {spread} apart. Enter the "
                        "ZIP+4 (e.g. {zip}-1234) to price your own.").format(
                          zip=place.query, localities=named, locality=place.locality.label, amount=usd(here),
                          low=usd(lo), high=usd(hi), spread=usd(hi - lo))))
    if sc.site != "office" and place.matched_by == "zip" and not sc.hospital:  # else: where the hospital is
        out += _wage_area_warnings(sc, place, ref)
    if place.ambiguous and place.matched_by == "state":
        out.append(_w("locality_approximate", "info",
                      _("This state has more than one Medicare locality: priced for {locality}. Enter a ZIP code "
                        "for a closer estimate.").format(locality=place.locality.label)))
    if sc.allowed is not None or any(getattr(sc, f"allowed_{c}") is not None
                                     for c in ("professional", "facility", "anesthesia")):
        out.append(_w("allowed_entered", "info", _("The allowed amounts you entered replace the estimate.")))
    for note in year_estimates(sc, place, ref):
        out.append(_w("year_estimate", "info", note))
    return out


def _payer_bands_used(sc: Scenario, place: Place, res: Result) -> dict:
    """The payer's own bands (estimator.reference.payer_bands) that priced this quote, by bill."""
    if sc.coverage != "commercial" or not sc.payer or res.noncovered[0] or sc.allowed is not None:
        return {}
    used = payer_bands.lookup(sc.payer, place.state, sc.site, sc.billed_code, sc.year)
    return {c: b for c, b in used.items() if getattr(sc, f"allowed_{c}") is None}


def _payer_band(sc: Scenario, place: Place, res: Result) -> dict[str, str] | None:
    """Which bills rest on the payer's own rates in the state rather than on national ratios."""
    used = _payer_bands_used(sc, place, res)
    if not used:
        return None
    words = {"professional": _("the doctor's fee"), "facility": _("the facility fee")}
    parts = "; ".join(_("{bill}: {low} to {high} times Medicare's amount, {count} providers").format(
        bill=words[c], low=f"{b.low:.2f}", high=f"{b.high:.2f}", count=b.providers) for c, b in used.items())
    first = next(iter(used.values()))
    return _w("payer_band", "info",
              _("Priced on {payer}'s own in-network rates in {state}, from its Transparency in Coverage files "
                "({dates}), rather than national averages ({parts}). Your own provider's rate can still differ: "
                "your plan or the provider can tell you.").format(
                  payer=first.payer, state=place.state, dates=first.file_dates, parts=parts))


_FILES_BY_STATE: dict[str, dict[str, int]] = {}


def _commercial_files_by_state(ref: RefData) -> dict[str, int]:
    """State -> price files with per-insurer rates (data/regional_factors.csv), once per data version."""
    if ref.version not in _FILES_BY_STATE:
        rf = ref.frames["regional_factors"]
        rows = rf[(rf["component"] == "facility") & (rf["basis"] == "commercial")]
        _FILES_BY_STATE[ref.version] = dict(zip(rows["state"], rows["chargemasters"].astype(int)))
    return _FILES_BY_STATE[ref.version]


def _negotiated_evidence(sc: Scenario, place: Place, res: Result, ref: RefData) -> dict[str, str] | None:
    """How much published evidence the commercial in-network facility band rests on: the hospitals
    that publish rates per insurer (data/metadata.json, the commercial basis of the facility model;
    data/regional_factors.csv, the state's count). None where the band is not used: another coverage,
    an office visit, the facility out of network, an entered allowed amount, a named hospital (its own
    rate, or its own words), or a visit priced as self-pay."""
    if (sc.coverage != "commercial" or sc.site == "office" or sc.network == "out" or sc.hospital
            or sc.allowed is not None or sc.allowed_facility is not None or res.noncovered[0]):
        return None
    model = ref.metadata["hospital_facility_model"]["bases"]["commercial"]
    local = _commercial_files_by_state(ref).get(place.state, 0)
    counts = (ngettext("{local} of them from {state}", "{local} of them from {state}", local).format(
        local=local, state=place.state) if local else _("none from {state}").format(state=place.state))
    site = (_("Surgery centers publish no prices: the range is the hospitals' range scaled by a published ratio "
              "of surgery-center to hospital prices.") if sc.site == "asc" else
            _("The range is how far their rates sit above Medicare's, moved to {state}'s level by its hospitals' "
              "published gross charges.").format(state=place.state))
    return _w("negotiated_rate_evidence", "info",
              _("Your plan's negotiated facility rate is estimated: only {hospitals} hospitals publish their rates per "
                "insurer for these codes, in {files} price files ({counts}). {site} The evidence is thin, so the "
                "range is wide; your plan or the facility can tell you the rate itself.").format(
                  hospitals=model["hospitals"], files=model["chargemasters"], counts=counts, site=site))


def _wage_area_warnings(sc: Scenario, place: Place, ref: RefData) -> list[dict]:
    """Where the facility's wage index may not be the patient's area's: a ZIP that CMS splits across
    localities (it may cross a county line too), or a ZIP with no known county."""
    zip5 = place.query[:5]
    if place.wage_area < 0:
        return [_w("wage_area_unknown", "info",
                   _("No wage-index area is known for ZIP code {zip} (its county is not in the project's ZIP data, "
                     "or its metropolitan area was redrawn after the county file the project uses), so the "
                     "facility's Medicare rate uses the wage level set for {locality} (for a surgery center the "
                     "locality's wage index, for a hospital its practice-expense index) rather than the area's "
                     "own.").format(
                       zip=zip5, locality=place.locality.label))]
    if not ref.zip_plus4[int(zip5)]:
        return []
    zw = ref.frames["zip_wage_area"]
    county = zw.loc[zw["zip"] == zip5, "county"].iloc[0]
    areas = ref.frames["wage_index_areas"]
    area = ref.wage_areas[place.wage_area]
    name = areas.loc[(areas["area"] == area) & (areas["year"] == sc.year), "area_name"].iloc[0]
    return [_w("wage_area_split_zip", "info",
               _("ZIP code {zip} spans more than one Medicare locality and may cross a county line: the facility's "
                 "Medicare rate uses the wage index of {county} ({area}), the county the ZIP is listed in; a "
                 "facility in a neighbouring county may be paid on another area's wage index.").format(
                   zip=zip5, county=county, area=name))]


def sources(sc: Scenario, place: Place, res: Result, ref: RefData) -> list[str]:
    """The data sources behind this quote's numbers, most specific first."""
    y = sc.year
    s = ref.sources
    keys = [f"pfs:{y}", f"gpci:{y}"]
    if sc.site != "office":
        keys.append(f"facility:{y}:{sc.site}:{sc.billed_code}")
    if sc.site != "office" and place.wage_area >= 0:
        keys.append(f"wage_area:{y}:{ref.wage_areas[place.wage_area]}")
    elif sc.site == "asc":
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
    extra = [f"{b.payer}: Transparency in Coverage in-network files ({b.file_dates}), {b.providers} tax IDs"
             for b in _payer_bands_used(sc, place, res).values()]
    seen: list[str] = list(dict.fromkeys(extra))
    for k in keys:
        v = s.get(k)
        if v and v not in seen:
            seen.append(v)
    return seen


def named_hospital(sc: Scenario, hp: object, res: Result) -> tuple[dict, str, str, dict[str, str] | None]:
    """A named hospital's part of a quote: (the JSON ``hospital`` entry, a step, a sources line, a
    warning or None). ``hp`` is an estimator.reference.named_hospital.HospitalPrice."""
    from estimator.reference.named_hospital import IMPORTED, figure, system_band

    basis, amount = figure(hp, sc.coverage, sc.network)
    fac = res.allowed[FACILITY, :, 0]
    noncovered = bool(res.noncovered[0])
    if noncovered and sc.coverage != "self_pay":  # priced as self-pay (not covered by Medicare)
        basis, amount = figure(hp, "self_pay", sc.network)
    uses_own = sc.coverage == "self_pay" or noncovered or (sc.coverage == "commercial" and sc.network != "out")
    who = display_name(hp.name) if hp.name else _("hospital {ccn}").format(ccn=hp.ccn)
    where = f"{who} ({', '.join(display_name(x) if len(x) > 2 else x for x in (hp.city, hp.state) if x)})"
    dated = f"file dated {hp.file_date}" if hp.file_date else "file undated"
    info = {"ccn": hp.ccn, "name": hp.name, "display_name": display_name(hp.name) or None, "city": hp.city,
            "state": hp.state, "file_date": hp.file_date or None,
            "figure": None if amount is None or np.isnan(amount) else round(float(amount), 2), "basis": basis,
            "cash_price": None if np.isnan(hp.cash) else hp.cash,
            "gross_charge": None if np.isnan(hp.gross) else hp.gross,
            "payer": hp.payer or None, "origin": hp.origin, "source": hp.source or None,
            "published": hp.published}
    warning = None
    words = (_("{payer}'s published negotiated rate").format(payer=hp.payer)
             if hp.payer and basis == f"{hp.payer}'s published negotiated rate" else _(basis))
    local = between(float(fac[0]), float(fac[2]))
    # A self-pay price the hospital does not publish rests on its health system's where it has one
    # (the engine's market_prices._hospital_band); a commercial rate on the local range.
    system = system_band(hp.ccn, "cash") if sc.coverage == "self_pay" or noncovered else None
    info["band"] = "health_system" if system is not None and info["figure"] is None else "local"
    if uses_own and info["figure"] is None and system is not None:
        warning = _w("hospital_price_not_published", "warning",
                     ngettext("{hospital} publishes no {basis} for code {code}: the facility fee is a range "
                              "estimated from its health system's published prices ({count} other price file of the "
                              "system), {range}.",
                              "{hospital} publishes no {basis} for code {code}: the facility fee is a range "
                              "estimated from its health system's published prices ({count} other price files of "
                              "the system), {range}.", system.chargemasters).format(
                         hospital=where, basis=words, code=sc.billed_code, count=system.chargemasters, range=local))
        step = _("Facility fee at {hospital}: it publishes no {basis} for code {code}, so a range estimated from "
                 "the prices its health system's other hospitals publish is used ({range}).").format(
                     hospital=where, basis=words, code=sc.billed_code, range=local)
    elif uses_own and info["figure"] is None:
        warning = _w("hospital_price_not_published", "warning",
                     _("{hospital} publishes no {basis} for code {code}: the facility fee is the local range, "
                       "{range}.").format(hospital=where, basis=words, code=sc.billed_code, range=local))
        step = _("Facility fee at {hospital}: it publishes no {basis} for code {code}, so the local range is used "
                 "({range}).").format(hospital=where, basis=words, code=sc.billed_code, range=local)
    elif uses_own:
        what = (_("the median of its published negotiated rates, {amount} (lowest {low}, highest {high})").format(
                    amount=usd(float(fac[TYP])), low=usd(float(fac[0])), high=usd(float(fac[2])))
                if basis.startswith("published range")
                else _("its {basis}, {amount}").format(basis=words, amount=usd(float(fac[TYP]))))
        origin_words = _("your imported price file") if hp.origin == IMPORTED else _("its published price file")
        dated_words = (_("file dated {date}").format(date=hp.file_date) if hp.file_date else _("file undated"))
        step = _("Facility fee at {hospital}: {what}, from {origin} ({dated}).").format(
            hospital=where, what=what, origin=origin_words, dated=dated_words)
    else:
        dated_words = (_("file dated {date}").format(date=hp.file_date) if hp.file_date else _("file undated"))
        charge = res.billed[FACILITY, :, 0]
        step = (_("Facility fee at {hospital}: {basis}; its published gross charge {amount} is the billed amount "
                  "({dated}).") if not np.isnan(hp.gross) else
                _("Facility fee at {hospital}: {basis}; it publishes no gross charge, so its charge is estimated, "
                  "{range} ({dated}).")).format(hospital=where, basis=words,
                                               amount=usd(hp.gross) if not np.isnan(hp.gross) else "",
                                               range=between(float(charge[0]), float(charge[2])), dated=dated_words)
    source = (f"{who}, CCN {hp.ccn}: {'imported' if hp.origin == IMPORTED else 'published'} hospital price file "
              f"({dated}){': ' + hp.source if hp.source else ''}; {basis} for code {sc.billed_code}.")
    return info, step, source, warning
