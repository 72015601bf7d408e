"""Every published worked example of benefit arithmetic, through the CLI and the Python API."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from estimator.quote import quote
from estimator.scenario import Scenario

from .conftest import REFERENCE, run_cli

EXAMPLES = pd.read_csv(REFERENCE / "benefits" / "worked_examples.csv", dtype={"id": str},
                       keep_default_na=False)


def _fields(row: pd.Series) -> dict[str, str]:
    f = {"coverage": row["coverage"], "network": row["network"], "allowed": row["allowed"],
         "billed": row["billed"], "deductible_remaining": row["deductible_remaining"], "copay": row["copay"],
         "coinsurance": row["coinsurance_pct"], "oop_remaining": row["oop_remaining"]}
    if "copay before deductible" in row["convention"]:
        f["copay_timing"] = "before_deductible"
    if row["network"] == "out":
        # The published out-of-network example gives the plan's out-of-network terms; the quote now
        # keeps them apart from the in-network ones and needs the plan type (a PPO pays out of network).
        f |= {"plan_type": "ppo", "oon_deductible": row["deductible_remaining"],
              "oon_coinsurance": row["coinsurance_pct"]}
    return {k: v for k, v in f.items() if str(v).strip() != ""}


@pytest.mark.parametrize("row", [r for _, r in EXAMPLES.iterrows()], ids=list(EXAMPLES["id"]))
def test_worked_example_through_the_cli(row):
    args = ["quote", "--json", "--zip", "35203"]
    for k, v in _fields(row).items():
        args += ["--" + k.replace("_", "-"), str(v)]
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    q = json.loads(r.stdout)
    assert q["patient_pays"]["typical"] == pytest.approx(float(row["expected_patient"]), abs=0.005)
    assert q["plan_pays"]["typical"] == pytest.approx(float(row["expected_plan"]), abs=0.005)


@pytest.mark.parametrize("row", [r for _, r in EXAMPLES.iterrows()], ids=list(EXAMPLES["id"]))
def test_worked_example_through_the_api(row):
    f = _fields(row)
    kw = {k: (float(v) if k not in ("coverage", "network", "copay_timing", "plan_type") else v) for k, v in f.items()}
    q = quote(Scenario(zip="35203", **kw))
    for level in ("low", "typical", "high"):  # an entered allowed amount has no range
        assert q.patient_pays[level] == pytest.approx(float(row["expected_patient"]), abs=0.005)
        assert q.plan_pays[level] == pytest.approx(float(row["expected_plan"]), abs=0.005)
    assert q.steps and q.sources
