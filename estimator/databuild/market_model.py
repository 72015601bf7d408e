"""The hospital facility-price model: national -> state partial pooling on published hospital prices.

For one price basis (gross charge, cash price, commercial negotiated rate) each hospital gives
y = ln(published price / the hospital's own Medicare OPPS rate), for CPT 62321. The model is

    y = mu + u_state + e,   u_state ~ N(0, tau^2),   e ~ N(0, sigma^2) between chargemasters,

fitted by the method of moments (one-way random effects, unbalanced). Hospitals that publish one
chargemaster (``chargemaster_id``) in one state count as ONE observation (their mean). A state's
effect is its mean deviation shrunk toward the national level by its credibility
Z = n tau^2 / (n tau^2 + sigma^2), n = the state's chargemasters: a state with few of them stays
near the national figure.

The spread differs by state too (one state's chargemasters agree more than another's), so each
state also has its own scale, pooled the same way: with r the *predictive* residuals (each
hospital's y minus the state effect estimated WITHOUT its own chargemaster, so the spread includes
the error of the state effect, as it would for a hospital the model never saw) and v_s the state's
mean r^2 over its n chargemasters,

    s_s^2 = (nu0 x s^2 + n x v_s) / (nu0 + n),

the conjugate (scaled inverse chi-square) update of the pooled s^2 = mean r^2, with nu0, the prior's
weight in chargemasters, estimated by the method of moments from how much the states' log v_s vary
beyond their sampling variance (kappa - 1) / n (kappa the residuals' kurtosis; 2 / n if they were
normal: these are heavier-tailed, and sampling alone moves a small state's v_s a lot). The band
(10th / 50th / 90th percentile) for a hospital in state s is exp(mu + u_s + s_s x z), z the
weighted quantiles of r / s_state over all hospitals, each chargemaster weighted once.

Commercial negotiated rates are published by few hospitals (per-payer rates for some Virginia
hospitals and the eight calibration hospitals). Their state effect is borrowed from gross charges:
u_commercial = b x u_gross, with b the least-squares slope of the hospitals' log commercial multiple
on their log gross-charge multiple (clipped to [0, 1]), one point per chargemaster.

Units: multiples of the Medicare rate (dimensionless). No constants are tuned: the only numbers are
the percentiles (10, 50, 90) and the number of folds of the cross-validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

QUANTILES = (0.10, 0.50, 0.90)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """Quantiles of a weighted sample (midpoint rule: each value sits at the middle of its weight)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    positions = (np.cumsum(w) - w / 2) / w.sum()
    return np.interp(qs, positions, v)


@dataclass
class StateModel:
    """A fitted model for one basis: national level, state effects, residual quantiles (log scale)."""

    basis: str
    mu: float
    tau2: float
    sigma2: float
    q: np.ndarray  # residual quantiles at QUANTILES
    state_effect: dict[str, float] = field(default_factory=dict)
    state_n: dict[str, int] = field(default_factory=dict)  # chargemasters per state
    state_credibility: dict[str, float] = field(default_factory=dict)
    n_hospitals: int = 0
    n_chargemasters: int = 0
    slope: float = 1.0  # commercial: b in u_commercial = b x u_gross
    #: state -> its pooled residual scale s_s; a state not listed has the national scale
    state_scale: dict[str, float] = field(default_factory=dict)
    scale: float = 1.0  # the national residual scale s (q = s x the standardised quantiles)
    prior_weight: float = float("inf")  # nu0, in chargemasters (inf: one scale for every state)

    def effect(self, states: pd.Series) -> np.ndarray:
        return states.map(self.state_effect).fillna(0.0).to_numpy(float)

    def spread(self, states: pd.Series) -> np.ndarray:
        """(n, 3) log-scale offsets of the 10th / 50th / 90th percentiles from mu + u_s, per state."""
        ratio = states.map(self.state_scale).fillna(self.scale).to_numpy(float) / self.scale
        return ratio[:, None] * self.q[None, :]

    def band(self, states: pd.Series) -> np.ndarray:
        """(n, 3) multiples of Medicare: 10th / 50th / 90th percentile for hospitals in ``states``."""
        return np.exp(self.mu + self.effect(states)[:, None] + self.spread(states))

    @property
    def multiples(self) -> np.ndarray:
        """The national band (a state with no data): exp(mu + q)."""
        return np.exp(self.mu + self.q)


