"""Hypothesis strategies for scenarios, drawn from the field registry.

``scenarios()`` gives valid Scenarios: every field that applies to the drawn coverage and sedation
is drawn from its registry definition, the rest keep their defaults, and values the validator
refuses in combination are put back to their defaults (sampling._repair). ``field_text(spec)``
gives text a person might type in one field, valid or not, for the parser's property tests.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

from estimator.inputs.fields import COVERAGE, FIELDS, PLACE_FIELDS, REGISTRY, SEDATION, FieldSpec, applies
from estimator.inputs.sampling import _repair, random_frame, scenario_rows
from estimator.reference.tables import YEARS, load
from estimator.scenario import Scenario

_REF = load()
ZIPS = sorted(_REF.frames["zip_locality"]["zip"].sample(400, random_state=1))
money = st.one_of(st.none(), st.floats(0, 20000, allow_nan=False).map(lambda x: round(x, 2)))


def value(spec: FieldSpec) -> st.SearchStrategy:
    """Valid values of one field (alone; combinations are repaired afterwards)."""
    if spec.kind == "choice":
        return st.sampled_from(list(spec.choices) + ([None] if spec.default is None else []))
    if spec.kind == "flag":
        return st.booleans()
    if spec.kind == "year":
        return st.sampled_from(YEARS)
    if spec.kind == "count":
        return st.integers(int(spec.low), min(int(spec.high), 120))
    if spec.kind == "percent":
        return st.one_of(st.none(), st.integers(0, 100).map(float))
    return money if spec.default is None else money.map(lambda x: spec.default if x is None else x)


@st.composite
def scenarios(draw, coverage: str | None = None, network: str | None = None,
              allow_overrides: bool = False) -> Scenario:
    cov = coverage or draw(st.sampled_from(COVERAGE))
    sed = draw(st.sampled_from(SEDATION))
    where = draw(st.sampled_from(PLACE_FIELDS))
    values: dict[str, object] = {where: draw(st.sampled_from({
        "zip": ZIPS, "locality": [loc.key for loc in _REF.localities], "state": list(_REF.states)}[where]))}
    values |= {"coverage": cov, "sedation": sed}
    for spec in REGISTRY:
        if (spec.name in values or spec.name in PLACE_FIELDS or spec.kind == "text"
                or not applies(spec, cov, sed)):
            continue
        if spec.name.startswith(("allowed", "billed")) and not allow_overrides:
            continue
        values[spec.name] = draw(value(spec))
    if network and "network" in FIELDS and applies(FIELDS["network"], cov):
        values["network"] = network
    frame = pd.DataFrame({k: [v] for k, v in values.items()}, dtype=object)
    return Scenario(**scenario_rows(_repair(frame, _REF))[0])


def random_scenarios(n: int, seed: int) -> list[Scenario]:
    """n valid scenarios drawn with a seeded generator (for large comparisons)."""
    return [Scenario(**row) for row in scenario_rows(random_frame(n, seed, _REF))]
