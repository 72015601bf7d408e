"""One scenario -> one quote: the components, totals, the patient/plan split, steps and warnings.

``quote(Scenario(...))`` is the single-scenario API. It encodes the scenario, runs the same
pricing pipeline as the batch API (estimator.pricing.pipeline.run) on one row, and dresses the
numbers with the words rendered from its result (estimator.words). Amounts are US dollars, each as low / typical / high
(10th / 50th / 90th percentile).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from estimator.common import i18n
from estimator.common.i18n import N_, _
from estimator.inputs.fields import MEDIGAP, PLAN_TYPE
from estimator.pricing import pipeline
from estimator.reference import geography, named_hospital, payer_bands
from estimator.reference.tables import COMPONENTS, LEVELS, PROCEDURE_CODES, SITES, YEARS, RefData, code_names, load
from estimator.scenario import COVERAGE, MEDICARE_PROVIDER, SEDATION, Scenario, ScenarioError
from estimator.words import explain

#: Each bill's label in English (the msgid); a quote carries it in the current language.
COMPONENT_LABELS = {"professional": N_("Doctor's fee (professional)"),
                    "facility": N_("Facility fee (hospital or surgery center)"),
                    "anesthesia": N_("Anesthesia provider")}


#: The codes' plain names as data/codes.csv words them (column plain_name), marked for translation:
#: a quote names the codes in the current language (tests/test_i18n.py checks the data still matches).
CODE_NAMES = (N_("Epidural injection, neck or upper back, without imaging guidance"),
              N_("Epidural injection, neck or upper back, with X-ray or CT guidance"),
              N_("Epidural injection, lower back, without imaging guidance"),
              N_("Epidural injection, lower back, with X-ray or CT guidance"),
              N_("Moderate sedation by the doctor doing the procedure, first 15 minutes"),
              N_("Moderate sedation, each further 15 minutes"),
              N_("Anesthesia care for a neck or upper-back spine injection"))


def _bands(named: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """{low, typical, high} of each length-3 array, rounded to cents in one pass (a quote has about
    twenty)."""
    rounded = np.round(np.array(list(named.values()), dtype=float), 2).tolist()
    return {name: dict(zip(LEVELS, v)) for name, v in zip(named, rounded)}


@dataclass
class Quote:
    """A priced scenario. ``to_dict()`` gives the stable JSON shape of the CLI and API."""

    scenario: Scenario
    place: geography.Place
    code: str
    code_name: str
    year: int
    components: list[dict]
    total_allowed: dict[str, float]
    total_billed: dict[str, float]
    total_cost: dict[str, float]  # what the patient and the plan pay together: allowed + any balance bill
    patient_pays: dict[str, float]
    plan_pays: dict[str, float]
    breakdown: dict[str, dict[str, float]]
    steps: list[str]
    warnings: list[dict[str, str]]
    sources: list[str]
    data_version: str
    assumptions: dict[str, object] = field(default_factory=dict)
    #: What the patient would pay in each case the inputs leave open, e.g. {"deductible_met": {low,
    #: typical, high}, "deductible_not_met": {...}} (and "ppo"/"hmo" for an unknown plan type out of
    #: network); empty when nothing that matters was left open.
    patient_pays_if: dict[str, dict[str, float]] = field(default_factory=dict)
    #: The named hospital (``--hospital``): ccn, name, city, state, file_date, figure (dollars: what
    #: the facility fee is priced at, null where not published), basis (which published figure), ...
    hospital: dict | None = None
    #: The language its words (steps, warnings, labels) are in: the current one when it was priced.
    language: str = field(default_factory=i18n.get_language)

    def to_dict(self) -> dict:
        out = {
            "code": self.code, "code_name": self.code_name, "requested_code": self.scenario.code,
            "year": self.year, "site": self.scenario.site, "imaging": self.scenario.effective_imaging,
            "sedation": self.scenario.sedation, "coverage": self.scenario.coverage,
            "network": self.scenario.network, "locality": self.place.to_dict(),
            "components": self.components, "total_allowed": self.total_allowed,
            "total_billed": self.total_billed, "total_cost": self.total_cost, "patient_pays": self.patient_pays,
            "plan_pays": self.plan_pays, "patient_pays_if": self.patient_pays_if, "breakdown": self.breakdown,
            "steps": self.steps,
            "warnings": self.warnings, "sources": self.sources, "assumptions": self.assumptions,
            "data_version": self.data_version, "inputs": self.scenario.to_dict(), "language": self.language,
        }
        if self.hospital is not None:
            out["hospital"] = self.hospital
        return out

    def warning_codes(self) -> list[str]:
        return [w["code"] for w in self.warnings]


def _nan(x: float | None) -> float:
    return np.nan if x is None else float(x)


def encode(sc: Scenario, place: geography.Place, ref: RefData) -> pipeline.Inputs:
    """Encode one validated scenario as one-row engine inputs (one array per dtype, each input a
    one-entry view of it)."""
    ints = {
        "year": YEARS.index(sc.year), "loc": place.index, "state": ref.state_index.get(place.state, 0),
        "wage_area": place.wage_area,
        "code": PROCEDURE_CODES.index(sc.billed_code), "site": SITES.index(sc.site),
        "sedation": SEDATION.index(sc.sedation), "sed_minutes": sc.sedation_minutes,
        "anes_minutes": sc.anesthesia_minutes, "coverage": COVERAGE.index(sc.coverage),
        "medigap": MEDIGAP.index(sc.medigap), "medicare_provider": MEDICARE_PROVIDER.index(sc.medicare_provider),
        "prior_sessions": sc.prior_sessions, "plan_type": PLAN_TYPE.index(sc.plan_type),
    }
    floats = {
        "deductible": _nan(sc.deductible), "deductible_met": sc.deductible_met or 0.0,
        "deductible_remaining": _nan(sc.deductible_remaining), "copay": sc.copay or 0.0,
        "coinsurance_pct": _nan(sc.coinsurance), "oop_max": _nan(sc.oop_max), "oop_met": sc.oop_met or 0.0,
        "oop_remaining": _nan(sc.oop_remaining), "allowed_total": _nan(sc.allowed), "billed_total": _nan(sc.billed),
        "oon_deductible": _nan(sc.oon_deductible), "oon_deductible_met": sc.oon_deductible_met or 0.0,
        "oon_coinsurance_pct": _nan(sc.oon_coinsurance), "oon_oop_max": _nan(sc.oon_oop_max),
        "oon_oop_met": sc.oon_oop_met or 0.0,
    }
    flags = {
        "net_out": sc.network == "out", "anes_out": sc.effective_anesthesia_network == "out",
        "copay_before": sc.copay_timing == "before_deductible",
        "coins_incl_copay": sc.coinsurance_base == "including_copay",
        "doc_out": (sc.doctor_network or sc.network) == "out", "consent": bool(sc.signed_consent),
        "copay_instead": sc.copay_timing == "instead_of_deductible", "grandfathered": bool(sc.grandfathered),
        "hdhp": bool(sc.hdhp), "qmb": bool(sc.qmb),
    }
    arrays: dict[str, np.ndarray] = {}
    for values, dtype in ((ints, np.int64), (floats, float), (flags, bool)):
        arrays.update(zip(values, np.array(list(values.values()), dtype=dtype)[:, None]))
    return pipeline.Inputs(
        **arrays,
        allowed_component=np.array([[_nan(sc.allowed_professional)], [_nan(sc.allowed_facility)],
                                    [_nan(sc.allowed_anesthesia)]]),
        **_hospital_inputs(sc, ref),
        payer_band=payer_bands.encode(np.array([sc.payer], dtype=object), *(np.array([ints[k]]) for k in (
            "state", "site", "code", "year")), ref) if sc.payer and sc.coverage == "commercial" else None,
    )


def _hospital_inputs(sc: Scenario, ref: RefData) -> dict[str, np.ndarray]:
    """A named hospital's figures as engine inputs (none when no hospital is named)."""
    if not sc.hospital:
        return {}
    cash, gross, neg = named_hospital.encode(np.array([sc.hospital], dtype=object),
                                             np.array([sc.billed_code], dtype=object),
                                             np.array([sc.payer or ""], dtype=object), ref)
    band = named_hospital.encode_bands(np.array([str(sc.hospital).strip().upper()], dtype=object), ref)
    return {"hospital_cash": cash, "hospital_gross": gross, "hospital_negotiated": neg, "hospital_band": band}