def _units(d: pd.DataFrame) -> pd.DataFrame:
    """One observation per chargemaster per state: mean y, and how many hospitals it stands for."""
    return d.groupby(["state", "chargemaster_id"], sort=True).agg(y=("y", "mean"), hospitals=("y", "size")
                                                                  ).reset_index()


def _moments(u: pd.DataFrame) -> tuple[float, float, float]:
    """mu, tau^2, sigma^2 of a one-way random-effects model by the method of moments."""
    y = u["y"].to_numpy()
    n_total = len(y)
    g = u.groupby("state")["y"]
    n_s, mean_s = g.size().to_numpy(float), g.mean().to_numpy()
    within = float(((u["y"] - g.transform("mean")) ** 2).sum())
    k = len(n_s)
    sigma2 = within / max(n_total - k, 1)
    grand = float(y.mean())
    between = float((n_s * (mean_s - grand) ** 2).sum())
    denom = n_total - (n_s ** 2).sum() / n_total
    tau2 = max(0.0, (between - (k - 1) * sigma2) / denom) if denom > 0 else 0.0
    return grand, tau2, sigma2


def _shrunk(sum_dev: np.ndarray, n: np.ndarray, tau2: float, sigma2: float) -> tuple[np.ndarray, np.ndarray]:
    """State effects from the sum of deviations from mu over n chargemasters: (effect, credibility)."""
    n = np.asarray(n, float)
    z = np.where(n > 0, n * tau2 / (n * tau2 + sigma2), 0.0) if sigma2 > 0 else (n > 0).astype(float)
    mean = np.divide(sum_dev, n, out=np.zeros_like(n), where=n > 0)
    return z * mean, z


def _loo_effect(d: pd.DataFrame, units: pd.DataFrame, mu: float, tau2: float, sigma2: float) -> np.ndarray:
    """Each hospital's state effect estimated without its own chargemaster (the predictive effect)."""
    dev = units.assign(dev=units["y"] - mu)
    by_state = dev.groupby("state").agg(s=("dev", "sum"), n=("dev", "size"))
    own = dev.set_index(["state", "chargemaster_id"])["dev"]
    key = pd.MultiIndex.from_frame(d[["state", "chargemaster_id"]])
    s = d["state"].map(by_state["s"]).to_numpy() - own.reindex(key).to_numpy()
    n = d["state"].map(by_state["n"]).to_numpy() - 1
    return _shrunk(s, n, tau2, sigma2)[0]


def _weights(d: pd.DataFrame) -> np.ndarray:
    """1 / (hospitals sharing the chargemaster in the state): each chargemaster counts once."""
    return 1.0 / d.groupby(["state", "chargemaster_id"])["y"].transform("size").to_numpy(float)


def _observations(obs: pd.DataFrame, column: str) -> pd.DataFrame:
    d = obs.dropna(subset=[column, "medicare_rate"])
    d = d[(d[column] > 0) & (d["medicare_rate"] > 0)]
    return d.assign(y=np.log(d[column] / d["medicare_rate"]))


