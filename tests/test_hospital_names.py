"""One way to write a hospital's name: the quote's steps and JSON (and so the API's), the list of
hospitals near the patient, and the printed summary all show CMS's upper-case name through
``estimator.reference.hospitals.display_name``."""

from __future__ import annotations

import io
import json

import pandas as pd
import pypdf
import pytest

from estimator.documents.summary import summary_pdf
from estimator.planning.nearby import hospitals_near
from estimator.quote import quote
from estimator.reference.hospitals import display_name
from estimator.reference.tables import data_dir
from estimator.scenario import Scenario
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def hospital() -> pd.Series:
    """A hospital whose CMS name has a small word ('OF') and which publishes a cash price for 62321."""
    prices = pd.read_csv(data_dir() / "hospital_prices.csv", dtype=str)
    found = prices[(prices["code"] == "62321") & prices["cash_price"].notna() & prices["ccn"].notna()
                   & prices["hospital_name"].str.contains(" OF ")]
    places = pd.read_csv(data_dir() / "hospitals.csv", dtype=str).set_index("ccn")
    row = found[found["ccn"].isin(places.index)].iloc[0]
    return pd.concat([row, places.loc[row["ccn"], ["zip", "city"]]])


def test_small_words_are_lower_case_and_the_rest_capitalised(hospital):
    name = display_name(hospital["hospital_name"])
    assert " of " in name and name != hospital["hospital_name"] and name.lower() == hospital["hospital_name"].lower()


def test_every_place_shows_the_same_name(hospital):
    name = display_name(hospital["hospital_name"])
    sc = Scenario(zip=hospital["zip"], site="hopd", coverage="self_pay", hospital=hospital["ccn"])
    q = quote(sc)
    assert name in q.steps[0] and q.to_dict()["hospital"]["display_name"] == name
    near = hospitals_near(sc, include=hospital["ccn"])
    assert near.loc[near["ccn"] == hospital["ccn"], "name"].iloc[0] == name
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(summary_pdf(q.to_dict()))).pages)
    assert name in " ".join(text.split())
    cli = json.loads(run_cli("quote", "--zip", hospital["zip"], "--site", "hopd", "--coverage", "self_pay",
                             "--hospital", hospital["ccn"], "--json").stdout)
    assert cli["hospital"]["display_name"] == name and cli["hospital"]["name"] == hospital["hospital_name"]