def _split_totals(sc: Scenario, place: geography.Place, res: pipeline.Result,
                  ref: RefData) -> list[tuple[int, float]] | None:
    """For a 5-digit ZIP that CMS splits across localities: (locality index, typical total cost) for
    each of its localities, priced by the same engine with everything else unchanged."""
    if not place.split_localities:
        return None
    out = []
    for i in place.split_localities:
        alt = res if i == place.index else pipeline.run(ref, encode(
            sc, replace(place, locality=ref.localities[i], index=i), ref))
        total = alt.total_allowed[1, 0] + alt.shares.balance.sum(axis=0)[1, 0]
        out.append((i, round(float(total), 2)))
    return out


def quote(sc: Scenario, ref: RefData | None = None) -> Quote:
    """Price one scenario. Raises ScenarioError (listing every bad field) on invalid input. The words
    (steps, warnings, component labels) are in the current language (estimator.common.i18n); the numbers,
    codes and keys are the same in every language."""
    ref = ref or load()
    if sc.hospital and not (sc.zip or sc.locality or sc.state):  # priced where the hospital is
        zip_code = named_hospital.hospital_zips(ref).get(str(sc.hospital).strip().upper())
        sc = replace(sc, zip=zip_code) if zip_code else sc
    sc = sc.check()  # the values read: text such as "1,500" as numbers
    try:
        place = geography.resolve(ref, sc.zip, sc.locality, sc.state)
    except geography.PlaceError as e:
        raise ScenarioError([e.error]) from None
    if sc.hospital:  # the facility's rate is wage-adjusted where the hospital is
        area = int(named_hospital.hospital_wage_areas(np.array([str(sc.hospital).strip().upper()], dtype=object),
                                                     ref)[0])
        place = replace(place, wage_area=area) if area >= 0 else place
    res = pipeline.run(ref, encode(sc, place, ref))
    names = {code: _(name) for code, name in code_names(ref).items()}
    sh = res.shares
    shown = [c for c in range(len(COMPONENTS)) if res.allowed[c, 1, 0] != 0 or res.billed[c, 1, 0] != 0]
    parts = ("deductible", "copay", "coinsurance", "over_max", "supplemental", "balance")
    b = _bands({
        **{f"{kind} {c}": arr[c, :, 0] for c in shown
           for kind, arr in (("allowed", res.allowed), ("billed", res.billed), ("patient", sh.patient))},
        **{part: getattr(sh, part).sum(axis=0)[:, 0] for part in parts},
        "total_allowed": res.total_allowed[:, 0], "total_billed": res.total_billed[:, 0],
        "total_cost": res.total_allowed[:, 0] + sh.balance.sum(axis=0)[:, 0],
        "patient_pays": res.patient[:, 0], "plan_pays": res.plan[:, 0],
        **{f"if {case}": v[:, 0] for case, v in res.cases.items() if not np.isnan(v[1, 0])},
    })
    components = [{
        "name": COMPONENTS[c], "label": _(COMPONENT_LABELS[COMPONENTS[c]]),
        "lines": explain.lines(COMPONENTS[c], res, sc, names),
        "medicare": round(float(res.reference_cents[COMPONENTS[c]][0]) / 100, 2),
        "allowed": b[f"allowed {c}"], "billed": b[f"billed {c}"],
        "patient_pays": b[f"patient {c}"] if np.isnan(_nan(sc.allowed)) else None,
    } for c in shown]
    steps = explain.steps(sc, res, ref)
    warnings = explain.warnings(sc, place, res, ref, _split_totals(sc, place, res, ref))
    sources = explain.sources(sc, place, res, ref)
    hospital = None
    if sc.hospital:
        hp = named_hospital.lookup(sc.hospital, sc.billed_code, sc.payer, ref)
        hospital, step, source, warning = explain.named_hospital(sc, hp, res)
        steps.insert(0, step)
        sources.insert(0, source)
        if warning:
            warnings.insert(0, warning)
    return Quote(
        scenario=sc, place=place, code=sc.billed_code, code_name=names[sc.billed_code], year=sc.year,
        components=components, total_allowed=b["total_allowed"], total_billed=b["total_billed"],
        total_cost=b["total_cost"], patient_pays=b["patient_pays"], plan_pays=b["plan_pays"],
        breakdown={part: b[part] for part in parts},
        steps=steps, warnings=warnings, sources=sources, data_version=ref.version, hospital=hospital,
        assumptions={"deductible_remaining": float(res.ded_remaining[0]),
                     "coinsurance_pct": round(float(res.coinsurance_fraction[0]) * 100, 4),
                     "oop_remaining": None if np.isinf(res.oop_remaining[0]) else float(res.oop_remaining[0]),
                     "sedation_minutes": sc.sedation_minutes, "anesthesia_minutes": sc.anesthesia_minutes,
                     "oon_deductible_remaining": float(res.oon_ded_remaining[0]),
                     "oon_coinsurance_pct": round(float(res.oon_coinsurance_fraction[0]) * 100, 4),
                     "oon_oop_remaining": (None if np.isinf(res.oon_oop_remaining[0])
                                           else float(res.oon_oop_remaining[0]))},
        patient_pays_if={case: b[f"if {case}"] for case in res.cases if f"if {case}" in b},
    )