def state_scales(states: pd.Series, resid: np.ndarray, weights: np.ndarray,
                 units: pd.Series) -> tuple[dict[str, float], float, float]:
    """Each state's residual scale s_s, pooled toward the national s (module docstring).

    ``resid``: predictive residuals per hospital, ``weights``: each chargemaster once, ``units``:
    the chargemasters per state. Returns ({state: s_s}, s, nu0)."""
    sq = pd.DataFrame({"state": states.to_numpy(), "r2": resid ** 2 * weights, "w": weights})
    by = sq.groupby("state")[["r2", "w"]].sum()
    v = by["r2"] / by["w"]
    pooled = float(sq["r2"].sum() / sq["w"].sum())
    n = units.reindex(v.index).to_numpy(float)
    ok = (n >= 3) & (v.to_numpy() > 0)
    # Sampling variance of a log mean square over n draws: (kurtosis - 1) / n (the delta method; 2 / n
    # for normal residuals), with the kurtosis of the residuals, which are heavier-tailed, each first
    # divided by its own state's scale (else the states' differing spreads would count as tails), over
    # the states the moment uses (a state of one or two chargemasters, or all alike, has no scale).
    if ok.sum() < 3:
        return {}, float(np.sqrt(pooled)), float("inf")
    used = states.isin(v.index[ok]).to_numpy()
    z = resid[used] / np.sqrt(states[used].map(v).to_numpy(float))
    w = weights[used]
    kurtosis = float(np.sum(w * z ** 4) / np.sum(w) / (np.sum(w * z ** 2) / np.sum(w)) ** 2)
    extra = float(np.var(np.log(v.to_numpy()[ok])) - np.mean((kurtosis - 1) / n[ok]))
    nu0 = 2.0 / extra if extra > 0 else float("inf")
    if np.isinf(nu0):
        return {}, float(np.sqrt(pooled)), nu0
    scale2 = (nu0 * pooled + n * v.to_numpy()) / (nu0 + n)
    return dict(zip(v.index, np.sqrt(scale2))), float(np.sqrt(pooled)), nu0


def fit_state_model(obs: pd.DataFrame, column: str, basis: str) -> StateModel:
    """Fit national -> state pooling for one price column of ``obs`` (one row per hospital).

    ``obs`` needs: state, chargemaster_id, medicare_rate (dollars) and the price column (dollars).
    """
    d = _observations(obs, column)
    units = _units(d)
    mu, tau2, sigma2 = _moments(units)
    by_state = units.assign(dev=units["y"] - mu).groupby("state").agg(s=("dev", "sum"), n=("dev", "size"))
    eff, z_cred = _shrunk(by_state["s"].to_numpy(), by_state["n"].to_numpy(), tau2, sigma2)
    resid = d["y"].to_numpy() - mu - _loo_effect(d, units, mu, tau2, sigma2)
    w = _weights(d)
    scales, scale, nu0 = state_scales(d["state"], resid, w, by_state["n"])
    z = resid / d["state"].map(scales).fillna(scale).to_numpy(float)
    q = scale * weighted_quantiles(z, w, QUANTILES)
    return StateModel(basis=basis, mu=mu, tau2=tau2, sigma2=sigma2, q=q,
                      state_effect=dict(zip(by_state.index, eff)),
                      state_n={s: int(n) for s, n in zip(by_state.index, by_state["n"])},
                      state_credibility=dict(zip(by_state.index, z_cred)),
                      n_hospitals=len(d), n_chargemasters=len(units),
                      state_scale=scales, scale=scale, prior_weight=nu0)


