"""The commercial in-network facility band says what it rests on: how many hospitals publish their
rates per insurer (the facility model's commercial basis in data/metadata.json) and how many of their
price files come from the patient's state (data/regional_factors.csv)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from estimator.common.i18n import use
from estimator.quote import quote
from estimator.reference.tables import data_dir
from estimator.scenario import Scenario

CODE = "negotiated_rate_evidence"


def _note(sc: Scenario) -> str | None:
    found = [w["message"] for w in quote(sc).to_dict()["warnings"] if w["code"] == CODE]
    assert len(found) <= 1
    return found[0] if found else None


def _counts(state: str) -> tuple[int, int, int]:
    model = json.loads((data_dir() / "metadata.json").read_text())["hospital_facility_model"]["bases"]["commercial"]
    rf = pd.read_csv(data_dir() / "regional_factors.csv")
    here = rf[(rf["state"] == state) & (rf["component"] == "facility") & (rf["basis"] == "commercial")]
    return model["hospitals"], model["chargemasters"], int(here["chargemasters"].sum())


@pytest.mark.parametrize(("zip_code", "state"), [("22030", "VA"), ("35203", "AL"), ("85004", "AZ")])
@pytest.mark.parametrize("site", ["hopd", "asc"])
def test_the_commercial_band_states_its_count_and_its_state_share(zip_code: str, state: str, site: str) -> None:
    hospitals, files, local = _counts(state)
    assert files <= hospitals and local <= files
    note = _note(Scenario(zip=zip_code, site=site, coverage="commercial"))
    assert note is not None
    assert f"only {hospitals} hospitals" in note and f"in {files} price files" in note
    assert (f"{local} of them from {state}" if local else f"none from {state}") in note
    assert ("Surgery centers publish no prices" in note) == (site == "asc")
    with use("es"):
        spanish = _note(Scenario(zip=zip_code, site=site, coverage="commercial"))
    assert spanish and spanish != note and f"solo {hospitals} hospitales" in spanish


@pytest.mark.parametrize("sc", [
    Scenario(zip="22030", site="hopd", coverage="medicare"),
    Scenario(zip="22030", site="hopd", coverage="self_pay"),
    Scenario(zip="22030", site="hopd", coverage="medicaid"),
    Scenario(zip="22030", site="office", coverage="commercial"),
    Scenario(zip="22030", site="hopd", coverage="commercial", network="out", plan_type="ppo"),
    Scenario(zip="22030", site="hopd", coverage="commercial", allowed_facility=900.0),
], ids=["medicare", "self_pay", "medicaid", "office", "out_of_network", "allowed_entered"])
def test_no_note_where_the_band_is_not_used(sc: Scenario) -> None:
    assert _note(sc) is None


def test_a_named_hospital_speaks_for_itself() -> None:
    rates = pd.read_csv(data_dir() / "hospital_payer_rates.csv", dtype={"ccn": str})
    ccn = rates["ccn"].dropna().iloc[0]
    assert _note(Scenario(zip="22030", site="hopd", coverage="commercial")) is not None
    assert _note(Scenario(hospital=ccn, site="hopd", coverage="commercial")) is None
