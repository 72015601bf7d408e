"""Hospital-aware facility bands: what a hospital that publishes no price is likely to charge, from
the published prices of the other hospitals of its health system.

Hospitals of one health system set their prices together, even where they keep separate
chargemasters. On the state model's scale (estimator.databuild.market_model: y = ln(price / the
hospital's own Medicare rate), d = y - mu - u_state, one observation per chargemaster), the system
adds its own level:

    d = w_system + e,   w_system ~ N(0, tau_sys^2),   e ~ N(0, sigma_sys^2),

with tau_sys^2 and sigma_sys^2 estimated by the method of moments over the systems with two or more
chargemasters. For a hospital, the system effect is the mean d of its system's OTHER chargemasters,
shrunk by Z = m tau_sys^2 / (m tau_sys^2 + sigma_sys^2) (m = how many there are), and its band is

    exp(mu + u_state + Z x mean d + s_h x q_sys).

Systems differ in how alike their hospitals' prices are (some share one price list, some do not),
so a hospital's scale s_h is its own system's: the variance of its siblings' d (m - 1 degrees of
freedom) pooled toward sigma_sys^2 with a prior weight nu0 estimated from how much the systems'
variances differ beyond sampling (Smyth's empirical-Bayes moment estimator), plus the uncertainty
of the shrunk effect, which falls as m grows. q_sys are the 10th / 50th / 90th percentiles of the
same prediction, studentised by its scale, made for every chargemaster of a multi-chargemaster system
with its own chargemaster left out (each chargemaster counted once).
A hospital with no other chargemaster in its system keeps the state band.

Out of sample (``cross_validate``) whole chargemasters are held out (with every hospital and state
that shares one), never a system: a named hospital that publishes nothing is a hospital whose
siblings do. Units: multiples of Medicare (dimensionless).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from estimator.databuild import market_model as mm

BASES = {"billed": "gross_charge", "cash": "cash_price"}


@dataclass
class SystemModel:
    """One basis's system level: variance components and the predictive residual quantiles."""

    basis: str
    tau2: float
    sigma2: float
    q: np.ndarray  # quantiles of the studentised predictive residuals (multiply by a hospital's scale)
    units: pd.DataFrame  # chargemaster_id, system, d: the chargemasters behind the effects
    nu0: float = float("inf")  # prior weight (chargemasters) of sigma_sys^2 in a system's own spread


def _units(obs: pd.DataFrame, state: mm.StateModel, column: str) -> pd.DataFrame:
    """One row per chargemaster of a named system (one, whatever states its hospitals are in): its
    mean d = y - mu - u_state, the state effect estimated without the chargemaster itself (as for a
    hospital the state model never saw)."""
    d = mm._observations(obs, column)  # noqa: SLF001
    loo = mm._loo_effect(d, mm._units(d), state.mu, state.tau2, state.sigma2)  # noqa: SLF001
    d = d.assign(d=d["y"] - state.mu - loo)
    d = d[d["system_id"].fillna("") != ""]
    return d.groupby("chargemaster_id").agg(d=("d", "mean"), system=("system_id", "first")).reset_index()