def plan_deviations(obs: pd.DataFrame, plans: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """ln(plan rate / the hospital's commercial median) for every published commercial plan rate of the
    hospitals in ``obs``, weighted so each hospital counts once. None or no rates: (0, 1)."""
    if plans is None or plans.empty:
        return np.zeros(1), np.ones(1)
    o = obs.dropna(subset=["commercial_median", "ccn"])
    med = o[o["ccn"] != ""].drop_duplicates("ccn").set_index("ccn")["commercial_median"]
    p = plans[plans["ccn"].isin(med.index)]
    if p.empty:
        return np.zeros(1), np.ones(1)
    dev = np.log(p["amount_usd"].to_numpy(float) / p["ccn"].map(med).to_numpy(float))
    return dev, 1.0 / p.groupby("ccn")["amount_usd"].transform("size").to_numpy(float)


def fit_commercial_model(obs: pd.DataFrame, gross: StateModel, plans: pd.DataFrame | None = None,
                         column: str = "commercial_median", gross_column: str = "commercial_gross") -> StateModel:
    """Commercial negotiated rates: national level and spread from the hospitals that publish them,
    the state effect borrowed from gross charges (b x u_gross, b from the hospitals with both).

    A patient's plan pays its own rate, not the hospital's median: the band's spread is that of the
    hospitals' medians around the model plus each plan's deviation from its hospital's median
    (``plans``: per-payer commercial rates, columns ccn and amount_usd), every pair weighted so each
    hospital counts once on both sides."""
    d = _observations(obs, column)
    both = d.dropna(subset=[gross_column])
    both = both[both[gross_column] > 0].assign(g=lambda x: np.log(x[gross_column] / x["medicare_rate"]))
    pts = both.groupby(["state", "chargemaster_id"])[["y", "g"]].mean()
    if len(pts) >= 3 and pts["g"].var() > 0:
        b = float(np.clip(np.cov(pts["g"], pts["y"])[0, 1] / pts["g"].var(), 0.0, 1.0))
    else:
        b = 0.0
    shift = b * gross.effect(d["state"])
    units = _units(d.assign(y=d["y"] - shift))
    mu = float(units["y"].mean())
    resid = d["y"].to_numpy() - mu - shift
    dev, dev_w = plan_deviations(obs, plans)
    total = (resid[:, None] + dev[None, :]).ravel()
    weight = (_weights(d)[:, None] * dev_w[None, :]).ravel()
    q = weighted_quantiles(total, weight, QUANTILES)
    return StateModel(basis="commercial", mu=mu, tau2=gross.tau2 * b * b, sigma2=float(units["y"].var()), q=q,
                      state_effect={s: b * e for s, e in gross.state_effect.items()},
                      state_n=d.groupby("state")["chargemaster_id"].nunique().to_dict(),
                      state_credibility=dict(gross.state_credibility),
                      n_hospitals=len(d), n_chargemasters=len(units), slope=b)


def fit_all(obs: pd.DataFrame, plans: pd.DataFrame | None = None) -> dict[str, StateModel]:
    """The three facility models: billed (gross charge), cash, commercial (``plans``: per-payer rates)."""
    billed = fit_state_model(obs, "gross_charge", "billed")
    cash = fit_state_model(obs, "cash_price", "cash")
    return {"billed": billed, "cash": cash, "commercial": fit_commercial_model(obs, billed, plans)}


def commercial_plan_rates(payer_rates: pd.DataFrame, code: str = "62321") -> pd.DataFrame:
    """The commercial and exchange plan rates for one code from data/hospital_payer_rates.csv."""
    p = payer_rates[(payer_rates["code"].astype(str) == code)
                    & payer_rates["plan_type"].isin(["commercial", "exchange"])]
    return p[["ccn", "amount_usd"]].dropna().reset_index(drop=True)


def cash_to_gross(obs: pd.DataFrame) -> tuple[float, int]:
    """Median ratio of cash price to gross charge over hospitals publishing both, one chargemaster per
    state counted once (the median of the units' mean log ratio); returns (ratio, chargemasters)."""
    d = obs.dropna(subset=["cash_price", "gross_charge"])
    d = d[(d["cash_price"] > 0) & (d["gross_charge"] > 0)]
    units = _units(d.assign(y=np.log(d["cash_price"] / d["gross_charge"])))
    return float(np.exp(units["y"].median())), len(units)


COLUMNS = {"billed": "gross_charge", "cash": "cash_price", "commercial": "commercial_median"}


def folds(obs: pd.DataFrame, k: int, seed: int = 0) -> np.ndarray:
    """Fold number per row, whole systems together (``system_id``, else the chargemaster, else the row's
    hospital), systems shuffled with a fixed seed and dealt largest first to the smallest fold."""
    group = obs["system_id"].where(obs["system_id"].fillna("") != "", obs["chargemaster_id"])
    sizes = group.value_counts()
    rng = np.random.default_rng(seed)
    names = sorted(sizes.index)
    rng.shuffle(names)
    names = sorted(names, key=lambda n: -sizes[n])  # stable: ties keep the shuffled order
    load, fold_of = np.zeros(k), {}
    for n in names:
        f = int(np.argmin(load))
        fold_of[n] = f
        load[f] += sizes[n]
    return group.map(fold_of).to_numpy()


def scored(price: np.ndarray, band: np.ndarray, below: np.ndarray | None = None,
           above: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Held-out prices against their (n, 3) bands in dollars: observed, low, typical, high, inside,
    below, above (shares: 1 or 0 for one figure, unless given) and width (high / low)."""
    below = (price < band[:, 0]).astype(float) if below is None else below
    above = (price > band[:, 2]).astype(float) if above is None else above
    return {"observed": price, "low": band[:, 0], "typical": band[:, 1], "high": band[:, 2],
            "inside": 1.0 - below - above, "below": below, "above": above, "width": band[:, 2] / band[:, 0]}


def cross_validate(obs: pd.DataFrame, k: int = 10, seed: int = 0,
                   plans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Out-of-sample bands: for each fold, fit on the other folds and predict the held-out hospitals.

    Returns one row per hospital and basis: observed price, predicted low/typical/high (dollars),
    inside / below / above (shares: 1 or 0 for one figure; for a hospital's published commercial plan
    rates, the share of its plans), width (high / low), fold. Commercial: a hospital's plan rates where
    ``plans`` has them, else its median.
    """
    f = folds(obs, k, seed)
    rows = []
    for i in range(k):
        train, test = obs[f != i], obs[f == i]
        models = fit_all(train, plans)
        for basis, model in models.items():
            t = _observations(test, COLUMNS[basis])
            if t.empty:
                continue
            band = model.band(t["state"]) * t[["medicare_rate"]].to_numpy()
            price = t[COLUMNS[basis]].to_numpy()
            below, above = (price < band[:, 0]).astype(float), (price > band[:, 2]).astype(float)
            if basis == "commercial" and plans is not None:
                for j, ccn in enumerate(t["ccn"]):
                    r = plans.loc[plans["ccn"] == ccn, "amount_usd"].to_numpy(float)
                    if len(r):
                        below[j], above[j] = (r < band[j, 0]).mean(), (r > band[j, 2]).mean()
            rows.append(pd.DataFrame({
                "ccn": t["ccn"].to_numpy(), "state": t["state"].to_numpy(),
                "hospital_type": t["hospital_type"].to_numpy(), "chargemaster_id": t["chargemaster_id"].to_numpy(),
                "basis": basis, "fold": i, **scored(price, band, below, above)}))
    return pd.concat(rows, ignore_index=True)


def cross_validate_state_quantiles(obs: pd.DataFrame, k: int = 10, seed: int = 0) -> pd.DataFrame:
    """The plain baseline, on the same folds: each state's own weighted 10th / 50th / 90th percentiles of
    the hospitals' multiples (each chargemaster once), the national ones for a state with fewer than
    three chargemasters in the training folds. Gross charges and cash prices; columns as cross_validate."""
    f = folds(obs, k, seed)
    rows = []
    for basis in ("billed", "cash"):
        d = _observations(obs.assign(fold=f), COLUMNS[basis])
        for i in range(k):
            train, test = d[d["fold"] != i], d[d["fold"] == i]
            w = _weights(train)
            national = weighted_quantiles(train["y"].to_numpy(), w, QUANTILES)
            per_state = {st: weighted_quantiles(g["y"].to_numpy(), w[train["state"].to_numpy() == st], QUANTILES)
                         for st, g in train.groupby("state") if g["chargemaster_id"].nunique() >= 3}
            q = np.array([per_state.get(st, national) for st in test["state"]])
            band = np.exp(q) * test[["medicare_rate"]].to_numpy()
            rows.append(pd.DataFrame({"basis": basis, "fold": i, **scored(test[COLUMNS[basis]].to_numpy(), band)}))
    return pd.concat(rows, ignore_index=True)


def coverage_summary(cv: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Share of held-out hospitals inside their 10th-90th band, and the median band width (high / low)."""
    keys = ["basis"] + (by or [])
    return cv.groupby(keys).agg(hospitals=("inside", "size"), coverage=("inside", "mean"),
                                below=("below", "mean"), above=("above", "mean"),
                                median_width=("width", "median")).reset_index()
