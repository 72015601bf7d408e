"""Where the patient is: ZIP code, Medicare locality or state -> the locality that prices the visit.

Source: the CMS ZIP code to carrier/locality file (data/zip_locality.csv), CMS's ZIP+4 file for the
ZIP codes it splits across localities (data/zip9_locality.csv) and Addendum E localities
(data/gpci.csv). A ZIP must appear in the CMS file to count as a US ZIP code. A ZIP+4 is written
``NNNNN-NNNN`` (no other form is read as one) and is priced in the locality CMS gives it; a plain
5-digit ZIP in the locality CMS gives the 5-digit ZIP. When only a state is known, the locality
covering most of the state's ZIP codes is used (data/state_default_locality.csv).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from estimator.common.errors import FieldError
from estimator.common.i18n import _
from estimator.reference.tables import Locality, RefData


@dataclass(frozen=True)
class Place:
    """The resolved location of a quote."""

    locality: Locality
    index: int  # position in RefData.localities
    state: str  # the patient's state (a ZIP's own state, which may differ from the locality's)
    matched_by: str  # "zip", "locality" or "state"
    query: str  # what was entered
    ambiguous: bool  # the ZIP or state spans more than one locality
    #: a plain 5-digit ZIP that CMS splits by ZIP+4: the indices of its localities (the one used first)
    split_localities: tuple[int, ...] = ()
    #: the ZIP's wage-index area (position in RefData.wage_areas), -1 when none is known (a quote by
    #: locality or state, or a ZIP with no area): the locality's wage index then applies
    wage_area: int = -1

    def to_dict(self) -> dict:
        return {"key": self.locality.key, "carrier": self.locality.carrier,
                "locality": self.locality.locality, "state": self.state,
                "name": self.locality.label, "matched_by": self.matched_by, "query": self.query}


def resolve(ref: RefData, zip: str | None = None, locality: str | None = None,
            state: str | None = None) -> Place:
    """Resolve one place; raises PlaceError carrying a FieldError if it is unknown."""
    if zip:
        text = str(zip).strip()
        m = ZIP_PATTERN.fullmatch(text)
        if m is None:
            raise PlaceError(FieldError("zip", _("'{value}' is not a ZIP code: use 5 digits (35203) or ZIP+4 with a "
                                                 "hyphen (35203-1234)").format(value=text)))
        z = int(m.group(1))
        i = int(ref.zip_locality[z])
        if i < 0:
            raise PlaceError(FieldError("zip", _("{value} is not a US ZIP code in the CMS ZIP file").format(
                value=m.group(1))))
        state = str(ref.zip_state[z])
        area = int(ref.zip_wage_area[z])
        if m.group(2):
            i = int(zip9_localities(ref, np.array([z * 10000 + int(m.group(2))]), np.array([i]))[0])
            return Place(ref.localities[i], i, state, "zip", text, False, wage_area=area)
        split = ref.zip_split_localities.get(z, ())
        return Place(ref.localities[i], i, state, "zip", text, bool(split), split, wage_area=area)
    if locality:
        i = ref.locality_index.get(str(locality))
        if i is None:
            raise PlaceError(FieldError("locality", _("{value} is not a Medicare locality; see data/gpci.csv for the "
                                                      "list, e.g. 10112-00").format(value=locality)))
        loc = ref.localities[i]
        return Place(loc, i, loc.state, "locality", str(locality), False)
    st = str(state or "").upper()
    s = ref.state_index.get(st)
    if s is None:
        raise PlaceError(FieldError("state", _("{value} is not a US state or territory code: allowed: {values}").format(
            value=state, values=", ".join(ref.states))))
    i = int(ref.state_default_locality[s])
    return Place(ref.localities[i], i, st, "state", st, bool(ref.state_locality_count[s] > 1))


#: A 5-digit ZIP code, or a ZIP+4 written with its hyphen: 35203 or 35203-1234.
ZIP_PATTERN = re.compile(r"(\d{5})(?:-(\d{4}))?")


def zip9_localities(ref: RefData, zip9: np.ndarray, zip5_locality: np.ndarray) -> np.ndarray:
    """Locality index of each 9-digit ZIP+4 (ZIP x 10000 + plus4), given its 5-digit ZIP's locality.

    A ZIP+4 inside a range of data/zip9_locality.csv takes that range's locality; any other keeps
    the 5-digit ZIP's (CMS lists ZIP+4s only where they override the 5-digit ZIP).
    """
    zip9 = np.asarray(zip9, dtype=np.int64)
    pos = np.searchsorted(ref.zip9_from, zip9, side="right") - 1
    ok = pos >= 0
    pos = np.maximum(pos, 0)
    inside = ok & (zip9 <= ref.zip9_to[pos]) if len(ref.zip9_to) else np.zeros(len(zip9), bool)
    return np.where(inside, ref.zip9_locality[pos] if len(ref.zip9_to) else 0, zip5_locality)


class PlaceError(LookupError):
    """An unknown ZIP, locality or state."""

    def __init__(self, error: FieldError):
        self.error = error
        super().__init__(str(error))


def lookup_zips(ref: RefData, zips: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(locality index, state index, found) for an array of ZIP strings ("35203" or "35203-1234").

    A ZIP+4 (``NNNNN-NNNN``, nothing else) is priced in its own locality; any other form is not found.
    """
    s = pd.Series(np.asarray(zips, dtype=str))
    parts = s.str.extract(r"^(\d{5})(?:-(\d{4}))?$")
    ok = parts[0].notna().to_numpy()
    zint = parts[0].fillna("0").astype(np.int64).to_numpy()
    loc = np.where(ok, ref.zip_locality[zint], -1)
    has4 = parts[1].notna().to_numpy() & (loc >= 0)
    if has4.any():
        p4 = parts[1].fillna("0").astype(np.int64).to_numpy()
        loc = np.where(has4, zip9_localities(ref, zint * 10000 + p4, loc), loc)
    state = pd.Index(ref.states).get_indexer(ref.zip_state[zint])
    return np.maximum(loc, 0), np.maximum(state, 0), loc >= 0


def lookup_wage_areas(ref: RefData, zips: np.ndarray) -> np.ndarray:
    """The wage-index area (position in RefData.wage_areas, -1 none) of each ZIP string; -1 for
    anything that is not a ZIP (lookup_zips reports those)."""
    digits = pd.Series(np.asarray(zips, dtype=str)).str.extract(r"^(\d{5})(?:-\d{4})?$")[0]
    ok = digits.notna().to_numpy()
    return np.where(ok, ref.zip_wage_area[digits.fillna("0").astype(np.int64).to_numpy()], -1)


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