def _loo(units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each chargemaster: (sum, sum of squares, count) of d over the other chargemasters of its system."""
    g = units.groupby("system")["d"]
    d = units["d"]
    squares = (d ** 2).groupby(units["system"]).transform("sum") - d ** 2
    return ((g.transform("sum") - d).to_numpy(), squares.to_numpy(),
            (g.transform("size") - 1).to_numpy(float))


def _scale(total: np.ndarray, squares: np.ndarray, m: np.ndarray, tau2: float, sigma2: float,
           nu0: float) -> np.ndarray:
    """The predictive scale of a hospital from ``m`` sibling chargemasters (their sum and sum of
    squares of d): the system's own spread, its siblings' variance pooled toward sigma_sys^2 with
    prior weight nu0 (scaled-inverse-chi^2 update, m - 1 degrees of freedom), plus the uncertainty
    of the shrunk system effect, tau^2 sigma^2 / (m tau^2 + sigma^2)."""
    df = np.maximum(m - 1, 0)
    own = np.divide(squares - np.divide(total ** 2, m, out=np.zeros_like(m), where=m > 0), df,
                    out=np.full_like(m, sigma2), where=df > 0)
    spread = sigma2 if np.isinf(nu0) else (nu0 * sigma2 + df * np.maximum(own, 0)) / (nu0 + df)
    return np.sqrt(spread + tau2 * spread / (m * tau2 + spread))


_MAX_HALF_WEIGHT = 1e8  # nu0 / 2 beyond this is taken as infinite (the common spread for all)


def _prior_weight(multi: pd.DataFrame) -> float:
    """How much systems' own spreads differ beyond sampling: the prior degrees of freedom nu0 of
    the systems' within variances, by Smyth's (2004, limma) moment estimator. A system's log sample
    variance, corrected by digamma(df / 2) - ln(df / 2), has sampling variance trigamma(df / 2); what
    the observed variance exceeds that by is trigamma(nu0 / 2). inf when nothing is left (every
    system gets the common spread)."""
    g = multi.groupby("system")["d"]
    n = g.size().to_numpy(float)
    v = g.var(ddof=1).to_numpy()
    ok = (n >= 2) & (v > 0)  # a system whose chargemasters all publish the same price says nothing here
    if ok.sum() < 3:
        return float("inf")
    df = n[ok] - 1
    e = np.log(v[ok]) - special.digamma(df / 2) + np.log(df / 2)
    return prior_weight_of_excess(float(np.var(e, ddof=1) - np.mean(special.polygamma(1, df / 2))))


def prior_weight_of_excess(extra: float) -> float:
    """nu0 solving trigamma(nu0 / 2) = ``extra`` (the variance of the corrected log variances beyond
    sampling). trigamma falls from +inf to 0 over (0, inf) and is about 1e-8 at 1e8: an excess at or
    below that is none a sample of systems can tell from zero, and gives inf."""
    if not extra > float(special.polygamma(1, _MAX_HALF_WEIGHT)):
        return float("inf")
    return 2.0 * optimize.brentq(lambda x: float(special.polygamma(1, x)) - extra, 1e-8, _MAX_HALF_WEIGHT)


def fit(obs: pd.DataFrame, state: mm.StateModel, basis: str) -> SystemModel:
    """The system level for ``basis`` (billed or cash) on top of the fitted state model."""
    units = _units(obs, state, BASES[basis])
    multi = units[units.groupby("system")["d"].transform("size") >= 2]
    # The one-way random-effects moments of the state model, with systems as the groups.
    _, tau2, within = mm._moments(multi.rename(columns={"d": "y", "system": "state"}))  # noqa: SLF001
    nu0 = _prior_weight(multi)
    total, squares, m = _loo(multi)
    effect, _ = mm._shrunk(total, m, tau2, within)  # noqa: SLF001
    z = (multi["d"].to_numpy() - effect) / _scale(total, squares, m, tau2, within, nu0)
    q = mm.weighted_quantiles(z, np.ones(len(multi)), mm.QUANTILES)
    return SystemModel(basis, tau2, within, q, units, nu0)


def bands(hospitals: pd.DataFrame, state: mm.StateModel, system: SystemModel) -> pd.DataFrame:
    """The system-aware band of every hospital of ``hospitals`` (data/hospitals.csv columns ccn, state,
    chargemaster_id, system_id) whose system has another chargemaster with a published price.

    Columns: ccn, basis, low, typical, high (multiples of the hospital's Medicare rate), chargemasters
    (its system's others behind it), credibility."""
    h = hospitals[hospitals["system_id"].fillna("") != ""]
    own = h["chargemaster_id"].where(h["chargemaster_id"].fillna("") != "", h["ccn"])
    u = system.units.assign(d2=system.units["d"] ** 2)
    by_sys = u.groupby("system").agg(sum=("d", "sum"), sq=("d2", "sum"), size=("d", "size"))
    own_d = u.set_index("chargemaster_id")["d"].reindex(own).to_numpy()
    has_own = ~np.isnan(own_d)
    total = h["system_id"].map(by_sys["sum"]).fillna(0.0).to_numpy() - np.where(has_own, own_d, 0.0)
    squares = h["system_id"].map(by_sys["sq"]).fillna(0.0).to_numpy() - np.where(has_own, own_d ** 2, 0.0)
    count = h["system_id"].map(by_sys["size"]).fillna(0).to_numpy(float) - has_own
    keep = count >= 1
    h, total, squares, count = h[keep], total[keep], squares[keep], count[keep]
    effect, z = mm._shrunk(total, count, system.tau2, system.sigma2)  # noqa: SLF001
    scale = _scale(total, squares, count, system.tau2, system.sigma2, system.nu0)
    level = state.mu + state.effect(h["state"]) + effect
    b = np.exp(level[:, None] + scale[:, None] * system.q[None, :])
    return pd.DataFrame({"ccn": h["ccn"].to_numpy(), "basis": system.basis, "low": b[:, 0].round(4),
                         "typical": b[:, 1].round(4), "high": b[:, 2].round(4),
                         "chargemasters": count.astype(int), "credibility": z.round(4)})


def cross_validate(obs: pd.DataFrame, k: int = 10, seed: int = 0) -> pd.DataFrame:
    """Out of sample, chargemaster by chargemaster: each fold's chargemasters are held out, the state
    and system models fitted on the rest, and each held-out hospital whose system keeps another
    chargemaster in training is predicted from it. Columns as market_model.cross_validate."""
    key = obs["chargemaster_id"].astype(str)
    names = np.array(sorted(key.unique()))
    np.random.default_rng(seed).shuffle(names)
    fold_of = {n: i % k for i, n in enumerate(names)}
    f = key.map(fold_of).to_numpy()
    rows = []
    for i in range(k):
        train, test = obs[f != i], obs[f == i]
        for basis, column in BASES.items():
            state = mm.fit_state_model(train, column, basis)
            system = fit(train, state, basis)
            t = mm._observations(test, column)  # noqa: SLF001
            t = t[t["system_id"].fillna("") != ""]
            band = bands(t.assign(ccn=np.arange(len(t)).astype(str)), state, system)
            if band.empty:
                continue
            tt = t.iloc[band["ccn"].astype(int).to_numpy()]
            dollars = band[["low", "typical", "high"]].to_numpy() * tt[["medicare_rate"]].to_numpy()
            rows.append(pd.DataFrame({"basis": basis, "fold": i, "state": tt["state"].to_numpy(),
                                      **mm.scored(tt[column].to_numpy(), dollars),
                                      "chargemasters": band["chargemasters"].to_numpy()}))
    return pd.concat(rows, ignore_index=True)


SOURCE = ("published 62321 prices of the other hospitals of the same health system (data/hospital_market_evidence.csv; "
          "systems in data/hospitals.csv); model estimator/databuild/system_bands.py")


def table(obs: pd.DataFrame, models: dict[str, mm.StateModel], hospitals: pd.DataFrame) -> pd.DataFrame:
    """data/hospital_bands.csv: the system-aware gross-charge and cash bands of every hospital whose
    system has another chargemaster with a published price, with its method and source."""
    parts = []
    for basis in BASES:
        system = fit(obs, models[basis], basis)
        b = bands(hospitals, models[basis], system)
        b["method"] = [f"{n} other chargemaster{'s' if n != 1 else ''} of the hospital's health system, "
                       f"credibility {z:.3f} (tau_sys^2 {system.tau2:.4f}, sigma_sys^2 {system.sigma2:.4f}); "
                       f"the system's own spread, pooled with a prior weight of {system.nu0:.2f} chargemasters"
                       for n, z in zip(b["chargemasters"], b["credibility"])]
        parts.append(b)
    out = pd.concat(parts, ignore_index=True).assign(source=SOURCE)
    return out.sort_values(["ccn", "basis"]).reset_index(drop=True)
