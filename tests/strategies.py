"""Hypothesis strategies for scenarios (valid ones; invalid input is tested separately)."""

from __future__ import annotations

from hypothesis import strategies as st

from estimator.scenario import COVERAGE, MEDICARE_PROVIDER, SEDATION, Scenario
from estimator.tables import PROCEDURE_CODES, SITES, YEARS, load

_REF = load()
ZIPS = sorted(_REF.frames["zip_locality"]["zip"].sample(400, random_state=1))
money = st.one_of(st.none(), st.floats(0, 20000, allow_nan=False).map(lambda x: round(x, 2)))


@st.composite
def scenarios(draw, coverage=None, network=None, allow_overrides: bool = False) -> Scenario:
    cov = coverage or draw(st.sampled_from(COVERAGE))
    net = network or ("in" if cov in ("medicare", "medicaid") else draw(st.sampled_from(("in", "out"))))
    anes_net = None if cov in ("medicare", "medicaid") else draw(st.sampled_from((None, "in", "out")))
    where = draw(st.sampled_from(("zip", "locality", "state")))
    place = {"zip": {"zip": draw(st.sampled_from(ZIPS))},
             "locality": {"locality": draw(st.sampled_from([loc.key for loc in _REF.localities]))},
             "state": {"state": draw(st.sampled_from(_REF.states))}}[where]
    deductible = draw(money)
    oop_max = draw(money)
    sc = Scenario(
        **place, code=draw(st.sampled_from(PROCEDURE_CODES)), site=draw(st.sampled_from(SITES)),
        imaging=draw(st.sampled_from((None, "fluoroscopy", "ct", "none"))),
        sedation=draw(st.sampled_from(SEDATION)), sedation_minutes=draw(st.integers(0, 90)),
        anesthesia_minutes=draw(st.integers(0, 120)), year=draw(st.sampled_from(YEARS)), coverage=cov,
        network=net, anesthesia_network=anes_net, deductible=deductible,
        deductible_met=0.0 if deductible is None else draw(st.floats(0, deductible).map(lambda x: round(x, 2))),
        copay=draw(st.sampled_from((0.0, 25.0, 50.0, 100.0, 350.0))),
        coinsurance=None if cov == "medicare" else draw(st.one_of(st.none(), st.integers(0, 100).map(float))),
        oop_max=oop_max,
        oop_met=0.0 if oop_max is None else draw(st.floats(0, oop_max).map(lambda x: round(x, 2))),
        copay_timing=draw(st.sampled_from(("after_deductible", "before_deductible"))),
        coinsurance_base=draw(st.sampled_from(("after_copay", "including_copay"))),
        medigap=draw(st.sampled_from(("none", "g"))) if cov == "medicare" else "none",
        medicare_provider=draw(st.sampled_from(MEDICARE_PROVIDER)) if cov == "medicare" else "participating",
        prior_sessions=draw(st.integers(0, 6)),
    )
    if allow_overrides and draw(st.booleans()):
        sc.allowed = draw(st.floats(0, 20000).map(lambda x: round(x, 2)))
        sc.billed = draw(st.one_of(st.none(), st.floats(0, 40000).map(lambda x: round(x, 2))))
    return sc


def random_scenarios(n: int, seed: int) -> list[Scenario]:
    """n valid scenarios drawn with a seeded generator (for large comparisons)."""
    import random

    rnd = random.Random(seed)
    locs = [loc.key for loc in _REF.localities]
    out = []
    for _ in range(n):
        cov = rnd.choice(COVERAGE)
        where = rnd.choice(("zip", "locality", "state"))
        place = {"zip": {"zip": rnd.choice(ZIPS)}, "locality": {"locality": rnd.choice(locs)},
                 "state": {"state": rnd.choice(_REF.states)}}[where]
        ded = rnd.choice((None, 0.0, 500.0, 1500.0, round(rnd.uniform(0, 8000), 2)))
        oop = rnd.choice((None, 3000.0, round(rnd.uniform(0, 12000), 2)))
        sc = Scenario(
            **place, code=rnd.choice(PROCEDURE_CODES), site=rnd.choice(SITES),
            imaging=rnd.choice((None, "fluoroscopy", "ct", "none")), sedation=rnd.choice(SEDATION),
            sedation_minutes=rnd.randint(0, 90), anesthesia_minutes=rnd.randint(0, 120),
            year=rnd.choice(YEARS), coverage=cov,
            network="in" if cov in ("medicare", "medicaid") else rnd.choice(("in", "out")),
            anesthesia_network=None if cov in ("medicare", "medicaid") else rnd.choice((None, "in", "out")),
            deductible=ded, deductible_met=0.0 if ded is None else round(rnd.uniform(0, ded), 2),
            copay=rnd.choice((0.0, 30.0, 100.0, 250.0)),
            coinsurance=None if cov == "medicare" else rnd.choice((None, 0.0, 10.0, 20.0, 30.0, 50.0)),
            oop_max=oop, oop_met=0.0 if oop is None else round(rnd.uniform(0, oop), 2),
            copay_timing=rnd.choice(("after_deductible", "before_deductible")),
            coinsurance_base=rnd.choice(("after_copay", "including_copay")),
            medigap=rnd.choice(("none", "g")) if cov == "medicare" else "none",
            medicare_provider=rnd.choice(MEDICARE_PROVIDER) if cov == "medicare" else "participating",
            prior_sessions=rnd.randint(0, 5),
        )
        r = rnd.random()
        if r < 0.1:
            sc.allowed = round(rnd.uniform(0, 6000), 2)
            sc.billed = rnd.choice((None, round(rnd.uniform(0, 12000), 2)))
        elif r < 0.2:
            sc.allowed_professional = round(rnd.uniform(0, 800), 2)
        out.append(sc)
    return out
