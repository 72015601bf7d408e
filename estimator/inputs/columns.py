"""The two shapes the cross-field rules (rules.py) read scenarios in.

``Columns`` holds n scenarios as arrays (the batch path, and the messages of any scenario with a
problem); ``Row`` holds one scenario as plain Python values (the single-quote path, which needs no
array machinery to find that a scenario is fine). Both answer the same questions (``has``, ``isin``,
``num``, ``idx``, ``given``) with the same meaning, so the rules are written once: with ``&``, ``|``,
``^ True`` (not) and comparisons only, which mean the same on a mask array and on one bool.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from estimator.inputs.fields import FIELDS


@dataclass
class Columns:
    """Every field of n scenarios, read.

    ``num[name]``: float64 for number fields (NaN = no value); ``idx[name]``: int8 index into the
    field's choices for choice fields (-1 = no value); place fields as ``place_codes[name]`` (index
    into ``place_values[name]``, the distinct normalised texts; -1 = blank). ``given[name]``: the
    cell was not blank. ``problem[name]``: int64 index into ``messages[name]`` for a cell that could
    not be read, else -1.
    """

    n: int
    num: dict[str, np.ndarray] = field(default_factory=dict)
    idx: dict[str, np.ndarray] = field(default_factory=dict)
    place_codes: dict[str, np.ndarray] = field(default_factory=dict)
    place_values: dict[str, np.ndarray] = field(default_factory=dict)
    _masks: dict[tuple[str, frozenset[str], bool], np.ndarray] = field(default_factory=dict)
    given: dict[str, np.ndarray] = field(default_factory=dict)
    problem: dict[str, np.ndarray] = field(default_factory=dict)
    messages: dict[str, list[str]] = field(default_factory=dict)
    loc: np.ndarray | None = None  # resolved locality index (with a RefData)
    state: np.ndarray | None = None  # resolved state index
    wage_area: np.ndarray | None = None  # resolved wage-index area (-1: none; the locality's applies)

    def has(self, name: str) -> np.ndarray:
        """Rows where the field has a value (given and read, or a default)."""
        if name in self.num:
            return ~np.isnan(self.num[name])
        if name in self.idx:
            return self.idx[name] >= 0
        return self.place_codes[name] >= 0

    def isin(self, name: str, codes: frozenset[str], blank: bool = False) -> np.ndarray:
        """Rows whose choice field is one of ``codes`` (or has no value, with ``blank``); cached, since
        many rules ask the same question."""
        key = (name, codes, blank)
        if key not in self._masks:
            choices = FIELDS[name].choices
            table = np.zeros(len(choices) + 1, dtype=bool)  # the last entry answers for -1 (no value)
            table[[choices.index(x) for x in codes if x in choices]] = True
            table[-1] = blank
            self._masks[key] = table[self.idx[name]]
        return self._masks[key]

    def place_text(self, name: str, i: int) -> str:
        k = int(self.place_codes[name][i])
        return "" if k < 0 else str(self.place_values[name][k])


@dataclass
class Row:
    """One scenario, read: ``num[name]`` a float (NaN = no value), ``idx[name]`` an index into the
    field's choices (-1 = no value; flags no = 0, yes = 1), ``given[name]`` whether the cell was not
    blank; place fields are in ``given`` only (their text is not needed by any rule)."""

    num: dict[str, float] = field(default_factory=dict)
    idx: dict[str, int] = field(default_factory=dict)
    given: dict[str, bool] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        if name in self.num:
            v = self.num[name]
            return v == v  # not NaN
        if name in self.idx:
            return self.idx[name] >= 0
        return self.given[name]

    def isin(self, name: str, codes: frozenset[str], blank: bool = False) -> bool:
        k = self.idx[name]
        return blank if k < 0 else FIELDS[name].choices[k] in codes
