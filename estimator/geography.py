"""Where the patient is: ZIP code, Medicare locality or state -> the locality that prices the visit.

Source: the CMS ZIP code to carrier/locality file (data/zip_locality.csv) and Addendum E localities
(data/gpci.csv). A ZIP must appear in the CMS file to count as a US ZIP code. When only a state is
known, the locality covering most of the state's ZIP codes is used (data/state_default_locality.csv).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import FieldError
from .tables import Locality, RefData


@dataclass(frozen=True)
class Place:
    """The resolved location of a quote."""

    locality: Locality
    index: int  # position in RefData.localities
    state: str  # the patient's state (a ZIP's own state, which may differ from the locality's)
    matched_by: str  # "zip", "locality" or "state"
    query: str  # what was entered
    ambiguous: bool  # the ZIP or state spans more than one locality

    def to_dict(self) -> dict:
        return {"key": self.locality.key, "carrier": self.locality.carrier,
                "locality": self.locality.locality, "state": self.state,
                "name": self.locality.label, "matched_by": self.matched_by, "query": self.query}


def resolve(ref: RefData, zip: str | None = None, locality: str | None = None,
            state: str | None = None) -> Place:
    """Resolve one place; raises PlaceError carrying a FieldError if it is unknown."""
    if zip:
        z = str(zip)[:5]
        i = int(ref.zip_locality[int(z)]) if z.isdigit() else -1
        if i < 0:
            raise PlaceError(FieldError("zip", f"{z} is not a US ZIP code in the CMS ZIP file"))
        return Place(ref.localities[i], i, str(ref.zip_state[int(z)]), "zip", z,
                     bool(ref.zip_plus4[int(z)]))
    if locality:
        i = ref.locality_index.get(str(locality))
        if i is None:
            raise PlaceError(FieldError("locality", f"{locality} is not a Medicare locality; "
                                                    "see data/gpci.csv for the list, e.g. 10112-00"))
        loc = ref.localities[i]
        return Place(loc, i, loc.state, "locality", str(locality), False)
    st = str(state or "").upper()
    s = ref.state_index.get(st)
    if s is None:
        raise PlaceError(FieldError("state", f"{state} is not a US state or territory code: "
                                             "allowed: " + ", ".join(ref.states)))
    i = int(ref.state_default_locality[s])
    return Place(ref.localities[i], i, st, "state", st, bool(ref.state_locality_count[s] > 1))


class PlaceError(LookupError):
    """An unknown ZIP, locality or state."""

    def __init__(self, error: FieldError):
        self.error = error
        super().__init__(str(error))


def lookup_zips(ref: RefData, zips: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(locality index, state index, found) for an array of ZIP strings ("35203" or "35203-1234")."""
    z5 = np.asarray(zips, dtype=str).astype("<U5")
    ok = np.char.isdigit(z5) & (np.char.str_len(z5) == 5)
    zint = np.where(ok, z5, "0").astype(np.int64)
    loc = np.where(ok, ref.zip_locality[zint], -1)
    state = pd.Index(ref.states).get_indexer(ref.zip_state[zint])
    return np.maximum(loc, 0), np.maximum(state, 0), loc >= 0


def lookup_localities(ref: RefData, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(locality index, state index, found) for an array of locality keys ("10112-00")."""
    loc = pd.Index([lo.key for lo in ref.localities]).get_indexer(np.asarray(keys, dtype=object))
    state_of = pd.Index(ref.states).get_indexer([lo.state for lo in ref.localities])
    return np.maximum(loc, 0), np.maximum(state_of[np.maximum(loc, 0)], 0), loc >= 0


def lookup_states(ref: RefData, states: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(default locality index, state index, found) for an array of two-letter state codes."""
    st = pd.Index(ref.states).get_indexer(np.char.upper(np.asarray(states, dtype=str)))
    ok = st >= 0
    st = np.maximum(st, 0)
    return ref.state_default_locality[st], st, ok
