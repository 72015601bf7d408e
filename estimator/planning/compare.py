"""Comparisons around one scenario: by site of care, by place, and which factor moves the price most.

All pricing goes through the batch engine (quote_frame): each comparison builds the variants of
the scenario as rows and prices them in one call. Amounts are US dollars.
"""

from __future__ import annotations

import pandas as pd

from estimator.batch import quote_frame
from estimator.common.i18n import N_
from estimator.reference.tables import SITES, RefData, load
from estimator.scenario import (
    COVERAGE,
    COVERAGE_LABELS,
    NETWORK_LABELS,
    SEDATION_LABELS,
    SITE_LABELS,
    SITE_SHORT_LABELS,
    Scenario,
)

#: Amounts within this many dollars are "about the same" when sites are compared.
TIE_DOLLARS = 1.0


def sites_tie(table: pd.DataFrame) -> bool:
    """Whether every site in a ``by_site`` table would cost the patient about the same."""
    return bool(table["patient_pays_typical"].max() - table["patient_pays_typical"].min() < TIE_DOLLARS)


def _priced(variants: list[Scenario], ref: RefData | None) -> pd.DataFrame:
    """The variants through the batch engine, plus ``total_cost_typical``: what the patient and the
    plan pay together (the allowed amount plus any balance bill), as on a single quote."""
    out = quote_frame(pd.DataFrame([v.to_dict() for v in variants]), ref)
    out["total_cost_typical"] = out["patient_pays_typical"] + out["plan_pays_typical"]
    return out


def _place_free(sc: Scenario) -> Scenario:
    return sc.changed(zip=None, locality=None, state=None)


def by_site(sc: Scenario, ref: RefData | None = None) -> pd.DataFrame:
    """The scenario at each site of care: site, label, total and patient's low/typical/high."""
    out = _priced([sc.changed(site=s) for s in SITES], ref)
    out["label"] = [SITE_LABELS[s] for s in SITES]
    out["short_label"] = [SITE_SHORT_LABELS[s] for s in SITES]
    return out


def by_state(sc: Scenario, ref: RefData | None = None) -> pd.DataFrame:
    """The scenario priced in each state's main locality (one row per state or territory)."""
    ref = ref or load()
    base = _place_free(sc)
    out = _priced([base.changed(state=s) for s in ref.states], ref)
    return out


def by_locality(sc: Scenario, ref: RefData | None = None) -> pd.DataFrame:
    """The scenario priced in every Medicare locality, with the locality's name and state."""
    ref = ref or load()
    base = _place_free(sc)
    out = _priced([base.changed(locality=loc.key) for loc in ref.localities], ref)
    out["name"] = [loc.label for loc in ref.localities]
    out["locality_state"] = [loc.state for loc in ref.localities]
    return out


def factor_ranges(sc: Scenario, measure: str = "total_cost_typical",
                  ref: RefData | None = None) -> pd.DataFrame:
    """How far each factor moves the price, holding the others at the scenario's values.

    For each factor (site, region, sedation, network, coverage) the scenario is priced at every
    value of that factor; returns factor, the cheapest and dearest value with their amounts, and
    the spread, sorted by spread (largest first). Factor and value names are English (translate
    where shown: ``_(name)``). ``measure`` is a quote_frame column or
    total_cost_typical.
    """
    ref = ref or load()
    variants: list[tuple[str, str, Scenario]] = []
    variants += [(N_("Site of care"), SITE_LABELS[s], sc.changed(site=s)) for s in SITES]
    base = _place_free(sc)
    variants += [(N_("Region"), loc.label, base.changed(locality=loc.key)) for loc in ref.localities]
    variants += [(N_("Sedation"), SEDATION_LABELS[s], sc.changed(sedation=s)) for s in SEDATION_LABELS]
    if sc.coverage in ("commercial", "medicare_advantage"):
        variants += [(N_("Network"), NETWORK_LABELS[n], sc.changed(network=n)) for n in ("in", "out")]
    # Each coverage with the scenario's own values where they apply (Scenario.changed drops the rest).
    variants += [(N_("Coverage"), COVERAGE_LABELS[c], sc.changed(coverage=c)) for c in COVERAGE]
    priced = _priced([v for _, _, v in variants], ref)
    priced["factor"] = [f for f, _, _ in variants]
    priced["value"] = [label for _, label, _ in variants]
    priced = priced[priced["status"] == "ok"]
    rows = []
    for factor, g in priced.groupby("factor", sort=False):
        lo, hi = g.loc[g[measure].idxmin()], g.loc[g[measure].idxmax()]
        rows.append({"factor": factor, "cheapest": lo["value"], "low": lo[measure], "dearest": hi["value"],
                     "high": hi[measure], "spread": hi[measure] - lo[measure]})
    return pd.DataFrame(rows).sort_values("spread", ascending=False).reset_index(drop=True)


def savings(sc: Scenario, ref: RefData | None = None) -> pd.DataFrame:
    """Other ways the patient could pay less than in ``sc`` (besides the site of care).

    Each lever changes one thing the patient can ask about: lighter sedation (only if the doctor
    agrees it is enough), in-network providers, a Medicare doctor who takes the approved amount.
    Returns lever, change (plain words, English: translate where shown), patient_pays_typical with
    the change and saving (dollars, typical), only where the saving is at least $1, largest first.
    """
    ref = ref or load()
    options: list[tuple[str, str, Scenario]] = []
    if sc.sedation != "local":
        options.append(("sedation", N_("numbing medicine only, if your doctor agrees it is enough"),
                        sc.changed(sedation="local")))
    if sc.sedation == "anesthesia":
        options.append(("sedation", N_("light sedation given by the doctor instead of an anesthesia provider, if "
                                    "your doctor agrees"), sc.changed(sedation="moderate")))
    if sc.coverage in ("commercial", "medicare_advantage") and "out" in (sc.network, sc.effective_anesthesia_network):
        options.append(("network", N_("providers who are all in your plan's network"),
                        sc.changed(network="in", anesthesia_network=None)))
    if sc.coverage == "medicare" and sc.medicare_provider != "participating":
        options.append(("medicare_provider", N_("a doctor who takes Medicare's approved amount (participates)"),
                        sc.changed(medicare_provider="participating")))
    columns = ["lever", "change", "patient_pays_typical", "saving"]
    if not options:
        return pd.DataFrame(columns=columns)
    priced = _priced([sc] + [v for _, _, v in options], ref)
    pays = priced["patient_pays_typical"].to_numpy()
    out = pd.DataFrame({"lever": [lever for lever, _, _ in options], "change": [c for _, c, _ in options],
                        "patient_pays_typical": pays[1:], "saving": pays[0] - pays[1:]})
    return out[out["saving"] >= 1].sort_values("saving", ascending=False).reset_index(drop=True)[columns]
